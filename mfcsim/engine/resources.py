"""Machine pools: shared machines as SimPy resources, and the activity they book for the clock.

A process with a ``machine`` need (:class:`~mfcsim.scenario.machine.MachineNeedSpec`) makes
one *operation* a year: on the first day of its window (within the horizon) it asks its pool
for a machine. The work is the activity the process would have planned in the window
(capacity × seasonal factor, summed over the window's days in the horizon; the firm's daily
noise does not apply); the machine needs ``work_per_unit`` per unit of it.

Each pool is a :class:`simpy.PriorityResource` with ``count`` machines. An operation's SimPy
process requests a machine, waits in the queue, is granted one, travels from the pool's home
to the farm (road distance / speed), works, travels back and releases the machine. Waiting
operations are served in the pool's ``queue`` order: ``first_come`` (the order of requests;
requests of the same day in scenario order, firm by firm, process by process), or
``yield_loss`` (the most tonnes of yield lost per day of waiting first; ties first come).
Requests of one day are made in that order, so the rule holds among them too.

The daily clock reads the outcome: a process with a machine need plans, on day ``d``, the
work its machine did at the farm during day ``d - 1`` (the clock reads a day once it is
over, so the plan is known when the day's phases run); on no other day does it plan
anything. Its yield factor on those days is ``max(0, 1 - loss_per_day × waiting days)``
(waiting: from the request to the grant), through the process's ``yield_balance``, which
takes the lost mass, so the recipe and the ledger close. Machines carry no material: they
create and destroy no mass.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from mfcsim.network import haversine_km, straight_km

if TYPE_CHECKING:
    from mfcsim.engine.state import State
    from mfcsim.firms.base import Firm
    from mfcsim.firms.process import Process
    from mfcsim.network import TransportNetwork
    from mfcsim.scenario.machine import MachinePoolSpec
    from mfcsim.scenario.root import Scenario

#: Columns of the ``machines`` frame: one row per operation.
MACHINE_COLUMNS = [
    "pool", "kind", "firm", "process", "t_day", "grant_day", "arrive_day", "work_end_day",
    "release_day", "served", "wait_day", "distance_km", "work_day", "activity", "yield_factor",
    "yield_lost_t", "yield_lost_eur", "cost_eur",
]  # fmt: skip


@dataclass(slots=True)
class Operation:
    """One process's request for a machine in one year, and what became of it.

    Times are in days from the start of the run (continuous); NaN until they happen.
    """

    pool: str
    firm: Firm
    process: str
    column: int
    request_day: int
    size: float
    work_day: float
    distance_km: float
    travel_day: float
    loss_per_day: float
    lost_t_per_unit: float
    lost_eur_per_unit: float
    grant_day: float = math.nan
    factor: float = 1.0

    @property
    def priority(self) -> float:
        """Tonnes of yield lost per day of waiting (the ``yield_loss`` rule serves most first)."""
        return self.loss_per_day * self.size * self.lost_t_per_unit


class MachinePlan:
    """What the daily clock reads of the machines: booked activity and yield factor per day.

    Attributes:
        booked: Activity of each machine-served process on each day (a row per day, a
            column per process in :attr:`column_of`); written when a machine is granted,
            for days after the grant only.
        factor: The yield factor of that activity (1 where none is lost).
        column_of: (firm index, process id) -> column of ``booked`` and ``factor``.
    """

    def __init__(self, horizon_day: int, needs: list[tuple[int, str]]) -> None:
        self.column_of = {need: k for k, need in enumerate(needs)}
        self.booked = np.zeros((horizon_day, len(needs)))
        self.factor = np.ones((horizon_day, len(needs)))

    def book(self, k: int, arrive_day: float, end_day: float, rate: float, factor: float) -> None:
        """Book work from ``arrive_day`` to ``end_day`` at ``rate`` per day on column ``k``.

        Day ``d`` gets the work done during ``[d - 1, d)``, times ``rate``.
        """
        horizon = len(self.booked)
        for d in range(math.floor(arrive_day) + 1, min(math.ceil(end_day), horizon - 1) + 1):
            overlap = min(end_day, float(d)) - max(arrive_day, d - 1.0)
            if overlap > 0.0:
                self.booked[d, k] += rate * overlap
                self.factor[d, k] = factor


def machine_needs(firms: list[Firm], scenario: Scenario) -> list[tuple[int, str]]:
    """(firm index, process id) of every process with a machine need, in scenario order."""
    return [
        (firm.index, proc.id)
        for firm in firms
        for proc in firm.processes
        if scenario.firms[firm.id].processes[proc.id].machine is not None
    ]


def window_years(doy: np.ndarray, window: tuple[int, int]) -> list[np.ndarray]:
    """The days of the horizon in ``window`` (days of year), one array per year it opens."""
    inside = np.flatnonzero((doy >= window[0]) & (doy <= window[1]))
    if not len(inside):
        return []
    breaks = np.flatnonzero(np.diff(inside) > 1) + 1
    return [days for days in np.split(inside, breaks) if len(days)]


class MachinePools:
    """The pools of a run as SimPy resources, their operations, and the plan they book.

    Args:
        env: The run's SimPy environment.
        scenario: The scenario (its ``machine_pools`` and the processes' ``machine`` needs).
        firms: The run's firms.
        network: Road distances (a pool at a firm travels the network's distance).
        state: The live state (its ``machines`` plan is set here; ``hook_version`` is
            raised at each grant so that no plan computed before it is reused).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        firms: list[Firm],
        network: TransportNetwork,
        state: State,
    ) -> None:
        self.env, self.scenario, self.state = env, scenario, state
        self.horizon_day = scenario.horizon_day
        self.plan = MachinePlan(self.horizon_day, machine_needs(firms, scenario))
        state.machines = self.plan
        self.resources = {
            pid: simpy.PriorityResource(env, capacity=pool.count)
            for pid, pool in scenario.machine_pools.items()
        }
        self.operations = self._operations(firms, network)
        #: Each operation's place in its pool's ``yield_loss`` order (most loss per day first,
        #: then the earlier request, then scenario order): its SimPy priority (0 first_come).
        self.rank = [0] * len(self.operations)
        by_loss = sorted(
            range(len(self.operations)),
            key=lambda i: (-self.operations[i].priority, self.operations[i].request_day, i),
        )
        for place, i in enumerate(by_loss):
            if scenario.machine_pools[self.operations[i].pool].queue == "yield_loss":
                self.rank[i] = place
        order = sorted(
            range(len(self.operations)),
            key=lambda i: (self.operations[i].request_day, self.rank[i], i),
        )
        for i in order:
            env.process(self._run(self.operations[i], self.rank[i]))
        for firm in firms:
            firm.machine_plan = {
                pid: (self.plan.booked[:, k], self.plan.factor[:, k])
                for (f, pid), k in self.plan.column_of.items()
                if f == firm.index
            }

    def _operations(self, firms: list[Firm], network: TransportNetwork) -> list[Operation]:
        start = self.scenario.start_date
        doy = np.array(
            [(start + dt.timedelta(days=d)).timetuple().tm_yday for d in range(self.horizon_day)]
        )
        out = []
        for firm, proc in ((f, p) for f in firms for p in f.processes):
            need = self.scenario.firms[firm.id].processes[proc.id].machine
            if need is None:
                continue
            pool = self.scenario.machine_pools[need.pool]
            distance_km = self._distance_km(pool, firm.id, network)
            lost_t, lost_eur = self._lost_per_unit(proc)
            for days in window_years(doy, need.window):
                days = days[days >= firm.spec.join_day]  # a farm asks once it takes part
                size = float(proc.capacity * proc.season[days].sum()) if len(days) else 0.0
                if size <= 0.0:
                    continue
                out.append(Operation(
                    need.pool, firm, proc.id, firm.process_offset + firm.processes.index(proc),
                    int(days[0]), size, need.work_per_unit * size, distance_km,
                    distance_km / pool.speed, need.loss_per_day, lost_t, lost_eur,
                ))  # fmt: skip
        return out

    def _lost_per_unit(self, proc: Process) -> tuple[float, float]:
        """Tonnes and EUR per activity unit of what a yield factor scales (not the balance)."""
        if proc.yield_balance is None:
            return 0.0, 0.0
        mats = self.scenario.materials
        ids = list(mats)
        scaled = [(ids[m], q) for m, q in proc.outputs if m != proc.yield_balance]
        return (
            sum(q * mats[m].mass_t_per_unit for m, q in scaled),
            sum(q * mats[m].price for m, q in scaled),
        )

    def _distance_km(self, pool: MachinePoolSpec, firm_id: str, network: TransportNetwork) -> float:
        """Road distance from the pool's home to the farm (the network's detour factor)."""
        if pool.home_firm is not None:
            return float(network.distance_km(pool.home_firm, firm_id))
        assert pool.home is not None
        farm = self.scenario.firms[firm_id].location
        crow = haversine_km(pool.home, farm) if farm.geographic else straight_km(pool.home, farm)
        return crow * network.spec.detour_factor

    def _run(self, op: Operation, rank: int) -> Generator[simpy.Event, Any, None]:
        """Request (at priority ``rank``), wait, travel, work, travel back, release."""
        yield self.env.timeout(op.request_day)
        with self.resources[op.pool].request(priority=rank) as req:
            yield req
            op.grant_day = self.env.now
            op.factor = max(0.0, 1.0 - op.loss_per_day * (op.grant_day - op.request_day))
            arrive = op.grant_day + op.travel_day
            k = self.plan.column_of[op.firm.index, op.process]
            self.plan.book(k, arrive, arrive + op.work_day, op.size / op.work_day, op.factor)
            self.state.hook_version += 1
            yield self.env.timeout(2.0 * op.travel_day + op.work_day)

    def frame(self, activity_realised: np.ndarray) -> pd.DataFrame:
        """One row per operation (:data:`MACHINE_COLUMNS`), from the realised activity.

        ``activity`` is the process's realised activity on the days its operation booked;
        ``yield_lost_t`` / ``_eur`` what the yield factor took from the outputs it scales
        (their mass and their value at the materials' prices); ``cost_eur`` the pool's
        cost per day times the days the operation held a machine (travel included).
        Operations not served by the horizon have ``served`` False, their wait counted
        to the horizon and no cost or loss.
        """
        rows = []
        horizon = float(self.horizon_day)
        for op in self.operations:
            pool = self.scenario.machine_pools[op.pool]
            served = not math.isnan(op.grant_day)
            arrive = op.grant_day + op.travel_day
            end = arrive + op.work_day
            release = end + op.travel_day
            activity = self._booked_activity(op, arrive, end, activity_realised) if served else 0.0
            lost = (1.0 - op.factor) * activity
            rows.append((
                op.pool, pool.kind, op.firm.id, op.process, float(op.request_day), op.grant_day,
                arrive, end, release, served,
                (op.grant_day if served else horizon) - op.request_day, op.distance_km,
                op.work_day, activity, op.factor, lost * op.lost_t_per_unit,
                lost * op.lost_eur_per_unit,
                pool.cost_eur_per_day * (release - op.grant_day) if served else 0.0,
            ))  # fmt: skip
        frame = pd.DataFrame(rows, columns=MACHINE_COLUMNS)
        return frame.astype({"served": bool})

    def _booked_activity(
        self, op: Operation, arrive: float, end: float, realised: np.ndarray
    ) -> float:
        """Realised activity of the operation's process on the days its work was booked."""
        first = math.floor(arrive) + 1
        last = min(math.ceil(end), self.horizon_day - 1)
        return float(realised[first : last + 1, op.column].sum()) if last >= first else 0.0
