"""Indicators: pure functions of a run's frames, per evaluation period, firm and material.

``compute_indicators(results)`` returns the long frame ``indicator, scope, period, value,
unit`` (``Results.indicators``, written as ``indicators.parquet``); ``scorecard(frame)`` the
People / Planet / Profit tables of the cluster. Register your own with ``@indicator``.
Importing the package registers the views ``indicators``, ``scorecard`` (``scorecard.json``)
and ``kpi_values`` (the headline of ``kpis.json``) on :class:`mfcsim.results.Results`.

May import: errors, coded, ghg, units, scenario, results, runfolder, balance, substances.
Never the engine, firms, agent, viz or the command line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mfcsim.indicators import (  # noqa: F401  (importing registers the indicators)
    boundary,
    climate,
    cooperative,
    food,
    logistics,
    machines,
    nutrients,
    people,
    planet,
    profit,
    rules,
    service,
)
from mfcsim.indicators.comparisons import baseline_comparisons, period_comparisons
from mfcsim.indicators.headline import kpi_values
from mfcsim.indicators.periods import Period, default_periods, evaluation_periods
from mfcsim.indicators.registry import (
    INDICATORS,
    PER_DAY,
    IndicatorSpec,
    evaluate,
    indicator,
    known_indicators,
)
from mfcsim.indicators.scorecard import print_scorecard, scorecard, scorecard_json
from mfcsim.indicators.window import Window
from mfcsim.results import View, register_view
from mfcsim.runfolder import json_text

if TYPE_CHECKING:
    from mfcsim.results import Results

COLUMNS = ["indicator", "scope", "period", "value", "unit"]

__all__ = [
    "INDICATORS",
    "IndicatorSpec",
    "Period",
    "Window",
    "baseline_comparisons",
    "compute_indicators",
    "default_periods",
    "indicator",
    "known_indicators",
    "print_scorecard",
    "scorecard",
    "scorecard_json",
]


def _periods(
    results: Results, periods: Mapping[str, tuple[float, float]] | Sequence[Period] | None
) -> list[Period]:
    horizon_day = results.scenario.horizon_day
    evaluation = results.scenario.evaluation
    if periods is None:
        periods = evaluation.period_days()
    if periods and not isinstance(periods, Mapping):
        periods = {p.name: (p.start_day, p.end_day) for p in periods}
    return evaluation_periods(horizon_day, periods, int(evaluation.warm_up))


def compute_indicators(
    results: Results,
    periods: Mapping[str, tuple[float, float]] | Sequence[Period] | None = None,
) -> pd.DataFrame:
    """Every registered indicator for every period, as a long frame.

    Args:
        results: A run's results (from a simulation or read from a run folder).
        periods: Name -> (start_day, end_day), or Periods; default the scenario's
            ``evaluation.periods`` or start / mid / end. ``all`` is always included.

    Returns:
        Columns ``indicator, scope, period, value, unit``; scope ``cluster``,
        ``firm:<id>`` or ``material:<id>``. Additive indicators come with their per-day
        rate (``<name>_per_day``); the ``compared_to`` rows (period ``end_vs_start_diff``,
        ...) follow the periods' rows (:mod:`.comparisons`).
    """
    rows, shared = [], {}
    chosen = _periods(results, periods)
    for period in chosen:
        window = Window(results, period, shared)
        for spec in known_indicators():
            for scope, value, unit in evaluate(spec, window):
                rows.append((spec.name, scope, period.name, value, unit))
                if spec.additive:
                    rate = value / period.days
                    rows.append((spec.name + PER_DAY, scope, period.name, rate, f"{unit}/d"))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    return pd.concat([frame, period_comparisons(frame, chosen)], ignore_index=True)


def _save_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _save_json(value: object, path: Path) -> None:
    path.write_text(json_text(value))


register_view(
    "indicators",
    View(compute_indicators, "indicators.parquet", _save_parquet, pd.read_parquet),
)
register_view(
    "scorecard",
    View(lambda r: scorecard_json(scorecard(r.indicators)), "scorecard.json", _save_json),
)
register_view("kpi_values", View(kpi_values))


def _members(results: Results) -> pd.DataFrame:
    """The cooperative's members table over the period ``all`` (empty: no cooperative)."""
    whole = next(p for p in _periods(results, None) if p.name == "all")
    return cooperative.members_table(Window(results, whole))


def _save_members(frame: pd.DataFrame, path: Path) -> None:
    """Write the members table, only for a scenario with a cooperative."""
    if len(frame):
        frame.to_parquet(path, index=False)


register_view(
    "cooperative_members",
    View(_members, "cooperative.parquet", _save_members, pd.read_parquet),
)
