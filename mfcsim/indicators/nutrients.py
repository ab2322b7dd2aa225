"""Planet indicators of nutrients: N and P surplus per firm and for the cluster.

The surplus is that of :func:`mfcsim.nutrients.nutrient_table` over the period's substance
flows: inputs − outputs − change in the substance held (what is lost to air, water and
soil, and what recipes consume beyond what they make).
"""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Window, per_run
from mfcsim.nutrients import SubstanceRows


@per_run
def _land_ha(window: Window) -> dict[str, float]:
    return {fid: firm.land_ha for fid, firm in window.scenario.firms.items()}


@per_run
def _substance_rows(window: Window) -> SubstanceRows:
    """The run's substance flows on codes (the periods are sliced from them)."""
    return SubstanceRows(window.results.substance_flows, list(_land_ha(window)))


def _table(window: Window, substance: str) -> pd.DataFrame:
    """The nutrient table of ``substance`` in the window's period, computed once."""
    memo = window.__dict__.setdefault("_nutrients", {})
    if substance not in memo:
        period = window.period
        memo[substance] = _substance_rows(window).table(
            substance, _land_ha(window), period.start_day, period.end_day
        )
    return memo[substance]


def _surplus(window: Window, substance: str, column: str) -> pd.Series:
    values = _table(window, substance)[column].copy()
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
