"""Greenhouse gases apart from other releases: CO2e by IPCC source, biogenic CO2, water.

Every emission is read from the ledger's ``co2e_t`` column, which the engine filled from the
scenario's factors (for materials declaring ``ghg``, from the scenario's GWP set). CO2e is
reported by source category (transport, energy, process, agriculture, waste; imports'
embodied CO2e beside them), biogenic CO2 beside fossil CO2, and releases that are not
greenhouse gases (ammonia, respiration) and water apart.

Avoided emissions are not in the ledger: where a material that declares ``replaces`` is
consumed, each unit stands in for ``ratio`` units of the replaced (virgin) material, whose
``co2e`` per unit (its emission when used, e.g. natural gas burnt) is avoided.
"""

from __future__ import annotations

import functools

import pandas as pd

from mfcsim.coded import is_in
from mfcsim.indicators.registry import SCOPES_ALL, indicator
from mfcsim.indicators.window import (
    Scoped,
    Window,
    by_scope,
    firm_and_material,
    firm_codes_of_rows,
    per_run,
    per_window,
    sum_by,
    sum_by_name,
)

#: IPCC source categories of process releases, and the category of material-less CO2e.
CATEGORIES = ("energy", "process", "agriculture", "waste")
UNDECLARED_CATEGORY = "process"


@per_run
def _category_of(window: Window) -> dict[str, str]:
    """IPCC category of each material released with CO2e (``process`` where undeclared)."""
    mats = window.materials
    out = {}
    for mid, row in mats.iterrows():
        if row["ghg_category"]:
            out[str(mid)] = str(row["ghg_category"])
        elif float(row["co2e_t_per_unit"]) != 0.0:
            out[str(mid)] = UNDECLARED_CATEGORY
    return out


#: The columns summed by firm (as supplier or releaser) and material.
CO2E_COLUMNS = ("source", "material", "co2e_t")
MASS_COLUMNS = ("source", "material", "mass_t")


def _emissions_in(window: Window, category: str) -> pd.DataFrame:
    """Emission rows (``source, material, co2e_t``) of the materials reported under ``category``."""
    chosen = [m for m, c in _category_of(window).items() if c == category]
    return window.rows("emission", CO2E_COLUMNS, materials=chosen)


def _ghg_of(window: Window, category: str) -> Scoped:
    """``co2e_t`` of one IPCC category, by firm and by material."""
    if category == "transport":
        return firm_and_material(window.rows("shipment", CO2E_COLUMNS), "source", "co2e_t")
    if category == "imports":
        imports = window.rows("import", ("target", "material", "co2e_t"))
        return firm_and_material(imports, "target", "co2e_t")
    rows = _emissions_in(window, category)
    if category == "waste":
        rows = _with_disposal(window, rows, "co2e_t")
    return firm_and_material(rows, "source", "co2e_t")


def _with_disposal(window: Window, emitted: pd.DataFrame, column: str) -> pd.DataFrame:
    """``source, material`` and ``column`` of ``emitted``'s rows, then of the disposal rows.

    Only the three columns summed are joined (a copy of whole rows would hold every column
    of the two kinds once more: about 1 GB at 10,000 firms over a year).
    """
    columns = ["source", "material", column]
    rows = pd.concat([emitted[columns], window.rows("disposal", columns)])
    rows["material"] = rows["material"].astype("category")
    return rows


#: CO2e by source: the category and its definition.
GHG_SOURCES = (
    ("transport", "Shipments in the region (road t·km or pipeline, by the scenario's mode "
     "factors; firm: as supplier)."),
    ("energy", "Releases of materials declaring ghg_category energy (fuel combustion)."),
    ("process", "Releases of materials declaring ghg_category process, and of materials with "
     "a co2e but no category."),
    ("agriculture", "Releases of materials declaring ghg_category agriculture (enteric "
     "fermentation, manure management, soils)."),
    ("waste", "Releases of materials declaring ghg_category waste (composting, digestion) and "
     "the disposal routes' co2e."),
    ("imports", "Embodied in imports (the import market's co2e per unit; firm: the importer); "
     "outside the region, not an IPCC category of it."),
)  # fmt: skip
for _category, _definition in GHG_SOURCES:
    _name = "ghg_imports_embodied_t_co2e" if _category == "imports" else f"ghg_{_category}_t_co2e"
    indicator(_name, unit="t CO2e", pillar="planet", scopes=SCOPES_ALL, definition=_definition)(
        functools.partial(_ghg_of, category=_category)
    )


def _released(window: Window, materials: list[str]) -> Scoped:
    """Mass (t) of emission rows of ``materials``, by firm and by material."""
    rows = window.rows("emission", MASS_COLUMNS, materials=materials)
    return firm_and_material(rows, "source", "mass_t")


