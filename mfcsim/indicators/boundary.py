"""What crosses the region's boundary, and the money of it: imports, exports, disposal, food.

Material figures (``_t``) count mass of materials with mass that are not water (water is
``water_input_t`` and ``water_released_t``); energy figures (``_MWh``) count materials in MWh.
Residue figures here are plain sums of ledger rows (``residues_produced_t``: every tonne a
recipe makes); ``residues_generated_t`` applies the chain rule (:mod:`.planet`).
"""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import SCOPES_ALL, indicator
from mfcsim.indicators.window import Scoped, Window, by_scope, firm_and_material, sum_by

#: The node each kind of boundary row belongs to (the firm that imports, exports, ...).
FIRM_COLUMN = {"import": "target", "extraction": "target"}
#: The column a boundary total sums, by dimension.
_AMOUNT = {"mass": "mass_t", "energy": "quantity"}


def _rows(window: Window, kind: str, dimension: str) -> pd.DataFrame:
    """Rows of one kind of materials with mass, not water (``mass``), or in MWh (``energy``).

    Columns: the firm's (:data:`FIRM_COLUMN`), ``material`` and ``mass_t`` or ``quantity``.
    """
    mats = window.materials
    if dimension == "energy":
        chosen = mats.index[(mats["unit"] == "MWh").to_numpy()]
    else:
        chosen = mats.index[((mats["mass_t_per_unit"] > 0) & ~mats["water"]).to_numpy()]
    columns = (FIRM_COLUMN.get(kind, "source"), "material", _AMOUNT[dimension])
    return window.rows(kind, columns, materials=[str(m) for m in chosen])


def _total(window: Window, kind: str, dimension: str) -> Scoped:
    rows = _rows(window, kind, dimension)
    return firm_and_material(rows, FIRM_COLUMN.get(kind, "source"), _AMOUNT[dimension])


#: Boundary totals: name, ledger kind, dimension, definition.
BOUNDARY = (
    ("material_imports_t", "import", "mass", "Mass of materials imported, water left out."),
    ("energy_imports_MWh", "import", "energy", "Energy imported (materials in MWh)."),
    ("exports_t", "export", "mass", "Mass of materials exported, water left out."),
    ("energy_exports_MWh", "export", "energy", "Energy exported (materials in MWh)."),
    (
        "final_consumption_t",
        "final_consumption",
        "mass",
        "Mass of food eaten (final consumption rows).",
    ),
)
for _name, _kind, _dimension, _definition in BOUNDARY:
    _unit = "MWh" if _dimension == "energy" else "t"
    indicator(_name, unit=_unit, pillar="planet", scopes=SCOPES_ALL, definition=_definition)(
        lambda window, kind=_kind, dimension=_dimension: _total(window, kind, dimension)
    )


def _residues(window: Window, kind: str) -> Scoped:
    residues = window.ids_of_kind("residue")
    rows = window.rows(kind, ("source", "mass_t"), material_only=True, materials=residues)
    return by_scope(sum_by(rows, "source", "mass_t"), "firm")


for _name, _kind, _definition in (
    ("residues_produced_t", "production", "Residues made by recipes: every tonne, a plain sum "
     "(residues_generated_t applies the chain rule)."),
    ("residues_consumed_t", "consumption", "Residues consumed by recipes: a plain sum."),
    ("residues_disposed_t", "disposal", "Residues sent to disposal routes."),
):  # fmt: skip
    indicator(_name, unit="t", pillar="planet", scopes=("cluster", "firm"), definition=_definition)(
        lambda window, kind=_kind: _residues(window, kind)
    )


def _money(window: Window, kind: str) -> Scoped:
    columns = (FIRM_COLUMN.get(kind, "source"), "value_eur")
    if kind != "shipment":
        rows = window.rows(kind, columns)
    else:
        rows = window.rows(kind, (*columns, "distance_km"))
        rows = rows[(rows["distance_km"] > 0).to_numpy()]
    return by_scope(sum_by(rows, FIRM_COLUMN.get(kind, "source"), "value_eur"), "firm")


for _name, _kind, _definition in (
    ("import_cost_eur", "import", "Paid for imports (the import market's price)."),
    ("export_revenue_eur", "export", "Received for exports (the export market's price)."),
    ("disposal_cost_eur", "disposal", "Gate fees paid to disposal routes."),
    ("transport_cost_eur", "shipment", "Cost of road shipments (mode cost × t·km)."),
):
    indicator(
        _name, unit="EUR", pillar="profit", scopes=("cluster", "firm"), definition=_definition
    )(lambda window, kind=_kind: _money(window, kind))
