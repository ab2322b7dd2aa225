"""Headline figures of a run (``kpis.json``), computed from the result frames only.

Names carry their unit: ``_t`` tonnes of mass (volumes converted with their density),
``_MWh`` energy, ``_eur`` money, ``_co2e_t`` tonnes CO2-equivalent, ``_tkm`` tonne-km.

Each figure sums the selected rows in ledger order with numpy's pairwise sum, as
``column[rows].sum()`` would: the rows of one kind are found once and only their values are
computed (no column of per-row mass or energy for the whole ledger).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LABELS = {"import": "imports", "export": "exports", "emission": "emissions"}


class _Ledger:
    """The ledger's columns as arrays, with material properties looked up by category code."""

    def __init__(self, flows: pd.DataFrame, materials: pd.DataFrame) -> None:
        self.kind = flows["kind"].cat.codes.to_numpy()
        self.kind_code = {name: i for i, name in enumerate(flows["kind"].cat.categories)}
        self.material = flows["material"].cat.codes.to_numpy()
        self.qty = flows["quantity"].to_numpy()
        self.distance_km = flows["distance_km"].to_numpy()
        self.value, self.co2e = flows["value_eur"].to_numpy(), flows["co2e_t"].to_numpy()
        by_code = materials.set_index("id").reindex(flows["material"].cat.categories)
        self.mass_t_per_unit = by_code["mass_t_per_unit"].to_numpy().astype(float)
        self.is_energy = by_code["unit"].to_numpy() == "MWh"
        self.is_residue = by_code["kind"].to_numpy() == "residue"
        self._rows: dict[str, np.ndarray] = {}

    def rows(self, kind: str) -> np.ndarray:
        """The rows of one kind, in ledger order (a kind not in the categories: none)."""
        if kind not in self._rows:
            self._rows[kind] = np.flatnonzero(self.kind == self.kind_code.get(kind, -1))
        return self._rows[kind]

    def mass_t(self, rows: np.ndarray) -> np.ndarray:
        """The mass of these rows (t)."""
        return self.qty[rows] * self.mass_t_per_unit[self.material[rows]]

    def energy_MWh(self, rows: np.ndarray) -> np.ndarray:  # noqa: N802 - the unit's spelling
        """The energy of these rows (MWh; 0 for rows of a material measured otherwise)."""
        return np.where(self.is_energy[self.material[rows]], self.qty[rows], 0.0)

    def residue(self, rows: np.ndarray) -> np.ndarray:
        """Those of these rows that move a residue."""
        return rows[self.is_residue[self.material[rows]]]


def headline_kpis(flows: pd.DataFrame, materials: pd.DataFrame) -> dict[str, float]:
    """Totals over the run: boundary flows, residues, transport, money, emissions."""
    ledger = _Ledger(flows, materials)
    out: dict[str, float] = {}
    for name in ("import", "export", "disposal", "emission", "extraction", "final_consumption"):
        rows = ledger.rows(name)
        label = _LABELS.get(name, name)
        out[f"{label}_t"] = float(ledger.mass_t(rows).sum())
        out[f"{label}_MWh"] = float(ledger.energy_MWh(rows).sum())
    for key, kind in (("generated", "production"), ("reused", "consumption"),
                      ("disposed", "disposal")):  # fmt: skip
        out[f"residues_{key}_t"] = float(ledger.mass_t(ledger.residue(ledger.rows(kind))).sum())
    shipments = ledger.rows("shipment")
    dispatch = shipments[ledger.distance_km[shipments] > 0]
    tkm = ledger.mass_t(dispatch) * ledger.distance_km[dispatch]
    out["transport_tkm"] = float(tkm.sum())
    out["transport_cost_eur"] = float(ledger.value[dispatch].sum())
    out["transport_co2e_t"] = float(ledger.co2e[dispatch].sum())
    out["import_cost_eur"] = float(ledger.value[ledger.rows("import")].sum())
    out["export_revenue_eur"] = float(ledger.value[ledger.rows("export")].sum())
    out["disposal_cost_eur"] = float(ledger.value[ledger.rows("disposal")].sum())
    for name in ("import", "disposal", "emission"):
        out[f"{name}_co2e_t"] = float(ledger.co2e[ledger.rows(name)].sum())
    out["total_co2e_t"] = float(ledger.co2e.sum())
    out["ledger_rows"] = float(len(flows))
    return out
