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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUTRIENT_COLUMNS = [
    "inputs_t", "outputs_t", "to_air_t", "to_water_t", "to_soil_t", "stock_change_t",
    "surplus_t", "land_ha", "surplus_kg_per_ha",
]  # fmt: skip
_IN_KINDS = ("shipment", "import", "extraction")
_OUT_KINDS = ("shipment", "export", "disposal", "final_consumption")
_SINKS = ("air", "water", "soil")


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
    flows = substance_flows[substance_flows["substance"].astype(str) == substance]
    src, dst = flows["source"].astype(str).to_numpy(), flows["target"].astype(str).to_numpy()
    kind, q = flows["kind"].astype(str).to_numpy(), flows["quantity"].to_numpy(dtype=float)
    firms = list(land_ha)
    own = src == dst
    rows = {firm: _balance(q, kind, dst, dst == firm, src == firm, own) for firm in firms}
    inside = [*firms, "in_transit"]
    src_in, dst_in = np.isin(src, inside), np.isin(dst, inside)
    rows["cluster"] = _balance(q, kind, dst, ~src_in & dst_in, src_in & ~dst_in, own & dst_in,
                               into_own=own & dst_in)  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index", columns=NUTRIENT_COLUMNS[:7])
    table["land_ha"] = [*land_ha.values(), sum(land_ha.values())]
    land = table["land_ha"].to_numpy()
    table["surplus_kg_per_ha"] = np.where(
        land > 0, table["surplus_t"] * 1000.0 / np.where(land > 0, land, 1.0), np.nan
    )
    table.index.name = "scope"
    return table


def _balance(
    q: np.ndarray,
    kind: np.ndarray,
    dst: np.ndarray,
    into: np.ndarray,
    out_of: np.ndarray,
    own: np.ndarray,
    *,
    into_own: np.ndarray | None = None,
) -> list[float]:
    """Inputs, outputs, to air, water, soil, stock change and surplus of one scope.

    ``own`` marks the rows inside the scope (production and consumption); for a firm they
    are the rows from and to itself, for the region every firm's (``into_own``).
    """
    inner = own & (into if into_own is None else into_own)
    crossing_in, crossing_out = into & ~own, out_of & ~own
    inputs = q[crossing_in & np.isin(kind, _IN_KINDS)].sum()
    outputs = q[crossing_out & np.isin(kind, _OUT_KINDS)].sum()
    emitted = crossing_out & (kind == "emission")
    losses = [q[emitted & (dst == sink)].sum() for sink in _SINKS]
    produced = q[inner & (kind == "production")].sum()
    consumed = q[inner & (kind == "consumption")].sum()
    change = inputs + produced - outputs - consumed - sum(losses)
    return [float(x) for x in (inputs, outputs, *losses, change, inputs - outputs - change)]
