"""Periods that compare: ``compared_to`` rows (end vs start, end vs midpoint, vs a baseline).

Each comparison is a pair of rows per indicator and scope, in the ``period`` column:
``end_vs_start_diff`` (end − start) and ``end_vs_start_ratio`` (end ÷ start, NaN where the
start is 0), likewise ``end_vs_midpoint_*``; which periods are the start, the midpoint and
the end is :func:`~mfcsim.indicators.periods.milestones`. Totals over periods of unequal
length do not compare, so additive indicators are compared through their ``_per_day`` rates
and their totals are left out. Against a baseline run (the same periods of another run
folder): ``<period>_vs_baseline_diff`` and ``_ratio``, for every period, totals included
(the periods are the same days), so that seasons do not masquerade as progress.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.errors import UsageError
from mfcsim.indicators.periods import Period, milestones
from mfcsim.indicators.registry import INDICATORS

KEY = ["indicator", "scope"]
RATIO_UNIT = "ratio"


def _pair(now: pd.DataFrame, base: pd.DataFrame, label: str) -> pd.DataFrame:
    """Difference and ratio rows of ``now`` against ``base`` (joined on indicator, scope)."""
    joined = now.merge(base[[*KEY, "value"]], on=KEY, suffixes=("", "_base"))
    value, base_value = joined["value"].to_numpy(), joined["value_base"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            base_value != 0.0, value / np.where(base_value != 0.0, base_value, 1.0), np.nan
        )
    diff = joined[KEY].assign(period=f"{label}_diff", value=value - base_value, unit=joined["unit"])
    rel = joined[KEY].assign(period=f"{label}_ratio", value=ratio, unit=RATIO_UNIT)
    return pd.concat([diff, rel], ignore_index=True)


def period_comparisons(frame: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """``end_vs_start_*`` and ``end_vs_midpoint_*`` rows of an indicators frame.

    Args:
        frame: ``indicator, scope, period, value, unit`` rows of every period.
        periods: The evaluation periods of the frame (``all`` included).
    """
    marks = milestones(periods)
    if not marks:
        return frame.iloc[0:0]
    totals = [name for name, spec in INDICATORS.items() if spec.additive]
    frame = frame[~frame["indicator"].isin(totals)]
    end = frame[frame["period"] == marks["end"].name]
    parts = [
        _pair(end, frame[frame["period"] == marks[which].name], f"end_vs_{which}")
        for which in ("start", "midpoint")
        if which in marks
    ]
    return pd.concat(parts, ignore_index=True)[frame.columns]


def baseline_comparisons(frame: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """``<period>_vs_baseline_diff`` and ``_ratio`` rows of every period both runs have.

    Raises:
        UsageError: If the baseline's periods are not those of the run.
    """
    own = [p for p in pd.unique(frame["period"]) if "_vs_" not in p]
    theirs = [p for p in pd.unique(baseline["period"]) if "_vs_" not in p]
    if own != theirs:
        raise UsageError(
            f"--baseline: its periods {theirs} are not this run's {own} (accepted: a run "
            "folder with the same evaluation periods)"
        )
    parts = [
        _pair(frame[frame["period"] == p], baseline[baseline["period"] == p], f"{p}_vs_baseline")
        for p in own
    ]
    return pd.concat(parts, ignore_index=True)[frame.columns]