def _gas_released(window: Window, gas: str) -> Scoped:
    """Mass (t) of a declared gas released: emission rows, and disposal rows (venting)."""
    chosen = window.ids_where("ghg", gas)
    rows = _with_disposal(window, window.rows("emission", MASS_COLUMNS), "mass_t")
    return firm_and_material(rows[is_in(rows["material"], chosen)], "source", "mass_t")


for _gas in ("co2_biogenic", "co2_fossil"):
    indicator(
        f"{_gas}_t",
        unit="t",
        pillar="planet",
        scopes=SCOPES_ALL,
        definition=f"Mass of materials declaring ghg {_gas} released, or disposed of (vented) "
        "(biogenic CO2 counts 0 in CO2e and is reported here, beside fossil CO2).",
    )(lambda window, gas=_gas: _gas_released(window, gas))


@indicator(
    "other_releases_t",
    unit="t",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Mass of emissions (materials of kind emission) that are neither a greenhouse "
    "gas (no ghg, no co2e) nor water: ammonia, respiration, ... Fertiliser worked into the "
    "soil and food eaten (kind environmental) are not emissions.",
)
def other_releases_t(window: Window) -> Scoped:
    """Emissions that are not counted as GHG or water."""
    mats = window.materials
    other = (
        (mats["kind"] == "emission")
        & (mats["ghg"] == "")
        & (mats["co2e_t_per_unit"] == 0.0)
        & ~mats["water"]
    )
    return _released(window, [str(m) for m in mats.index[other.to_numpy()]])


@indicator(
    "water_released_t",
    unit="t",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Water released (vapour, wastewater: materials declaring water: true); not an "
    "emission in GHG inventories.",
)
def water_released_t(window: Window) -> Scoped:
    """Releases of water."""
    return _released(window, window.ids_where("water", True))


@per_window
def substitutions(window: Window) -> pd.DataFrame:
    """Consumption of materials that replace virgin ones, one row per replacement.

    Columns: ``firm, material`` (consumed), ``replaced``, ``replaced_units`` (consumed ×
    ratio, in the replaced material's unit), ``replaced_t`` (its mass) and ``co2e_t``
    (replaced units × the replaced material's co2e per unit).
    """
    materials = window.scenario.materials
    rows = window.rows("consumption", ("source", "material", "quantity"))
    used = rows["quantity"].groupby([rows["source"], rows["material"]], observed=True).sum()
    out = []
    for (firm, material), quantity in used.items():
        for rep in materials[material].replaces:
            replaced = materials[rep.material]
            units = float(quantity) * rep.ratio
            out.append(
                (
                    firm,
                    material,
                    rep.material,
                    units,
                    units * replaced.mass_t_per_unit,
                    units * replaced.co2e,
                )
            )
    columns = ["firm", "material", "replaced", "replaced_units", "replaced_t", "co2e_t"]
    return pd.DataFrame(out, columns=columns)


@indicator(
    "ghg_avoided_t_co2e",
    unit="t CO2e",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Emissions avoided where a material with `replaces` is consumed: units × "
    "ratio × the replaced material's co2e per unit (material: the substitute).",
)
def ghg_avoided_t_co2e(window: Window) -> Scoped:
    """CO2e of the virgin inputs that substitutes stood in for."""
    subs = substitutions(window)
    return firm_and_material(subs, "firm", "co2e_t")


@indicator(
    "avoided_virgin_input_t",
    unit="unit of the replaced material (cluster: t)",
    pillar="planet",
    additive=True,
    scopes=("cluster", "material"),
    definition="Virgin material that consumed substitutes replaced (units × ratio), per "
    "replaced material in its own unit; cluster: its mass.",
)
def avoided_virgin_input(window: Window) -> pd.DataFrame:
    """Replaced units per replaced material, and their total mass for the cluster."""
    subs = substitutions(window)
    per_material = sum_by(subs, "replaced", "replaced_units")
    units = [window.scenario.materials[m].unit for m in per_material.index]
    return pd.DataFrame(
        {
            "scope": ["cluster", *(f"material:{m}" for m in per_material.index)],
            "value": [float(subs["replaced_t"].sum()), *per_material.to_numpy()],
            "unit": ["t", *units],
        }
    )


@indicator(
    "ghg_total_t_co2e",
    unit="t CO2e",
    pillar="planet",
    scopes=("cluster", "firm"),
    definition="All CO2e in the ledger: the sum of the ghg_*_t_co2e sources (savings from "
    "substitution are already in it; ghg_avoided_t_co2e is not subtracted again).",
)
def ghg_total_t_co2e(window: Window) -> Scoped:
    """All CO2e of the ledger's rows, per firm (the firm that ships, emits, disposes, imports)."""
    flows = window.ledger
    firm, names = firm_codes_of_rows(flows)
    emitted = sum_by_name(firm, names, flows["co2e_t"].to_numpy(dtype=float))
    return by_scope(emitted[emitted.index != "in_transit"], "firm")
