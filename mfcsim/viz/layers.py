"""Layers of a flow figure: the ledger in tonnes of mass, MWh of energy, EUR or a substance.

Mass counts every material with a mass (``mass_t_per_unit``), energy the materials measured in
MWh, money the value at the material's price, and a substance (N, P, C, ...) its tonnes: from
``substance_flows.parquet`` for ledger rows, and at the material's composition for shipments
and stocks, which that file does not carry per shipment.
"""

from __future__ import annotations

import numpy as np
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


def plain(column: pd.Series) -> np.ndarray:
    """A column of names as a NumPy array of Python strings."""
    return np.asarray(column.astype(str), dtype=object)


def per_row(column: pd.Series, mapping: pd.Series) -> np.ndarray:
    """``mapping`` looked up for each row's name, 0 where it has none.

    A categorical column is looked up through its codes: its categories are mapped, not its
    rows.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = column.cat.categories.astype(str)
        table = np.append(mapping.reindex(names).fillna(0.0).to_numpy(dtype=float), 0.0)
        return table[column.cat.codes.to_numpy()]  # code -1 (missing) takes the last 0
    return column.astype(str).map(mapping).fillna(0.0).to_numpy(dtype=float)


LEDGER_COLUMNS = ("source", "target", "material", "kind")


def ledger(data: RunData, layer: str) -> pd.DataFrame:
    """The ledger in the layer's unit: ``t_day, source, target, material, kind, value``.

    Names stay as the run folder has them (categoricals, fast to filter and group; group with
    ``observed=True``). Made once per run and layer; do not change the frame returned.
    """
    return data.cached(("ledger", layer), lambda: _ledger(data, layer))


def _ledger(data: RunData, layer: str) -> pd.DataFrame:
    if layer not in BASE_LAYERS and len(data.substance_flows):
        sf = data.substance_flows
        rows = sf[sf["substance"] == layer]
        out = rows[["t_day", *LEDGER_COLUMNS]].copy()
        out["value"] = rows["quantity"].to_numpy(dtype=float)
        return out.reset_index(drop=True)
    factor = material_factor(data, layer)
    out = data.flows[["t_day", *LEDGER_COLUMNS]].copy()
    out["value"] = data.flows["quantity"].to_numpy(dtype=float) * (per_row(out["material"], factor))
    return out


def shipments(data: RunData, layer: str) -> pd.DataFrame:
    """Shipments between firms in the layer's unit: ``t_day, source, target, material, value``.

    ``t_day`` is the day of dispatch; names as the run folder has them.
    """
    cols = ["t_day", "source", "target", "material", "value"]
    if data.shipments.empty:
        return pd.DataFrame(columns=cols)
    s = data.shipments
    out = pd.DataFrame({
        "t_day": s["dispatch_t_day"].to_numpy(dtype=float),
        "source": s["supplier"],
        "target": s["receiver"],
        "material": s["material"],
        "value": s["quantity"].to_numpy(dtype=float)
        * per_row(s["material"], material_factor(data, layer)),
    })  # fmt: skip
    return out[cols]


def stocks(data: RunData, layer: str) -> pd.DataFrame:
    """Stocks in the layer's unit (substances at their material's composition), made once."""
    return data.cached(("stocks", layer), lambda: _stocks(data, layer))


def _stocks(data: RunData, layer: str) -> pd.DataFrame:
    factor = material_factor(data, layer)
    out = data.stocks[["t_day", "node", "material"]].copy()
    out["value"] = data.stocks["quantity"].to_numpy(dtype=float) * (
        per_row(out["material"], factor)
    )
    return out
