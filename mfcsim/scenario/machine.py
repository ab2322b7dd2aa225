"""Machine pools: shared machines (harvesters, spreaders, ...) and what processes need of them.

A scenario's ``machine_pools`` declares each pool (kind, number of machines, cost of a
machine-day, capital cost and lifetime, travel speed, home, queue rule); a process's
``machine`` says which pool it needs, how long a machine works per unit of its activity, in
which window of the year the operation falls and what share of its yield a day of waiting
costs. :mod:`mfcsim.engine.resources` runs them; ``docs/machine-pool.md`` states the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from mfcsim.scenario.convert import PositiveDays, Speed
from mfcsim.scenario.network import LocationSpec
from mfcsim.scenario.spec import FieldProblem, Fraction, Spec

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario


class MachinePoolSpec(Spec):
    """A pool of identical machines shared by the farms that need them."""

    kind: str = Field(min_length=1, description="what the machines are, e.g. combine_harvester")
    count: PositiveInt = Field(1, description="machines in the pool")
    cost_eur_per_day: NonNegativeFloat = Field(
        description="EUR a farm pays per machine-day it holds a machine (travel included)"
    )
    capital_cost_eur: NonNegativeFloat = Field(description="purchase price of one machine, EUR")
    lifetime_year: PositiveFloat = Field(description="economic lifetime of a machine, years")
    speed: Speed = Field(description="travel speed on the road, e.g. '20 km/h'")
    home: LocationSpec | None = Field(None, description="where the machines are kept")
    home_firm: str | None = Field(None, description="or: the firm where they are kept")
    queue: Literal["first_come", "yield_loss"] = Field(
        "first_come",
        description="order of waiting operations: first_come, or the most tonnes of yield "
        "lost per day of waiting first (ties: first come)",
    )
    source: str = Field("", description="where the costs come from ('assumption: ...')")

    @model_validator(mode="after")
    def _one_home(self) -> MachinePoolSpec:
        if (self.home is None) == (self.home_firm is None):
            raise ValueError("give either home (x_km/y_km or lat/lon) or home_firm")
        return self


class MachineNeedSpec(Spec):
    """What one process needs of a machine pool: one operation per year, in a window."""

    pool: str = Field(description="a machine pool id")
    work_per_unit: PositiveDays = Field(
        description="machine time per unit of the process's activity (e.g. '0.2 d' per ha)"
    )
    window: tuple[int, int] = Field(
        description="first and last day of year of the operation; the farm asks for a machine "
        "on the first and the process's planned activity within the window is the work"
    )
    loss_per_day: Fraction = Field(
        description="share of the operation's yield lost per day of waiting for a machine"
    )
    source: str = Field(
        min_length=1, description="where loss_per_day comes from (a citation or 'assumption: ...')"
    )

    @model_validator(mode="after")
    def _window(self) -> MachineNeedSpec:
        first, last = self.window
        if not 1 <= first <= last <= 366:
            raise FieldProblem(
                ("window",),
                f"[{first}, {last}] (accepted: days of the year 1 to 366, first <= last)",
            )
        return self


def check_machines(scn: Scenario) -> None:
    """Pools are at known firms; needs name known pools and, if they lose yield, a balance.

    Raises:
        FieldProblem: At the field at fault, with what is accepted.
    """
    pools = scn.machine_pools
    for pid, pool in pools.items():
        if pool.home_firm is not None and pool.home_firm not in scn.firms:
            known = ", ".join(sorted(scn.firms))
            raise FieldProblem(
                ("machine_pools", pid, "home_firm"),
                f"unknown firm {pool.home_firm!r} (accepted: {known})",
            )
    for fid, firm in scn.firms.items():
        for pid, proc in firm.processes.items():
            need = proc.machine
            if need is None:
                continue
            path = ("firms", fid, "processes", pid, "machine")
            if need.pool not in pools:
                known = ", ".join(sorted(pools)) or "none declared in machine_pools"
                problem = f"unknown pool {need.pool!r} (accepted: {known})"
                raise FieldProblem((*path, "pool"), problem)
            home = pools[need.pool].home
            if home is not None and home.geographic != firm.location.geographic:
                raise FieldProblem(
                    ("machine_pools", need.pool, "home"),
                    f"uses {'lat/lon' if home.geographic else 'x_km/y_km'} but firm {fid!r} "
                    "does not (accepted: the coordinates its farms use)",
                )
            if need.loss_per_day > 0 and proc.yield_balance is None:
                raise FieldProblem(
                    (*path, "loss_per_day"),
                    f"{need.loss_per_day:g} needs the process's yield_balance, the output that "
                    "takes the yield lost (accepted: 0, or declare yield_balance)",
                )
