"""Evaluation periods: the windows of days every indicator is computed over.

By default ``start`` (the first 10 % of the horizon), ``mid`` (10 % around the midpoint) and
``end`` (the last 10 %), each at least one whole day; ``all`` (the whole horizon) is always
added. A scenario may name its own periods under ``evaluation.periods``, which then replace
the defaults. A period holds the ledger rows with ``start_day <= t_day < end_day``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

#: Share of the horizon each default period covers.
DEFAULT_SHARE = 0.1
#: Name of the period that always covers the whole horizon.
ALL = "all"


@dataclass(frozen=True)
class Period:
    """A window of days ``[start_day, end_day)`` with a name."""

    name: str
    start_day: float
    end_day: float

    @property
    def days(self) -> float:
        """Length of the period in days."""
        return self.end_day - self.start_day


def default_periods(horizon_day: int, warm_up_day: int = 0) -> list[Period]:
    """``start``, ``mid`` and ``end`` (each 10 % of the days after the warm-up, at least a day)."""
    span = horizon_day - warm_up_day
    width = max(1, math.floor(DEFAULT_SHARE * span + 0.5))
    mid = warm_up_day + (span - width) // 2
    return [
        Period("start", float(warm_up_day), float(warm_up_day + width)),
        Period("mid", float(mid), float(mid + width)),
        Period("end", float(horizon_day - width), float(horizon_day)),
    ]


def evaluation_periods(
    horizon_day: int,
    periods: Mapping[str, tuple[float, float]] | None = None,
    warm_up_day: int = 0,
) -> list[Period]:
    """The periods to evaluate: ``all`` (after the warm-up) first, then the given ones.

    Without given periods, the defaults (:func:`default_periods`).
    """
    chosen = (
        default_periods(horizon_day, warm_up_day)
        if not periods
        else [Period(name, float(a), float(b)) for name, (a, b) in periods.items()]
    )
    return [Period(ALL, float(warm_up_day), float(horizon_day)), *chosen]


def milestones(periods: list[Period]) -> dict[str, Period]:
    """The periods that stand for ``start``, ``midpoint`` and ``end`` of the evaluation.

    ``start`` is the period that begins first, ``end`` the one that ends last, ``midpoint``
    the one whose middle is nearest the middle of ``all`` (ties: the earlier). Named periods
    are read the same way as the defaults. With a single period besides ``all``, there is
    nothing to compare and the result is empty; a midpoint that is the start or the end is
    left out.
    """
    named = [p for p in periods if p.name != ALL]
    if len(named) < 2:
        return {}
    whole = next((p for p in periods if p.name == ALL), None)
    centre = (whole.start_day + whole.end_day) / 2 if whole else 0.0
    start = min(named, key=lambda p: (p.start_day, p.end_day))
    end = max(named, key=lambda p: (p.end_day, p.start_day))
    mid = min(named, key=lambda p: (abs((p.start_day + p.end_day) / 2 - centre), p.start_day))
    out = {"start": start, "end": end}
    if mid not in (start, end):
        out["midpoint"] = mid
    return out
