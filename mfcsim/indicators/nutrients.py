"""Planet indicators of nutrients: N and P surplus per firm and for the cluster.

The surplus is that of :func:`mfcsim.nutrients.nutrient_table` over the period's substance
flows: inputs − outputs − change in the substance held (what is lost to air, water and
soil, and what recipes consume beyond what they make).
"""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Window
from mfcsim.nutrients import nutrient_table


def _surplus(window: Window, substance: str, column: str) -> pd.Series:
    land = {fid: firm.land_ha for fid, firm in window.scenario.firms.items()}
    table = nutrient_table(window.frame("substance_flows"), substance, land)
    values = table[column]
    values.index = [s if s == "cluster" else f"firm:{s}" for s in values.index]
    return values.dropna()


def _register(substance: str) -> None:
    low = substance.lower()

    @indicator(
        f"{low}_surplus_t",
        unit="t",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"{substance} inputs − outputs − change in {substance} held (farm-gate "
        "surplus: lost to air, water and soil)",
    )
    def surplus_t(window: Window) -> pd.Series:
        return _surplus(window, substance, "surplus_t")

    @indicator(
        f"{low}_surplus_kg_per_ha",
        unit="kg/ha",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"{substance} surplus per hectare of declared land (firms with land_ha)",
    )
    def surplus_kg_per_ha(window: Window) -> pd.Series:
        return _surplus(window, substance, "surplus_kg_per_ha")


for _substance in ("N", "P"):
    _register(_substance)
