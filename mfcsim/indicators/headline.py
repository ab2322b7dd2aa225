"""``kpis.json`` and the printed headline: registered indicators, one computation each.

``kpis.json`` holds the cluster value over the period ``all`` of every indicator in
:data:`KPIS`, computed by the registry's own functions, and the run's facts that are not
indicators (:data:`RUN_FACTS`: contract fill, clearing time, ledger rows, the mass-balance
error), which the simulation measures. The headline table prints :data:`HEADLINE` from the
indicators frame (or, for a run fact, from ``kpis.json``): the same numbers as both files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mfcsim.indicators.periods import ALL, evaluation_periods
from mfcsim.indicators.registry import INDICATORS, evaluate
from mfcsim.indicators.window import Window

if TYPE_CHECKING:
    from mfcsim.results import Results

#: Indicators in ``kpis.json`` (cluster, period ``all``), in order.
KPIS = (
    "material_imports_t",
    "water_input_t",
    "energy_imports_MWh",
    "exports_t",
    "energy_exports_MWh",
    "disposal_t",
    "final_consumption_t",
    "virgin_material_input_t",
    "residues_produced_t",
    "residues_generated_t",
    "residues_consumed_t",
    "residues_valorised_t",
    "residues_disposed_t",
    "residue_valorisation_share",
    "transport_tkm",
    "ghg_total_t_co2e",
    "ghg_transport_t_co2e",
    "ghg_energy_t_co2e",
    "ghg_process_t_co2e",
    "ghg_agriculture_t_co2e",
    "ghg_waste_t_co2e",
    "ghg_imports_embodied_t_co2e",
    "co2_biogenic_t",
    "co2_fossil_t",
    "other_releases_t",
    "water_released_t",
    "transport_cost_eur",
    "import_cost_eur",
    "export_revenue_eur",
    "disposal_cost_eur",
    "value_added_eur",
    "margin_eur",
    "household_food_expenditure_eur",
    "fill_rate",
    "order_fill",
    "regional_fill",
    "use_fill",
    "days_short",
    "cycle_service_level",
    "substituted_share",
    "imported_share_of_demand",
)
#: Figures of ``kpis.json`` measured by the run, not computed from its frames.
RUN_FACTS = (
    "contract_fill_rate",
    "clearing_seconds_total",
    "ledger_rows",
    "mass_balance_max_rel_error",
)
#: The headline table: indicator or run fact, and its label.
HEADLINE = (
    ("material_imports_t", "material imports, water apart (t)"),
    ("water_input_t", "water imported or extracted (t)"),
    ("energy_imports_MWh", "energy imports (MWh)"),
    ("exports_t", "exports (t)"),
    ("disposal_t", "disposal (t)"),
    ("residues_generated_t", "residues generated, chain rule (t)"),
    ("residues_valorised_t", "residues valorised, chain rule (t)"),
    ("residue_valorisation_share", "residue valorisation share"),
    ("transport_tkm", "transport (t·km)"),
    ("ghg_total_t_co2e", "greenhouse gases, all sources (t CO2e)"),
    ("co2_biogenic_t", "biogenic CO2, beside the total (t)"),
    ("other_releases_t", "other releases: NH3, respiration, ... (t)"),
    ("value_added_eur", "value added of the firms (EUR)"),
    ("household_food_expenditure_eur", "household food expenditure (EUR)"),
    ("final_consumption_t", "food eaten (t)"),
    ("use_fill", "use fill: realised / planned at buyers' processes"),
    ("order_fill", "order fill: buyers' orders met (quantity)"),
    ("contract_fill_rate", "contract fill rate"),
    ("mass_balance_max_rel_error", "mass balance max rel. error"),
)


def kpi_values(results: Results) -> dict[str, float]:
    """The :data:`KPIS` of a run: each indicator's cluster value over ``all``."""
    scenario = results.scenario
    whole = evaluation_periods(scenario.horizon_day, None, int(scenario.evaluation.warm_up))[0]
    window = Window(results, whole)
    out = {}
    for name in KPIS:
        spec = INDICATORS[name]
        values = {scope: v for scope, v, _ in evaluate(spec, window)}
        out[name] = values.get("cluster", float("nan"))
    return out


def headline_figures(kpis: dict[str, float], indicators: pd.DataFrame) -> dict[str, float]:
    """The values of the headline table: from the indicators (cluster, ``all``), else kpis."""
    rows = indicators[(indicators["scope"] == "cluster") & (indicators["period"] == ALL)]
    values = dict(zip(rows["indicator"], rows["value"], strict=True))
    return {
        name: float(values[name]) if name in values else kpis[name]
        for name, _ in HEADLINE
        if name in values or name in kpis
    }
