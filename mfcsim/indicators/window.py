"""A window on a run: its frames restricted to one evaluation period, with helpers.

Indicators see only this: the run's frames (never a live Simulation), sliced by time, and the
resolved scenario for firm and material parameters (jobs, population, replacements).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from mfcsim.coded import (
    category_hits,
    equals,
    groupby_sums,
    is_in,
    recode,
    time_rows,
    union_names,
)
from mfcsim.indicators.periods import Period

if TYPE_CHECKING:
    from mfcsim.results import Results
    from mfcsim.scenario.root import Scenario

T = TypeVar("T")
#: What most indicators return: scope -> value.
Scoped = dict[str, float]

#: Material kinds that count as material (mass) in the material indicators.
MATERIAL_KINDS = ("product", "raw_material", "residue")
#: The time column of each frame that a window slices.
TIME_COLUMNS = {"shipments": "dispatch_t_day", "trips": "day"}
#: Columns :meth:`Window.take` computes for the rows it takes (not in the ledger).
DERIVED_COLUMNS = ("mass_t", "is_material")


class Window:
    """The frames of one run within one period ``[start_day, end_day)``.

    Attributes:
        results: The run's results (frames, kpis, resolved scenario).
        period: The evaluation period.
    """

    def __init__(self, results: Results, period: Period, shared: dict | None = None) -> None:
        self.results, self.period = results, period
        #: Tables that do not depend on the period, shared by the windows of one run.
        self.shared = {} if shared is None else shared

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario of the run."""
        return self.results.scenario

    @property
    def materials(self) -> pd.DataFrame:
        """The materials frame indexed by id, with ``is_material`` (mass, not water) added."""
        return _materials(self)

    def frame(self, name: str) -> pd.DataFrame:
        """A frame of the run (``flows``, ``service``, ``shipments``, ...) within the period.

        Frames without a time column are returned whole; an absent frame is empty.
        """
        cache = self.__dict__.setdefault("_frames", {})
        if name not in cache:
            whole = getattr(self.results, name, None)
            if not isinstance(whole, pd.DataFrame):
                whole = self.results.extra.get(name, pd.DataFrame())
            cache[name] = self.within(whole, TIME_COLUMNS.get(name, "t_day"))
        return cache[name]

    def within(self, frame: pd.DataFrame, column: str = "t_day") -> pd.DataFrame:
        """The rows of ``frame`` with ``start_day <= frame[column] < end_day``.

        A frame sorted by time (the ledger is) is sliced by binary search; others are masked.
        Frames without the column are returned whole.
        """
        if column not in frame:
            return frame
        rows = time_rows(frame[column].to_numpy(), self.period.start_day, self.period.end_day)
        return frame.iloc[rows] if isinstance(rows, slice) else frame[rows]

    @property
    def ledger(self) -> pd.DataFrame:
        """The ledger rows of the period as the run holds them (a slice of the flows frame).

        Indicators take what they read of it with :meth:`rows` or :meth:`take`.
        """
        return self.frame("flows")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Ledger rows of the period, with ``mass_t`` and ``is_material`` columns added.

        Two columns the length of the ledger, kept for the run: indicators read
        :meth:`rows` instead, which computes them for the rows taken.
        """
        return self.within(_flows_with_mass(self))

    def positions(self, kind: str, *, material_only: bool = False) -> np.ndarray:
        """Positions in :attr:`ledger` of the period's rows of one kind, in ledger order.

        Shipments are their dispatch rows (supplier to ``in_transit``), which carry the
        distance, cost and CO2e. ``material_only`` keeps the rows of materials with mass
        that are not water (``is_material``). Memoised per window, as int32 where the
        ledger is shorter than 2**31 rows: 4 bytes a row where a copy of the rows took
        about 50.
        """
        memo: dict[tuple[str, bool], np.ndarray] = self.__dict__.setdefault("_positions", {})
        if (kind, material_only) not in memo:
            ledger = self.ledger
            mask = equals(ledger["kind"], kind)
            if kind == "shipment":  # the dispatch rows (arrivals repeat them)
                mask &= ~equals(ledger["source"], "in_transit")
            if material_only:
                mask &= _material_table(self).is_material[_material_codes(ledger)]
            memo[kind, material_only] = _narrow_positions(np.flatnonzero(mask), len(ledger))
        return memo[kind, material_only]

    def rows(
        self,
        kinds: str | tuple[str, ...],
        columns: Sequence[str] | None = None,
        *,
        material_only: bool = False,
        materials: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Ledger rows of one or more kinds in the period, with only the columns asked for.

        A fresh, narrow copy each call (nothing is kept): ask for the columns you read.

        Args:
            kinds: A ledger kind, or several (their rows in ledger order).
            columns: Columns of the ledger, and ``mass_t`` or ``is_material``
                (:meth:`take`); None: all of them (a copy of whole rows).
            material_only: Only rows of materials with mass that are not water.
            materials: Only rows of these material ids.
        """
        kinds = (kinds,) if isinstance(kinds, str) else tuple(dict.fromkeys(kinds))
        parts = [self.positions(kind, material_only=material_only) for kind in kinds]
        chosen = parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))  # disjoint
        if materials is not None:
            hits = category_hits(self.ledger["material"], list(materials))
            chosen = chosen[hits[_material_codes(self.ledger)[chosen]]]
        return self.take(chosen, columns)

    def take(self, positions: np.ndarray, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of :attr:`ledger` at ``positions``, with only ``columns``.

        The rows keep the ledger's labels. ``mass_t`` (quantity × the material's mass per
        unit) and ``is_material`` (:data:`MATERIAL_KINDS`, not water, with mass) are
        computed for these rows only; ``columns`` None gives every column, those two last.
        """
        ledger = self.ledger
        names = [*ledger.columns, *DERIVED_COLUMNS] if columns is None else list(columns)
        data = {}
        for name in names:
            if name in DERIVED_COLUMNS:
                data[name] = _derived(self, name, positions)
            else:
                data[name] = ledger[name].array.take(positions)
        return pd.DataFrame(data, index=ledger.index.take(positions), columns=names, copy=False)

    def ids_where(self, column: str, value: object) -> list[str]:
        """Ids of the materials whose ``column`` (``water``, ``ghg``, ...) equals ``value``."""
        if ("ids_where", column, value) not in self.shared:
            mats = self.materials
            chosen = mats.index[(mats[column] == value).to_numpy()]
            self.shared["ids_where", column, value] = [str(m) for m in chosen]
        return list(self.shared["ids_where", column, value])

    def ids_of_kind(self, kind: str) -> list[str]:
        """Ids of the materials of one kind (``residue``, ``product``, ...)."""
        if ("ids_of_kind", kind) not in self.shared:
            mats = self.materials
            self.shared["ids_of_kind", kind] = [str(m) for m in mats.index[mats["kind"] == kind]]
        return list(self.shared["ids_of_kind", kind])

    def firm_ids(self, firm_type: str | None = None) -> list[str]:
        """Ids of the run's firms (of one type if given)."""
        if ("firm_ids", firm_type) not in self.shared:
            nodes = self.results.nodes
            mask = nodes["role"] == "firm"
            if firm_type is not None:
                mask &= nodes["type"] == firm_type
            self.shared["firm_ids", firm_type] = [str(n) for n in nodes.loc[mask, "node"]]
        return list(self.shared["firm_ids", firm_type])


