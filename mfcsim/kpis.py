"""Headline figures of a run (``kpis.json``), computed from the result frames only.

Names carry their unit: ``_t`` tonnes of mass (volumes converted with their density),
``_MWh`` energy, ``_eur`` money, ``_co2e_t`` tonnes CO2-equivalent, ``_tkm`` tonne-km.
"""

from __future__ import annotations

import math

import pandas as pd


def _by_dimension(rows: pd.DataFrame, materials: pd.DataFrame) -> tuple[float, float]:
    """Total mass (t) and energy (MWh) of ``rows``."""
    info = materials.set_index("id")
    mat = rows["material"].astype(str)
    mass = (rows["quantity"] * mat.map(info["mass_t_per_unit"]).astype(float)).sum()
    energy = rows.loc[mat.map(info["unit"]).eq("MWh").to_numpy(), "quantity"].sum()
    return float(mass), float(energy)


def headline_kpis(flows: pd.DataFrame, materials: pd.DataFrame) -> dict[str, float]:
    """Totals over the run: boundary flows, residues, transport, money, emissions."""
    kind = flows["kind"].astype(str)
    out: dict[str, float] = {}
    for name in ("import", "export", "disposal", "emission", "extraction", "final_consumption"):
        mass, energy = _by_dimension(flows[kind == name], materials)
        label = {"import": "imports", "export": "exports", "emission": "emissions"}.get(name, name)
        out[f"{label}_t"], out[f"{label}_MWh"] = mass, energy
    residue_ids = set(materials.loc[materials["kind"] == "residue", "id"])
    is_residue = flows["material"].astype(str).isin(residue_ids)
    generated, _ = _by_dimension(flows[is_residue & (kind == "production")], materials)
    reused, _ = _by_dimension(flows[is_residue & (kind == "consumption")], materials)
    disposed, _ = _by_dimension(flows[is_residue & (kind == "disposal")], materials)
    out["residues_generated_t"] = generated
    out["residues_reused_t"] = reused
    out["residues_disposed_t"] = disposed
    out["residue_reuse_rate"] = reused / generated if generated > 0 else math.nan
    dispatch = flows[(kind == "shipment") & (flows["distance_km"] > 0)]
    unit_mass = (
        dispatch["material"]
        .astype(str)
        .map(materials.set_index("id")["mass_t_per_unit"])
        .astype(float)
    )
    out["transport_tkm"] = float((dispatch["quantity"] * unit_mass * dispatch["distance_km"]).sum())
    out["transport_cost_eur"] = float(dispatch["value_eur"].sum())
    out["transport_co2e_t"] = float(dispatch["co2e_t"].sum())
    out["import_cost_eur"] = float(flows.loc[kind == "import", "value_eur"].sum())
    out["export_revenue_eur"] = float(flows.loc[kind == "export", "value_eur"].sum())
    out["disposal_cost_eur"] = float(flows.loc[kind == "disposal", "value_eur"].sum())
    for name in ("import", "disposal", "emission"):
        out[f"{name}_co2e_t"] = float(flows.loc[kind == name, "co2e_t"].sum())
    out["total_co2e_t"] = float(flows["co2e_t"].sum())
    out["ledger_rows"] = float(len(flows))
    return out
