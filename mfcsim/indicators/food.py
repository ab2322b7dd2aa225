"""The city's food: what it ate, and how much of it the region produced.

The city (firm type ``city``) eats its diet; food it imported itself is not regional. Food it
got from regional firms is regional in the share of that material's regional supply in the
period: production / (production + imports by other firms), or 1 when neither happened (the
food came out of regional stocks). This proportional mixing is the rule; the ledger does not
trace each tonne to its origin.
"""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Scoped, Window, per_window, shares_by_scope, sum_by


def _regional_share(window: Window, city: str) -> pd.Series:
    """Per material: regional production over regional production plus others' imports."""
    produced = sum_by(window.rows("production", ("material", "mass_t")), "material", "mass_t")
    imports = window.rows("import", ("target", "material", "mass_t"))
    others = imports[(imports["target"] != city).to_numpy()]
    supply = produced.add(sum_by(others, "material", "mass_t"), fill_value=0.0)
    return (produced.reindex(supply.index, fill_value=0.0) / supply.where(supply > 0)).fillna(1.0)


@per_window
def city_food(window: Window) -> pd.DataFrame:
    """Per city and food material: ``eaten_t``, ``regional_t`` and ``required_t``.

    ``required_t`` is population × diet × the period's days (what feeding everyone takes).
    """
    rows = []
    for city in window.firm_ids("city"):
        params = window.scenario.firms[city].params
        diet_t = {m: float(kg) / 1000.0 for m, kg in params["diet_kg_per_person_day"].items()}
        eaten = window.rows("consumption", ("source", "material", "mass_t"))
        eaten = sum_by(eaten[(eaten["source"] == city).to_numpy()], "material", "mass_t")
        imports = window.rows("import", ("target", "material", "mass_t"))
        imported = sum_by(imports[(imports["target"] == city).to_numpy()], "material", "mass_t")
        regional_share = _regional_share(window, city)
        for material, per_person_t in diet_t.items():
            got = float(eaten.get(material, 0.0))
            from_region = max(0.0, got - float(imported.get(material, 0.0)))
            rows.append(
                {
                    "city": city,
                    "material": material,
                    "eaten_t": got,
                    "regional_t": from_region * float(regional_share.get(material, 1.0)),
                    "required_t": float(params["population"]) * per_person_t * window.period.days,
                }
            )
    columns = ["city", "material", "eaten_t", "regional_t", "required_t"]
    return pd.DataFrame(rows, columns=columns)


@indicator(
    "food_self_sufficiency",
    unit="share",
    pillar="planet",
    scopes=("cluster", "firm", "material"),
    definition="Share of the food the city ate that was produced in the region (firm: each city).",
)
def food_self_sufficiency(window: Window) -> Scoped:
    """Regional food over food eaten, per city, per material and for all cities."""
    food = city_food(window)
    per_city = shares_by_scope(
        food.groupby("city")["regional_t"].sum(), food.groupby("city")["eaten_t"].sum(), "firm"
    )
    per_material = shares_by_scope(
        food.groupby("material")["regional_t"].sum(),
        food.groupby("material")["eaten_t"].sum(),
        "material",
    )
    del per_material["cluster"]
    return {**per_city, **per_material}


@indicator(
    "population_fed_share",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm"),
    definition="Regional food the city ate over what its whole population's diet needs "
    "(population × diet × days).",
)
def population_fed_share(window: Window) -> Scoped:
    """Share of the population the region fed, per city and for all cities."""
    food = city_food(window)
    return shares_by_scope(
        food.groupby("city")["regional_t"].sum(), food.groupby("city")["required_t"].sum(), "firm"
    )
