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

The rows are coded once (:class:`SubstanceRows`: nodes as integers, firms first) and summed
per firm with :func:`~mfcsim.coded.group_sums`, which adds each firm's rows in ledger order,
as ``q[mask].sum()`` would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.coded import group_sums, is_in, recode, time_rows, union_names

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
    return SubstanceRows(substance_flows, list(land_ha)).table(substance, land_ha)


class SubstanceRows:
    """Substance flows on integer codes, nodes numbered with the firms first; coded once.

    Args:
        flows: Substance flows (``t_day, source, target, substance, quantity, kind``).
        firms: The run's firm ids.
    """

    def __init__(self, flows: pd.DataFrame, firms: list[str]) -> None:
        self.firms = firms
        inside = {*firms, _TRANSIT}
        others = [n for n in union_names((flows["source"], flows["target"])) if n not in inside]
        nodes = [*firms, _TRANSIT, *others]
        self.src, self.dst = recode(flows["source"], nodes), recode(flows["target"], nodes)
        self.t = flows["t_day"].to_numpy(dtype=float)
        self.q = flows["quantity"].to_numpy(dtype=float)
        self.substances = union_names((flows["substance"],))
        self.substance = recode(flows["substance"], self.substances)
        kind = flows["kind"]
        self.inbound, self.outbound = is_in(kind, _IN_KINDS), is_in(kind, _OUT_KINDS)
        emitted = is_in(kind, ("emission",))
        self.released = [emitted & self._to(nodes, sink) for sink in _SINKS]
        self.produced, self.consumed = is_in(kind, ("production",)), is_in(kind, ("consumption",))

    def _to(self, nodes: list[str], name: str) -> np.ndarray:
        return self.dst == nodes.index(name) if name in nodes else np.zeros(len(self.dst), bool)

    def table(
        self,
        substance: str,
        land_ha: dict[str, float],
        start_day: float = -np.inf,
        end_day: float = np.inf,
    ) -> pd.DataFrame:
        """The nutrient balance of ``substance`` over ``start_day <= t_day < end_day``."""
        code = self.substances.index(substance) if substance in self.substances else -2
        window = np.arange(len(self.t))[time_rows(self.t, start_day, end_day)]
        rows = window[self.substance[window] == code]
        table = pd.DataFrame(
            np.vstack([self._firm_balances(rows), self._cluster_balance(rows)]),
            index=pd.Index([*self.firms, "cluster"], dtype=object, name="scope"),
            columns=NUTRIENT_COLUMNS[:7],
        )
        table["land_ha"] = [*land_ha.values(), sum(land_ha.values())]
        land = table["land_ha"].to_numpy()
        table["surplus_kg_per_ha"] = np.where(
            land > 0, table["surplus_t"] * 1000.0 / np.where(land > 0, land, 1.0), np.nan
        )
        return table

    def _firm_balances(self, rows: np.ndarray) -> np.ndarray:
        """Firms x the seven balance columns; a firm's own rows are its production."""
        src, dst = self.src[rows], self.dst[rows]
        own = src == dst
        return self._balances(
            rows,
            into=np.where(own, -1, dst),
            out_of=np.where(own, -1, src),
            inner=np.where(own, src, -1),
            n=len(self.firms),
        )

    def _cluster_balance(self, rows: np.ndarray) -> np.ndarray:
        """The region's balance (firms and in_transit against the boundary), as one row."""
        src, dst = self.src[rows], self.dst[rows]
        src_in, dst_in = src <= len(self.firms), dst <= len(self.firms)
        return self._balances(
            rows,
            into=np.where(~src_in & dst_in, 0, -1),
            out_of=np.where(src_in & ~dst_in, 0, -1),
            inner=np.where((src == dst) & dst_in, 0, -1),
            n=1,
        )[0]

    def _balances(
        self, rows: np.ndarray, into: np.ndarray, out_of: np.ndarray, inner: np.ndarray, n: int
    ) -> np.ndarray:
        """Inputs, outputs, to air, water, soil, stock change and surplus of scopes 0..n-1.

        ``into``, ``out_of`` and ``inner`` give the scope each of ``rows`` enters, leaves or
        stays within (-1, or n and above: none).
        """
        q = self.q[rows]

        def total(mask: np.ndarray, key: np.ndarray) -> np.ndarray:
            return group_sums(np.where(mask[rows], key, -1), q, n)

        inputs, outputs = total(self.inbound, into), total(self.outbound, out_of)
        losses = [total(released, out_of) for released in self.released]
        produced, consumed = total(self.produced, inner), total(self.consumed, inner)
        lost = 0.0 + losses[0] + losses[1] + losses[2]
        change = inputs + produced - outputs - consumed - lost
        return np.column_stack([inputs, outputs, *losses, change, inputs - outputs - change])
