"""CO2e indicators: transport, processes, disposal, imports, total, avoided by substitution.

Every emission is read from the ledger's ``co2e_t`` column, which the engine filled from the
scenario's factors. Avoided emissions are not in the ledger: where a material that declares
``replaces`` is consumed, each unit stands in for ``ratio`` units of the replaced (virgin)
material, whose ``co2e`` per unit (its emission when used, e.g. natural gas burnt) is avoided.
"""

from __future__ import annotations

import functools

import pandas as pd

from mfcsim.indicators.registry import SCOPES_ALL, indicator
from mfcsim.indicators.window import (
    Scoped,
    Window,
    by_scope,
    firm_and_material,
    firm_codes_of_rows,
    per_window,
    sum_by,
    sum_by_name,
)


def _co2e_of(window: Window, kind: str) -> dict[str, float]:
    """``co2e_t`` of one kind of ledger row, by firm and by material."""
    firm_column = "target" if kind == "import" else "source"
    return firm_and_material(window.rows(kind), firm_column, "co2e_t")


#: CO2e by the ledger rows it is booked on: name, kind of row, definition.
CO2E_SOURCES = (
    (
        "co2e_transport_t",
        "shipment",
        "Emissions of shipments in the region (road t·km or pipeline, by the scenario's mode "
        "factors; firm: as supplier).",
    ),
    (
        "co2e_process_t",
        "emission",
        "Emissions released by processes to air, water and soil (material co2e per unit).",
    ),
    ("co2e_disposal_t", "disposal", "Emissions of disposal (the disposal route's co2e per unit)."),
    (
        "co2e_imports_t",
        "import",
        "Emissions embodied in imports (the import market's co2e per unit; firm: the importer).",
    ),
)
for _name, _kind, _definition in CO2E_SOURCES:
    indicator(_name, unit="t CO2e", pillar="planet", scopes=SCOPES_ALL, definition=_definition)(
        functools.partial(_co2e_of, kind=_kind)
    )


@per_window
def substitutions(window: Window) -> pd.DataFrame:
    """Consumption of materials that replace virgin ones, one row per replacement.

    Columns: ``firm, material`` (consumed), ``replaced``, ``replaced_units`` (consumed ×
    ratio, in the replaced material's unit), ``replaced_t`` (its mass) and ``co2e_t``
    (replaced units × the replaced material's co2e per unit).
    """
    materials = window.scenario.materials
    rows = window.rows("consumption")
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
    "co2e_avoided_t",
    unit="t CO2e",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Emissions avoided where a material with `replaces` is consumed: units × "
    "ratio × the replaced material's co2e per unit (material: the substitute).",
)
def co2e_avoided_t(window: Window) -> Scoped:
    """CO2e of the virgin inputs that substitutes stood in for."""
    subs = substitutions(window)
    return firm_and_material(subs, "firm", "co2e_t")


@indicator(
    "avoided_virgin_input",
    unit="unit of the replaced material (cluster: t)",
    pillar="planet",
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
    "co2e_total_t",
    unit="t CO2e",
    pillar="planet",
    scopes=("cluster", "firm"),
    definition="All CO2e in the ledger: transport, processes, disposal and imports (savings "
    "from substitution are already in it; co2e_avoided_t is not subtracted again).",
)
def co2e_total_t(window: Window) -> Scoped:
    """All CO2e of the ledger's rows, per firm (the firm that ships, emits, disposes, imports)."""
    flows = window.flows
    firm, names = firm_codes_of_rows(flows)
    emitted = sum_by_name(firm, names, flows["co2e_t"].to_numpy(dtype=float))
    return by_scope(emitted[emitted.index != "in_transit"], "firm")
