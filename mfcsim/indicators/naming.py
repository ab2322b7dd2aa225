"""The naming rule of indicators: a name ends with the suffix of its unit.

Every registered name ends with one of :data:`SUFFIXES` (longest first wins: ``_t_co2e``
before ``_t``), or is one of :data:`ESTABLISHED`, names the literature uses as they are.
Each additive indicator also has ``<name>_per_day``. ``docs/indicators.md`` lists the rule,
generated from here, and a test holds every registered name to it.
"""

from __future__ import annotations

#: Suffix -> what it means (the unit of the values).
SUFFIXES: dict[str, str] = {
    "_t": "tonnes of mass (volumes through their density)",
    "_t_co2e": "tonnes CO2-equivalent (the scenario's GWP set)",
    "_MWh": "energy, MWh",
    "_eur": "money, EUR",
    "_tkm": "tonne-kilometres",
    "_fte": "jobs, full-time equivalents",
    "_days": "days, a duration summed over the scope (e.g. days of waiting)",
    "_share": "a ratio of two like quantities, 0 to 1",
    "_kg_per_ha_yr": "kilograms per hectare per year (a period annualised: × 365 / its days)",
    "_eur_per_capita_yr": "EUR per inhabitant per year (a period annualised: × 365 / its days)",
    "_per_day": "the rate of an additive indicator: its value ÷ the period's days",
    "_per_t": "per tonne carried (the unit before it ÷ t)",
    "_per_vehicle_km": "per vehicle-kilometre (the unit before it ÷ vehicle-km)",
    "_vehicle_km": "vehicle-kilometres driven, loaded and empty",
    "_trips": "a count of vehicle trips",
}
#: Established names kept as the literature uses them, with their unit.
ESTABLISHED: dict[str, str] = {
    "fill_rate": "share (β service level at the order line)",
    "order_fill": "share (β service level at the order, in quantity)",
    "regional_fill": "share (of orders met from regional deliveries or stock)",
    "use_fill": "share (realised ÷ planned activity at the use)",
    "cycle_service_level": "share (α service level at the use)",
    "days_short": "days (buyer-days for the cluster)",
    "substituted_share": "share",
    "imported_share_of_demand": "share",
    "inflow_circularity": "share (ISO 59020)",
    "outflow_circularity": "share (ISO 59020)",
    "food_self_sufficiency": "share (FAO self-sufficiency ratio, as a share, not in %)",
    "fleet_load_factor": "share (weight load factor: t·km carried ÷ capacity × loaded km)",
}


def follows_rule(name: str) -> bool:
    """True if ``name`` ends with a listed suffix or is an established name."""
    return name in ESTABLISHED or any(name.endswith(s) for s in SUFFIXES)


def naming_markdown() -> str:
    """The rule as markdown: the suffixes, then the established names."""
    lines = ["| suffix | meaning |", "|---|---|"]
    lines += [f"| `{s}` | {meaning} |" for s, meaning in SUFFIXES.items()]
    lines += ["", "| established name | unit |", "|---|---|"]
    lines += [f"| `{n}` | {unit} |" for n, unit in ESTABLISHED.items()]
    return "\n".join(lines) + "\n"
