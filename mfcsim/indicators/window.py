"""A window on a run: its frames restricted to one evaluation period, with helpers.

Indicators see only this: the run's frames (never a live Simulation), sliced by time, and the
resolved scenario for firm and material parameters (jobs, population, replacements).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mfcsim.indicators.periods import Period

if TYPE_CHECKING:
    from mfcsim.results import Results
    from mfcsim.scenario.schema import Scenario

#: Material kinds that count as material (mass) in the material indicators.
MATERIAL_KINDS = ("product", "raw_material", "residue")
#: Material ids that are water: counted as water use, not as material.
WATER_IDS = ("water",)
#: The time column of each frame that a window slices.
TIME_COLUMNS = {"shipments": "dispatch_t_day"}


class Window:
    """The frames of one run within one period ``[start_day, end_day)``.

    Attributes:
        results: The run's results (frames, kpis, resolved scenario).
        period: The evaluation period.
    """

    def __init__(self, results: Results, period: Period) -> None:
        self.results, self.period = results, period

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario of the run."""
        return self.results.scenario

    @cached_property
    def materials(self) -> pd.DataFrame:
        """The materials frame indexed by id, with ``is_material`` (mass, not water) added."""
        mats = self.results.materials.set_index("id")
        mats["is_material"] = (
            mats["kind"].isin(MATERIAL_KINDS)
            & ~mats.index.isin(WATER_IDS)
            & (mats["mass_t_per_unit"] > 0)
        )
        return mats

    def frame(self, name: str) -> pd.DataFrame:
        """A frame of the run (``flows``, ``service``, ``shipments``, ...) within the period.

        Frames without a time column are returned whole; an absent frame is empty.
        """
        cache = self.__dict__.setdefault("_frames", {})
        if name not in cache:
            whole = getattr(self.results, name, None)
            if not isinstance(whole, pd.DataFrame):
                whole = self.results.extra.get(name, pd.DataFrame())
            column = TIME_COLUMNS.get(name, "t_day")
            if column in whole:
                t = whole[column].to_numpy()
                whole = whole[(t >= self.period.start_day) & (t < self.period.end_day)]
            cache[name] = whole
        return cache[name]

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Ledger rows of the period, with ``mass_t`` and ``is_material`` columns added."""
        flows = self.frame("flows")
        codes = flows["material"].cat.codes.to_numpy()
        mats = self.materials.reindex(flows["material"].cat.categories)
        per_unit = mats["mass_t_per_unit"].to_numpy(dtype=float)[codes]
        is_material = mats["is_material"].to_numpy(dtype=bool)[codes]
        return flows.assign(mass_t=flows["quantity"].to_numpy() * per_unit, is_material=is_material)

    def rows(self, kind: str, *, material_only: bool = False) -> pd.DataFrame:
        """Ledger rows of one kind in the period (only material rows if asked)."""
        flows = self.flows
        mask = (flows["kind"] == kind).to_numpy()
        if material_only:
            mask &= flows["is_material"].to_numpy()
        return flows[mask]

    def firm_ids(self, firm_type: str | None = None) -> list[str]:
        """Ids of the run's firms (of one type if given)."""
        nodes = self.results.nodes
        mask = nodes["role"] == "firm"
        if firm_type is not None:
            mask &= nodes["type"] == firm_type
        return [str(n) for n in nodes.loc[mask, "node"]]


def by_scope(values: pd.Series, prefix: str, *, total: bool = True) -> pd.Series:
    """``values`` indexed by id as scopes ``<prefix>:<id>``, with their sum as ``cluster``."""
    values = values.groupby(level=0, observed=True).sum()
    out = pd.Series(values.to_numpy(dtype=float), index=[f"{prefix}:{i}" for i in values.index])
    if total:
        out = pd.concat([pd.Series({"cluster": float(np.sum(values.to_numpy()))}), out])
    return out
