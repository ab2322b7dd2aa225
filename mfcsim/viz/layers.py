"""Layers of a flow figure: the ledger in tonnes of mass, MWh of energy, EUR or a substance.

Mass counts every material with a mass (``mass_t_per_unit``), energy the materials measured in
MWh, money the value at the material's price, and a substance (N, P, C, ...) its tonnes: from
``substance_flows.parquet`` for ledger rows, and at the material's composition for shipments
and stocks, which that file does not carry per shipment.
"""

from __future__ import annotations

import pandas as pd

from mfcsim.viz.rundata import RunData

#: Ledger kinds that cross the cluster's boundary, into it and out of it.
INFLOW_KINDS = ("import", "extraction")
OUTFLOW_KINDS = ("export", "disposal", "emission", "final_consumption")
BOUNDARY_KINDS = INFLOW_KINDS + OUTFLOW_KINDS
BASE_LAYERS = ("mass", "energy", "money")


def substances(data: RunData) -> list[str]:
    """The substances the run carries (``x_<substance>`` columns of ``materials``), sorted."""
    return sorted(c[2:] for c in data.materials.columns if c.startswith("x_"))


def layer_names(data: RunData) -> list[str]:
    """Every layer a flow figure of this run can show: mass, energy, money, then substances."""
    return [*BASE_LAYERS, *substances(data)]


def layer_unit(layer: str) -> str:
    """The unit of a layer's values: ``t``, ``MWh``, ``EUR`` or ``t N`` (of the substance)."""
    return {"mass": "t", "energy": "MWh", "money": "EUR"}.get(layer, f"t {layer}")


def material_factor(data: RunData, layer: str) -> pd.Series:
    """Per material, the layer's amount in one unit of the material.

    Raises:
        ValueError: If ``layer`` is not one of :func:`layer_names`.
    """
    m = data.materials.set_index(data.materials["id"].astype(str))
    if layer == "mass":
        return m["mass_t_per_unit"].where(m["dimension"] != "energy", 0.0).astype(float)
    if layer == "energy":
        return (m["dimension"] == "energy").astype(float)
    if layer == "money":
        return m["price_eur_per_unit"].fillna(0.0).astype(float)
    if f"x_{layer}" in m.columns:
        return (m["mass_t_per_unit"] * m[f"x_{layer}"]).fillna(0.0).astype(float)
    raise ValueError(f"unknown layer {layer!r} (accepted: {', '.join(layer_names(data))})")


def _plain(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(str)
    return out


def ledger(data: RunData, layer: str) -> pd.DataFrame:
    """The ledger in the layer's unit: ``t_day, source, target, material, kind, value``."""
    cols = ("source", "target", "material", "kind")
    if layer not in BASE_LAYERS and len(data.substance_flows):
        rows = data.substance_flows[data.substance_flows["substance"].astype(str) == layer]
        out = _plain(rows[["t_day", *cols]], cols)
        out["value"] = rows["quantity"].to_numpy(dtype=float)
        return out
    factor = material_factor(data, layer)
    out = _plain(data.flows[["t_day", *cols]], cols)
    out["value"] = data.flows["quantity"].to_numpy(dtype=float) * (
        out["material"].map(factor).fillna(0.0).to_numpy()
    )
    return out


def shipments(data: RunData, layer: str) -> pd.DataFrame:
    """Shipments between firms in the layer's unit: ``t_day, source, target, material, value``.

    ``t_day`` is the day of dispatch.
    """
    cols = ["t_day", "source", "target", "material", "value"]
    if data.shipments.empty:
        return pd.DataFrame(columns=cols)
    s = data.shipments
    factor = material_factor(data, layer)
    out = pd.DataFrame({
        "t_day": s["dispatch_t_day"].to_numpy(dtype=float),
        "source": s["supplier"].astype(str).to_numpy(),
        "target": s["receiver"].astype(str).to_numpy(),
        "material": s["material"].astype(str).to_numpy(),
    })  # fmt: skip
    out["value"] = s["quantity"].to_numpy(dtype=float) * out["material"].map(factor).fillna(0.0)
    return out[cols]


def stocks(data: RunData, layer: str) -> pd.DataFrame:
    """Stocks in the layer's unit (substances at their material's composition)."""
    factor = material_factor(data, layer)
    out = _plain(data.stocks[["t_day", "node", "material"]], ("node", "material"))
    out["value"] = data.stocks["quantity"].to_numpy(dtype=float) * (
        out["material"].map(factor).fillna(0.0).to_numpy()
    )
    return out