def per_run(function: Callable[[Window], T]) -> Callable[[Window], T]:
    """Compute a table that does not depend on the period once for all windows of a run."""

    @functools.wraps(function)
    def cached(window: Window) -> T:
        if function not in window.shared:
            window.shared[function] = function(window)
        return window.shared[function]

    return cached


@per_run
def _materials(window: Window) -> pd.DataFrame:
    mats = window.results.materials.set_index("id")
    defaults = {"water": False, "harvested": False, "ghg": "", "ghg_category": ""}
    for column, value in defaults.items():  # a run folder written before materials had them
        if column not in mats:
            mats[column] = value
    mats["water"] = mats["water"].astype(bool)
    mats["is_material"] = (
        mats["kind"].isin(MATERIAL_KINDS) & ~mats["water"] & (mats["mass_t_per_unit"] > 0)
    )
    return mats


class MaterialTable(NamedTuple):
    """Per code of the ledger's ``material`` column: mass per unit (t) and ``is_material``."""

    mass_t_per_unit: np.ndarray
    is_material: np.ndarray


@per_run
def _material_table(window: Window) -> MaterialTable:
    mats = window.materials.reindex(window.results.flows["material"].cat.categories)
    return MaterialTable(
        mats["mass_t_per_unit"].to_numpy(dtype=float), mats["is_material"].to_numpy(dtype=bool)
    )


def _material_codes(ledger: pd.DataFrame) -> np.ndarray:
    return ledger["material"].cat.codes.to_numpy()


def _derived(window: Window, name: str, positions: np.ndarray) -> np.ndarray:
    """``mass_t`` or ``is_material`` of the period's ledger rows at ``positions``."""
    ledger, table = window.ledger, _material_table(window)
    codes = _material_codes(ledger)[positions]
    if name == "is_material":
        values: np.ndarray = table.is_material[codes]
    else:
        values = ledger["quantity"].to_numpy()[positions] * table.mass_t_per_unit[codes]
    return values


def _narrow_positions(positions: np.ndarray, n_rows: int) -> np.ndarray:
    """``positions`` as int32 where ``n_rows`` allows it."""
    return positions.astype(np.int32) if n_rows < 2**31 else positions


@per_run
def _flows_with_mass(window: Window) -> pd.DataFrame:
    """The whole ledger with ``mass_t`` and ``is_material`` (sliced per period by windows)."""
    flows = window.results.flows
    codes, table = _material_codes(flows), _material_table(window)
    mass_t = flows["quantity"].to_numpy() * table.mass_t_per_unit[codes]
    return flows.assign(mass_t=mass_t, is_material=table.is_material[codes])


