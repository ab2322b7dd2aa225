"""Nutrient balances (N, P, ...) per firm and for the region, from the substance flows.

Per firm, on the farm-gate principle:

* inputs: what arrives (shipments), is imported or is taken from the environment;
* outputs: what is dispatched, exported, disposed of or eaten (final consumption);
* losses: releases to air, water and soil (emission rows);
* surplus = inputs − outputs − change in the firm's stock of the substance. By the substance
  balance this equals the losses plus what the firm's recipes consumed beyond what they made.

For the region the same, with inputs from the boundary (imports, extractions) and outputs to
it (exports, disposal, final consumption), over every firm and ``in_transit``. Surplus per
hectare divides by the land the firms declare (``FirmSpec.land_ha``); it is NaN without land.

The rows are coded once (nodes as integers, firms first) and summed per firm with
:func:`group_sums`, which adds each firm's rows in ledger order, as ``q[mask].sum()`` would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.balance import _recode, _union

NUTRIENT_COLUMNS = [
    "inputs_t", "outputs_t", "to_air_t", "to_water_t", "to_soil_t", "stock_change_t",
    "surplus_t", "land_ha", "surplus_kg_per_ha",
]  # fmt: skip
_IN_KINDS = ("shipment", "import", "extraction")
_OUT_KINDS = ("shipment", "export", "disposal", "final_consumption")
_SINKS = ("air", "water", "soil")
_TRANSIT = "in_transit"


def nutrient_table(
    substance_flows: pd.DataFrame, substance: str, land_ha: dict[str, float]
) -> pd.DataFrame:
    """The nutrient balance of one substance, one row per firm and ``cluster`` (t, kg/ha).

    Args:
        substance_flows: Substance flows (``source, target, substance, quantity, kind``), of
            the whole run or of one period.
        substance: The substance (``N``, ``P``, ...).
        land_ha: Land per firm id (ha); every firm of the run, with 0 where it has none.
    """
    firms = list(land_ha)
    flows = substance_flows[_is_in(substance_flows["substance"], (substance,))]
    rows = _CodedRows(flows, firms)
    table = pd.DataFrame(
        np.vstack([rows.firm_balances(), rows.cluster_balance()]),
        index=pd.Index([*firms, "cluster"], dtype=object, name="scope"),
        columns=NUTRIENT_COLUMNS[:7],
    )
    table["land_ha"] = [*land_ha.values(), sum(land_ha.values())]
    land = table["land_ha"].to_numpy()
    table["surplus_kg_per_ha"] = np.where(
        land > 0, table["surplus_t"] * 1000.0 / np.where(land > 0, land, 1.0), np.nan
    )
    return table


class _CodedRows:
    """One substance's rows on integer codes; nodes numbered with the firms first."""

    def __init__(self, flows: pd.DataFrame, firms: list[str]) -> None:
        self.n_firms = len(firms)
        inside = {*firms, _TRANSIT}
        others = [n for n in _union((flows["source"], flows["target"])) if n not in inside]
        nodes = [*firms, _TRANSIT, *others]
        self.src, self.dst = _recode(flows["source"], nodes), _recode(flows["target"], nodes)
        self.q = flows["quantity"].to_numpy(dtype=float)
        kind = flows["kind"]
        self.inbound, self.outbound = _is_in(kind, _IN_KINDS), _is_in(kind, _OUT_KINDS)
        self.released = [_is_in(kind, ("emission",)) & self._to(nodes, sink) for sink in _SINKS]
        self.produced, self.consumed = _is_in(kind, ("production",)), _is_in(kind, ("consumption",))

    def _to(self, nodes: list[str], name: str) -> np.ndarray:
        return self.dst == nodes.index(name) if name in nodes else np.zeros(len(self.dst), bool)

    def firm_balances(self) -> np.ndarray:
        """Firms x the seven balance columns; a firm's own rows are its production."""
        own = self.src == self.dst
        return self._balances(
            into=np.where(own, -1, self.dst),
            out_of=np.where(own, -1, self.src),
            inner=np.where(own, self.src, -1),
            n=self.n_firms,
        )

    def cluster_balance(self) -> np.ndarray:
        """The region's balance (firms and in_transit against the boundary), as one row."""
        src_in, dst_in = self.src <= self.n_firms, self.dst <= self.n_firms
        return self._balances(
            into=np.where(~src_in & dst_in, 0, -1),
            out_of=np.where(src_in & ~dst_in, 0, -1),
            inner=np.where((self.src == self.dst) & dst_in, 0, -1),
            n=1,
        )[0]

    def _balances(
        self, into: np.ndarray, out_of: np.ndarray, inner: np.ndarray, n: int
    ) -> np.ndarray:
        """Inputs, outputs, to air, water, soil, stock change and surplus of scopes 0..n-1.

        ``into``, ``out_of`` and ``inner`` give the scope each row enters, leaves or stays
        within (-1, or n and above: none).
        """
        inputs = group_sums(np.where(self.inbound, into, -1), self.q, n)
        outputs = group_sums(np.where(self.outbound, out_of, -1), self.q, n)
        losses = [group_sums(np.where(r, out_of, -1), self.q, n) for r in self.released]
        produced = group_sums(np.where(self.produced, inner, -1), self.q, n)
        consumed = group_sums(np.where(self.consumed, inner, -1), self.q, n)
        lost = 0.0 + losses[0] + losses[1] + losses[2]
        change = inputs + produced - outputs - consumed - lost
        return np.column_stack([inputs, outputs, *losses, change, inputs - outputs - change])


def group_sums(key: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``values`` summed per key ``0..n-1`` (other keys left out), bit for bit as numpy would.

    Each group's values are added in their order, with numpy's pairwise summation, so each
    sum equals ``values[key == k].sum()`` exactly (``np.bincount`` adds one by one, which
    differs in the last bits).
    """
    out = np.zeros(n)
    chosen = np.flatnonzero((key >= 0) & (key < n))
    if len(chosen) == 0:
        return out
    chosen = chosen[np.argsort(key[chosen], kind="stable")]
    keys, ordered = key[chosen], values[chosen]
    starts = np.flatnonzero(np.diff(keys, prepend=-1))
    ends = np.append(starts[1:], len(keys))
    for k, a, b in zip(keys[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[k] = ordered[a:b].sum()
    return out


def _is_in(column: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Rows whose value is one of ``names`` (tested once per category, not per row)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(str).astype("category")
    hit = np.array([str(c) in names for c in column.cat.categories] + [False])
    return hit[column.cat.codes.to_numpy()]  # code -1 (missing) reads the appended False
