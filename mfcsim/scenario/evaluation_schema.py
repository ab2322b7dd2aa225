"""The ``evaluation:`` section: the periods every indicator is computed over.

Without it, the periods are ``start`` (first 10 % of the horizon), ``mid`` (10 % around the
midpoint) and ``end`` (last 10 %); with it, the named periods replace them. ``all`` (the whole
horizon) is always reported and cannot be redefined. ``warm_up`` leaves the first days out of
every indicator: ``all`` and the default periods then cover the days after it, and named
periods may not start before it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, NonNegativeFloat

from mfcsim.scenario.schema_base import FieldProblem, Spec, quantity

Days = Annotated[NonNegativeFloat, quantity("day")]


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


def check_evaluation(scn: Any) -> None:
    """Every period is named other than ``all`` and lies within the horizon, start < end.

    Raises:
        FieldProblem: Naming the period and what is accepted.
    """
    horizon, warm_up = scn.horizon_day, scn.evaluation.warm_up
    if warm_up >= horizon or not float(warm_up).is_integer():
        raise FieldProblem(
            ("evaluation", "warm_up"),
            f"{warm_up:g} d (accepted: whole days, 0 to {horizon - 1} d)",
        )
    for name, period in scn.evaluation.periods.items():
        path = ("evaluation", "periods", name)
        if name == "all":
            raise FieldProblem(path, "'all' is the whole horizon (accepted: another name)")
        if period.end > horizon:
            raise FieldProblem(
                (*path, "end"),
                f"{period.end:g} d is beyond the horizon of {horizon} d "
                f"(accepted: 0 d to {horizon} d)",
            )
        if period.start < warm_up:
            raise FieldProblem(
                (*path, "start"),
                f"{period.start:g} d is within the warm-up of {warm_up:g} d "
                f"(accepted: {warm_up:g} d to {horizon} d)",
            )
        if period.end <= period.start:
            raise FieldProblem(
                (*path, "end"),
                f"{period.end:g} d is not after start {period.start:g} d "
                f"(accepted: start < end <= {horizon} d)",
            )
