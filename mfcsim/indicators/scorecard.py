"""The 3P scorecard: the cluster's indicators per pillar, one column per period."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mfcsim.indicators.periods import ALL
from mfcsim.indicators.registry import INDICATORS, PILLARS


def scorecard(indicators: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """People, planet and profit tables of the cluster-scope indicators.

    Args:
        indicators: The long frame of :func:`~mfcsim.indicators.compute_indicators`.

    Returns:
        Pillar -> table indexed by indicator, with ``unit`` and one column per period
        (``all`` first, then the periods in the order they appear).
    """
    cluster = indicators[indicators["scope"] == "cluster"]
    periods = [ALL, *(p for p in pd.unique(cluster["period"]) if p != ALL)]
    pillar = cluster["indicator"].map({name: spec.pillar for name, spec in INDICATORS.items()})
    tables = {}
    for name in PILLARS:
        rows = cluster[(pillar == name).to_numpy()]
        table = rows.pivot_table(
            index=["indicator", "unit"], columns="period", values="value", sort=False, dropna=False
        )
        table = table.reindex(columns=[p for p in periods if p in table.columns])
        tables[name] = table.reset_index(level="unit")
    return tables


def scorecard_json(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The scorecard as plain data: pillar -> indicator -> unit and value per period."""

    def number(value: float) -> float | None:
        return None if math.isnan(value) else float(value)

    return {
        pillar: {
            str(name): {
                "unit": str(row["unit"]),
                **{str(p): number(row[p]) for p in table.columns if p != "unit"},
            }
            for name, row in table.iterrows()
        }
        for pillar, table in tables.items()
    }
