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


def default_periods(horizon_day: int) -> list[Period]:
    """``start``, ``mid`` and ``end`` (each 10 % of the horizon, rounded, at least a day)."""
    width = max(1, math.floor(DEFAULT_SHARE * horizon_day + 0.5))
    mid = (horizon_day - width) // 2
    return [
        Period("start", 0.0, float(width)),
        Period("mid", float(mid), float(mid + width)),
        Period("end", float(horizon_day - width), float(horizon_day)),
    ]


def evaluation_periods(
    horizon_day: int, periods: Mapping[str, tuple[float, float]] | None = None
) -> list[Period]:
    """The periods to evaluate: ``all`` first, then the given ones (or the defaults)."""
    chosen = (
        default_periods(horizon_day)
        if not periods
        else [Period(name, float(a), float(b)) for name, (a, b) in periods.items()]
    )
    return [Period(ALL, 0.0, float(horizon_day)), *chosen]
