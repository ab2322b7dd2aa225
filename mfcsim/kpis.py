"""Headline figures of a run (``kpis.json``), computed from the result frames only.

Names carry their unit: ``_t`` tonnes of mass (volumes converted with their density),
``_MWh`` energy, ``_eur`` money, ``_co2e_t`` tonnes CO2-equivalent, ``_tkm`` tonne-km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LABELS = {"import": "imports", "export": "exports", "emission": "emissions"}


def _per_row(flows: pd.DataFrame, materials: pd.DataFrame, column: str) -> np.ndarray:
    """A material property (from the materials frame) for every ledger row."""
    values = materials.set_index("id")[column]
    by_code = values.reindex(flows["material"].cat.categories).to_numpy()
    return by_code[flows["material"].cat.codes.to_numpy()]


class _Kinds:
    """Compare the ledger's kind column with a name through its category codes (fast)."""

    def __init__(self, column: pd.Series) -> None:
        self.codes = column.cat.codes.to_numpy()
        self.index = {name: i for i, name in enumerate(column.cat.categories)}

    def __eq__(self, name: object) -> np.ndarray:  # type: ignore[override]
        return self.codes == self.index.get(str(name), -1)

    __hash__ = None  # type: ignore[assignment]


def headline_kpis(flows: pd.DataFrame, materials: pd.DataFrame) -> dict[str, float]:
    """Totals over the run: boundary flows, residues, transport, money, emissions."""
    kind = _Kinds(flows["kind"])
    qty = flows["quantity"].to_numpy()
    mass = qty * _per_row(flows, materials, "mass_t_per_unit").astype(float)
    energy = np.where(_per_row(flows, materials, "unit") == "MWh", qty, 0.0)
    value, co2e = flows["value_eur"].to_numpy(), flows["co2e_t"].to_numpy()
    out: dict[str, float] = {}
    for name in ("import", "export", "disposal", "emission", "extraction", "final_consumption"):
        sel = kind == name
        label = _LABELS.get(name, name)
        out[f"{label}_t"], out[f"{label}_MWh"] = float(mass[sel].sum()), float(energy[sel].sum())
    residue = _per_row(flows, materials, "kind") == "residue"
    generated = float(mass[residue & (kind == "production")].sum())
    reused = float(mass[residue & (kind == "consumption")].sum())
    out["residues_generated_t"] = generated
    out["residues_reused_t"] = reused
    out["residues_disposed_t"] = float(mass[residue & (kind == "disposal")].sum())
    dispatch = (kind == "shipment") & (flows["distance_km"].to_numpy() > 0)
    out["transport_tkm"] = float((mass * flows["distance_km"].to_numpy())[dispatch].sum())
    out["transport_cost_eur"] = float(value[dispatch].sum())
    out["transport_co2e_t"] = float(co2e[dispatch].sum())
    out["import_cost_eur"] = float(value[kind == "import"].sum())
    out["export_revenue_eur"] = float(value[kind == "export"].sum())
    out["disposal_cost_eur"] = float(value[kind == "disposal"].sum())
    for name in ("import", "disposal", "emission"):
        out[f"{name}_co2e_t"] = float(co2e[kind == name].sum())
    out["total_co2e_t"] = float(co2e.sum())
    out["ledger_rows"] = float(len(flows))
    return out
