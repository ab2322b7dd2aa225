"""The 3P scorecard: the cluster's indicators per pillar, one column per period."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mfcsim.indicators.periods import ALL
from mfcsim.indicators.registry import INDICATORS, PER_DAY, PILLARS


def pillar_of(name: str) -> str | None:
    """The pillar of an indicator, or of the indicator a ``_per_day`` rate is of."""
    spec = INDICATORS.get(name) or INDICATORS.get(name.removesuffix(PER_DAY))
    return spec.pillar if spec is not None else None


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
    names = pd.unique(cluster["indicator"])
    pillar = cluster["indicator"].map({name: pillar_of(name) for name in names})
    tables = {}
    for name in PILLARS:
        rows = cluster[(pillar == name).to_numpy()]
        table = rows.pivot(index="indicator", columns="period", values="value")
        order = list(pd.unique(rows["indicator"]))
        table = table.reindex(index=order, columns=[p for p in periods if p in table.columns])
        units = rows.drop_duplicates("indicator").set_index("indicator")["unit"]
        table.insert(0, "unit", units.reindex(order).to_numpy())
        tables[name] = table
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


def _cell(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def print_scorecard(tables: dict[str, pd.DataFrame]) -> None:
    """Print the scorecard on the terminal: one rich table, pillars as sections."""
    from rich.table import Table

    from mfcsim.console import table_console

    periods = next((list(t.columns[1:]) for t in tables.values() if not t.empty), [ALL])
    table = Table(box=None, pad_edge=False)
    table.add_column("3P scorecard", overflow="fold")  # whole names, folded if need be
    for name in ("unit", *periods):
        table.add_column(name)
    for pillar, rows in tables.items():
        table.add_section()
        table.add_row(f"[bold]{pillar}[/bold]")
        for name, row in rows.iterrows():
            table.add_row(f"  {name}", str(row["unit"]), *(_cell(row[p]) for p in periods))
    table_console().print(table)