def node_codes(flows: pd.DataFrame, *columns: str) -> tuple[list[str], list[np.ndarray]]:
    """The node names of ``columns`` (``source``, ``target``) and each column on their codes."""
    names = union_names(tuple(flows[c] for c in columns))
    return names, [recode(flows[c], names) for c in columns]


def firm_codes_of_rows(flows: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The node each ledger row belongs to, as codes into the returned node names.

    The target of imports and extraction, else the source (the firm that ships, disposes,
    emits, exports, produces or consumes). The codes are the narrowest integers that hold
    them (int16 at 10,000 firms: the whole ledger is coded here).
    """
    names = union_names((flows["source"], flows["target"]))
    src, dst = (recode(flows[c], names, narrow=True) for c in ("source", "target"))
    inbound = is_in(flows["kind"], ("import", "extraction"))
    return np.where(inbound, dst, src), names


def sum_by_name(codes: np.ndarray, names: list[str], values: np.ndarray) -> pd.Series:
    """``values`` summed per name, names sorted; as ``Series(values).groupby(names).sum()``.

    Args:
        codes: Code of each row into ``names``.
        names: The names of the codes.
        values: One value per row.
    """
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.min_scalar_type(len(names)))  # narrow keys per row
    rank[order] = np.arange(len(names))
    keys, sums = groupby_sums(rank[codes], values)
    return pd.Series(sums, index=pd.Index([names[order[k]] for k in keys], dtype=object))


def sum_by(frame: pd.DataFrame, key: str | pd.Series, column: str | np.ndarray) -> pd.Series:
    """``frame[column]`` summed by a column name or a Series of keys (index: plain strings).

    ``column`` may also be an array of values, one per row of ``frame``.
    """
    keys = frame[key] if isinstance(key, str) else key
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        keys = keys.astype("category")
    codes = keys.cat.codes.to_numpy()
    names = category_names(keys)
    values = frame[column].to_numpy(dtype=float) if isinstance(column, str) else column
    sums = np.bincount(codes, weights=values, minlength=len(names))
    seen = np.bincount(codes, minlength=len(names)) > 0
    return pd.Series(sums[seen], index=pd.Index(names[seen], dtype=object, copy=False))


def category_names(column: pd.Series) -> np.ndarray:
    """The categories of a categorical column as plain strings (an object array)."""
    categories = column.cat.categories
    if categories.dtype.kind in "OTU" or isinstance(categories.dtype, pd.StringDtype):
        names = categories.to_numpy(dtype=object)
        if all(type(n) is str for n in names):
            return names
    return np.array([str(c) for c in categories], dtype=object)


def per_window(function: Callable[[Window], T]) -> Callable[[Window], T]:
    """Compute a helper table once per window, however many indicators use it."""

    @functools.wraps(function)
    def cached(window: Window) -> T:
        memo = window.__dict__.setdefault("_memo", {})
        if function not in memo:
            memo[function] = function(window)
        return memo[function]

    return cached


def share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` on the denominator's index; NaN where it is zero."""
    num = numerator.reindex(denominator.index, fill_value=0.0)
    den = denominator.where(denominator != 0.0)
    return num / den


def by_scope(values: pd.Series, prefix: str, *, total: bool = True) -> dict[str, float]:
    """``values`` indexed by id as scopes ``<prefix>:<id>``, with their sum as ``cluster``."""
    if values.index.has_duplicates:
        values = values.groupby(level=0).sum()
    out = {"cluster": float(values.sum())} if total else {}
    out.update(zip([f"{prefix}:{i}" for i in values.index], map(float, values), strict=True))
    return out


def shares_by_scope(numerator: pd.Series, denominator: pd.Series, prefix: str) -> dict[str, float]:
    """Per-key shares as scopes ``<prefix>:<id>``, and the cluster's (sum over sum) first."""
    num = numerator.reindex(denominator.index, fill_value=0.0)
    total = float(denominator.sum())
    cluster = float(num.sum()) / total if total != 0.0 else float("nan")
    return {"cluster": cluster, **by_scope(share(num, denominator), prefix, total=False)}


def firm_and_material(rows: pd.DataFrame, firm_column: str, column: str) -> dict[str, float]:
    """Scopes cluster, firm:<id> and material:<id> of one column of ledger rows summed."""
    firms = by_scope(sum_by(rows, firm_column, column), "firm")
    return {**firms, **by_scope(sum_by(rows, "material", column), "material", total=False)}


def firm_column(table: Callable[[Window], pd.DataFrame], column: str) -> Callable[[Window], Scoped]:
    """An indicator function: one column of a per-firm table, per firm and for the cluster."""

    def values(window: Window) -> Scoped:
        return by_scope(table(window)[column], "firm")

    values.__doc__ = f"``{column}`` of ``{table.__name__}``, per firm and for the cluster."
    return values
