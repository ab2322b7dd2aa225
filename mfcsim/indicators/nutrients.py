"""Planet indicators of nutrients: the farmland soil balance, processors' losses, surplus.

``n_soil_balance_kg_per_ha_yr`` is the OECD/Eurostat gross nutrient balance on farmland
(*Gross Nutrient Balances Handbook*, 2007): what the farms work into the soil minus what
they harvest, per hectare of their land and per year, whatever the period's length.
Processors', digesters' and composters' losses are ``n_losses_processing_t``, apart from
it. ``n_surplus_t`` is every firm's farm-gate surplus of
:func:`mfcsim.substances.nutrients.nutrient_table` over the period's substance flows:
inputs − outputs − change in the substance held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.indicators.profit import HOUSEHOLD_TYPES
from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Window, by_scope, per_run
from mfcsim.substances.nutrients import SubstanceRows


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


#: Days of the year that per-hectare figures are annualised to.
DAYS_PER_YEAR = 365.0


def _per_ha_yr(window: Window, tonnes: pd.Series, land: pd.Series) -> pd.Series:
    """``tonnes`` over the period as kg per ha of ``land`` per year (NaN without land)."""
    land = land.reindex(tonnes.index)
    years = window.period.days / DAYS_PER_YEAR
    return (tonnes * 1000.0 / land.where(land > 0) / years).dropna()


@per_run
def _soil_rows(window: Window) -> pd.DataFrame:
    """Substance rows of the soil balance: applied to the soil, or harvested, by a firm."""
    flows = window.results.substance_flows
    harvested = window.ids_where("harvested", True)
    to_soil = (flows["kind"] == "emission") & (flows["target"] == "soil")
    taken = (flows["kind"] == "production") & flows["material"].isin(harvested)
    rows = flows[(to_soil | taken).to_numpy()]
    return rows.assign(sign=np.where((rows["kind"] == "emission").to_numpy(), 1.0, -1.0))


def _soil_balance(window: Window, substance: str) -> pd.Series:
    """Per farm (firms with land that apply or harvest): applied − harvested (t)."""
    memo = window.__dict__.setdefault("_soil", {})
    if substance not in memo:
        rows = window.within(_soil_rows(window))
        rows = rows[(rows["substance"] == substance).to_numpy()]
        land = pd.Series(_land_ha(window), dtype=float)
        farms = [f for f in land.index[land > 0] if f in _farmland(window)]
        balance = (rows["quantity"] * rows["sign"]).groupby(rows["source"].astype(str)).sum()
        balance = balance.reindex(farms, fill_value=0.0)
        memo[substance] = balance + _unmaterial_inputs_t(window, substance, farms)
    return memo[substance]


def _unmaterial_inputs_t(window: Window, substance: str, farms: list[str]) -> pd.Series:
    """Deposition and fixation on each farm's land over the period (t), as declared."""
    years = window.period.days / DAYS_PER_YEAR
    out = {}
    for fid in farms:
        firm = window.scenario.firms[fid]
        rates = firm.soil_inputs_kg_per_ha_yr.get(substance, {})
        out[fid] = sum(rates.values()) * firm.land_ha * years / 1000.0
    return pd.Series(out, dtype=float).reindex(farms, fill_value=0.0)


@per_run
def _farmland(window: Window) -> set[str]:
    """Firms that apply something to the soil or harvest a crop over the run."""
    rows = _soil_rows(window)
    return set(map(str, pd.unique(rows["source"])))


def _register(substance: str) -> None:
    low = substance.lower()

    @indicator(
        f"{low}_surplus_t",
        unit="t",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"{substance} inputs − outputs − change in {substance} held (farm-gate "
        "surplus of every firm: lost to air, water and soil, or consumed by recipes)",
    )
    def surplus_t(window: Window) -> pd.Series:
        return _surplus(window, substance, "surplus_t")

    @indicator(
        f"{low}_soil_balance_t",
        unit="t",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"OECD gross {substance} balance on farmland: {substance} worked into the "
        "soil (mineral and organic fertilisers, manure: releases to the soil sink) − in "
        "harvested crops and fodder (materials declaring harvested: true), plus atmospheric "
        "deposition and biological fixation as the farm declares them "
        "(soil_inputs_kg_per_ha_yr), per farm (firms with land that apply or harvest)",
    )
    def soil_balance_t(window: Window) -> dict[str, float]:
        return by_scope(_soil_balance(window, substance), "firm")

    @indicator(
        f"{low}_soil_balance_kg_per_ha_yr",
        unit="kg/ha/yr",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"{low}_soil_balance_t per hectare of the farms' land per year (the period "
        "annualised: × 365 / its days)",
    )
    def soil_balance_kg_per_ha_yr(window: Window) -> dict[str, float]:
        balance = _soil_balance(window, substance)
        land = pd.Series(_land_ha(window), dtype=float)
        total = pd.Series([balance.sum()], index=["cluster"])
        cluster_land = pd.Series([land.reindex(balance.index).sum()], index=["cluster"])
        per_firm = _per_ha_yr(window, balance, land)
        values = {"cluster": float("nan"), **_per_ha_yr(window, total, cluster_land).to_dict()}
        values.update({f"firm:{f}": float(v) for f, v in per_firm.items()})
        return values

    @indicator(
        f"{low}_losses_processing_t",
        unit="t",
        pillar="planet",
        scopes=("cluster", "firm"),
        definition=f"Farm-gate {substance} surplus of the firms without land (processors, "
        "livestock housing, digesters, composters; households left out): their losses, "
        "reported apart from the farmland balance",
    )
    def losses_processing_t(window: Window) -> dict[str, float]:
        table = _table(window, substance)
        households = {f for t in HOUSEHOLD_TYPES for f in window.firm_ids(t)}
        chosen = [
            f for f in table.index if f != "cluster" and table.loc[f, "land_ha"] == 0
            and f not in households
        ]  # fmt: skip
        return by_scope(table.loc[chosen, "surplus_t"], "firm")


for _substance in ("N", "P"):
    _register(_substance)
