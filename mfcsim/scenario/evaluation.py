"""The ``evaluation:`` section: the periods every indicator is computed over.

Without it, the periods are ``start`` (first 10 % of the horizon), ``mid`` (10 % around the
midpoint) and ``end`` (last 10 %); with it, the named periods replace them. ``all`` (the whole
horizon) is always reported and cannot be redefined. ``warm_up`` leaves the first days out of
every indicator: ``all`` and the default periods then cover the days after it, and named
periods may not start before it.
"""

from __future__ import annotations

from pydantic import Field

from mfcsim.scenario.convert import Days
from mfcsim.scenario.spec import Spec


class PeriodSpec(Spec):
    """Days ``[start, end)`` from the start of the run, e.g. ``{start: 0 d, end: 30 d}``."""

    start: Days
    end: Days


class EvaluationSpec(Spec):
    """How a run is evaluated: named periods of the horizon."""

    periods: dict[str, PeriodSpec] = Field(
        default_factory=dict,
        description="name -> {start, end} in days; default start / mid / end (10 % each)",
    )
    warm_up: Days = Field(0.0, description="days at the start left out of every indicator")

    def period_days(self) -> dict[str, tuple[float, float]]:
        """The periods as name -> (start_day, end_day); empty for the defaults."""
        return {name: (p.start, p.end) for name, p in self.periods.items()}
