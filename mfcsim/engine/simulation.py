"""Simulation: the SimPy environment, seeded random streams, firms, stocks and the ledger.

The daily rhythm
----------------
One clock process drives all firms. At each whole day ``d`` (``0 <= d < horizon``) it runs
these phases, in this order, over the active firms in scenario order:

1. ``snapshot`` - record every stock as it stands at time ``d`` (the end of day ``d - 1``).
2. ``join``     - firms whose ``join_day`` has come take part from now on.
3. ``plan``     - each firm's processes plan their activity (capacity × season × noise).
4. ``procure``  - each firm imports what it lacks for its plan and its daily demand
   (if the firm imports and the boundary offers the material).
5. ``produce``  - processes run, limited by the inputs on hand; outputs enter stock.
6. ``dispatch`` - fixed contracts ship from the supplier's stock into ``in_transit``.
7. ``clear``    - the regional agent's place (policy ``none``: nothing happens).
8. ``surplus``  - surplus products go to the export market; what exceeds a storage capacity
   goes to its disposal route.

Shipments travel in continuous time: each is a SimPy timeout of ``distance / speed`` days and
moves its goods from ``in_transit`` to the receiver when it fires. The clock's own tick is
scheduled with urgent priority, so a snapshot at time ``d`` includes every arrival before
``d`` and none at ``d``; goods that arrive exactly at the horizon stay in transit.

Machine pools (:mod:`mfcsim.engine.resources`) are SimPy resources too: operations request,
wait for, travel with and release machines in continuous time, and the ``plan`` phase of day
``d`` reads the work the machines did during day ``d - 1``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Generator
from time import perf_counter
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.core import URGENT
from simpy.events import Event

from mfcsim.agent.process import RegionalAgent
from mfcsim.engine.collect import collect
from mfcsim.engine.contracts import (
    Contract,
    Dispatch,
    compile_contracts,
    reserved_stock,
    substitute_acceptance,
)
from mfcsim.engine.disruptions import Disruptions
from mfcsim.engine.fleets import Fleets
from mfcsim.engine.kernel.core import Kernel
from mfcsim.engine.lots import Lots
from mfcsim.engine.market import Market
from mfcsim.engine.memory import check_memory
from mfcsim.engine.per_firm import PerFirmPath
from mfcsim.engine.requests import day_requests
from mfcsim.engine.resources import MachinePools
from mfcsim.engine.state import ServiceRow, State
from mfcsim.engine.transport import Transport
from mfcsim.firms.base import Firm
from mfcsim.firms.registry import resolve_firm_type
from mfcsim.ledger import BETWEEN_TICKS, Kind, Ledger
from mfcsim.network import TransportNetwork
from mfcsim.scenario.root import Scenario
from mfcsim.scenario.series import series_factors
from mfcsim.world import World

if TYPE_CHECKING:
    from mfcsim.results import Results

#: Default storage capacity by material kind when a firm declares none (inf = unlimited).
DEFAULT_STORAGE = {
    "product": math.inf,
    "raw_material": math.inf,
    "residue": 0.0,
    "energy": 0.0,
    "emission": 0.0,
    "environmental": 0.0,
}


class _Tick(Event):
    """A timeout with urgent priority: the clock runs before other events at the same time."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, URGENT, delay)


class Simulation:
    """One run of a scenario: the clock, the order of the daily phases, and their parts.

    The catalogue of the run is :attr:`world` (:class:`~mfcsim.world.World`), its live arrays
    :attr:`state` (:class:`~mfcsim.engine.state.State`); the engine's parts receive those,
    not the simulation. Firms keep ``self.sim``: the attributes they read of it (material
    and node indices, stock, ledger, market, random streams, ...) are set here.

    Args:
        scenario: The validated scenario.
        seed: Replaces the scenario's seed.
        progress: Called with each day's number before the day runs.
        per_firm_only: Run every firm on the per-firm path (its own hooks, one by one), as
            ``mfcsim.testing.assert_same_on_both_paths`` does to compare the two paths.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        progress: Callable[[int], None] | None = None,
        per_firm_only: bool = False,
    ) -> None:
        check_memory(scenario)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.horizon_day = scenario.horizon_day
        self.progress = progress
        self.env = simpy.Environment()
        self.world = world = World.compile(scenario)
        self._world_names(world)
        self.state = state = State(np.zeros((len(scenario.firms) + 1, len(world.materials))))
        self.stock = state.stock
        self.ledger = Ledger(world.nodes, world.materials)
        self.network = TransportNetwork(scenario)
        self.market = Market(scenario, world.materials, world.node_index)
        self.firms: list[Firm] = [
            resolve_firm_type(spec.type)(self, fid, spec, i)
            for i, (fid, spec) in enumerate(scenario.firms.items())
        ]
        self._set_storage_and_stocks()
        self._index_processes()
        self._apply_series()
        #: The machine pools (None without ``machine_pools``); before the kernel reads their plan.
        self.machines = (
            MachinePools(self.env, scenario, self.firms, self.network, state)
            if scenario.machine_pools
            else None
        )
        state.accepts = self.accepts = substitute_acceptance(world, self.firms, scenario.contracts)
        for firm in self.firms:
            firm.accepted = {
                m: alts for m, alts in world.substitutes.items() if state.accepts[firm.index, m]
            }
        shape = state.stock[:-1].shape
        state.capacity = self.capacity = np.array([f.capacity for f in self.firms]).reshape(shape)
        state.export_mask = self.export_mask = np.array(
            [[f.spec.exports and self.market.exportable(m) and m not in f.kept_materials
              for m in range(len(world.materials))] for f in self.firms], dtype=bool,
        ).reshape(shape)  # fmt: skip
        self.kernel = Kernel(
            world, state, self.firms, self.ledger, self.market, per_firm_only=per_firm_only
        )
        self.per_firm = PerFirmPath(self.kernel.fallback, world, state, self.ledger, self.market)
        self._daily_demand = self._demand_series()
        state.join_day = self.join_day = np.array(
            [f.spec.join_day for f in self.firms], dtype=np.int64
        )
        state.active = np.zeros(len(self.firms), dtype=bool)
        self.transport = Transport(world, state, self.ledger, self.network)
        self.transport.listeners = {
            f.index: f for f in self.firms if "on_delivery" in type(f).overridden_hooks()
        }
        #: The scenario's fleets (None without ``fleets:``: each road lot travels alone).
        self.fleets: Fleets | None = None
        if scenario.fleets is not None:
            self.fleets = Fleets(
                scenario.fleets, world, self.network, self.transport, self.market, self.env
            )
            self.transport.fleets = self.fleets
        self.contracts: list[Contract] = compile_contracts(
            scenario.contracts, self.firms, world, self.network
        )
        state.reserved = self.reserved = reserved_stock(self.contracts, shape)
        self.dispatch = Dispatch(self.contracts, self.transport, state.accepts, world.substitutes)
        self.service_rows: list[ServiceRow] = state.service_rows
        #: Service rows of the vectorised firms: (8, rows) blocks of the same columns.
        self.service_blocks: list[np.ndarray] = state.service_blocks
        self.snapshots: list[np.ndarray] = state.snapshots
        self.wall_time_s: float = 0.0
        #: The lots firms ship themselves (``Firm.ship``, ``FirmGroup.ship``).
        self.lots = Lots(world, self.network, self.transport, self.firms)
        self.agent = RegionalAgent(
            scenario.agent, world, state, self.firms, self.network, self.market, self.transport
        )
        self.disruptions = Disruptions(
            self.env, scenario.disruptions, self.firms, self.market, self.transport,
            self.rng_for, state,
        )  # fmt: skip
        self.env.process(self._clock())

    # ---- build --------------------------------------------------------------------------
    def _world_names(self, world: World) -> None:
        """What firms read of the world, under the names they know (``self.sim.<name>``)."""
        self.materials, self.material_index = world.materials, world.material_index
        self.mass_t_per_unit, self.co2e_per_unit = world.mass_t_per_unit, world.co2e_per_unit
        self.is_energy, self.shelf_life_day = world.is_energy, world.shelf_life_day
        self.nodes, self.node_index = world.nodes, world.node_index
        self.transit_node, self.environment_node = world.transit_node, world.environment_node
        self.sink_of: list[tuple[int, Kind]] = world.sink_of
        self.substitutes, self.group_of = world.substitutes, world.group_of
        self.group_ratio, self.group_balance = world.group_ratio, world.group_balance
        self.group_members = world.group_members

    def _index_processes(self) -> None:
        """Number every firm's processes in one row (firm by firm) for the activity record."""
        offset = 0
        self.process_ids: list[tuple[str, str]] = []
        for firm in self.firms:
            firm.process_offset = offset
            offset += len(firm.processes)
            self.process_ids.extend((firm.id, p.id) for p in firm.processes)
        #: Planned and realised activity of every process (a row per day, a column each).
        self.activity_planned = self.state.activity_planned = np.zeros((self.horizon_day, offset))
        self.activity_realised = self.state.activity_realised = np.zeros((self.horizon_day, offset))

    def _set_storage_and_stocks(self) -> None:
        mats = self.scenario.materials
        kinds = [DEFAULT_STORAGE[mats[m].kind] for m in self.materials]
        for firm in self.firms:
            cap = np.array(kinds, dtype=float)
            cap[list(firm.kept_materials)] = math.inf  # a firm keeps what it uses
            for m, q in firm.spec.storage.items():
                cap[self.material_index[m]] = q
            firm.capacity = cap
            for m, q in firm.spec.initial_stock.items():
                self.stock[firm.index, self.material_index[m]] = q

    def ship_lot(
        self, t_day: float, source: int, target: str, material: int, quantity: float,
        mode: str | None, origin: str,
    ) -> None:  # fmt: skip
        """Ship a lot a firm sends itself (``Firm.ship``; :meth:`Lots.ship_one`)."""
        self.lots.ship_one(t_day, source, target, material, quantity, mode, origin)

    def ship_lots(
        self, t_day: float, sources: np.ndarray, targets: tuple[str, ...], material: int,
        quantities: np.ndarray, modes: tuple[str | None, ...], origins: tuple[str, ...],
    ) -> None:  # fmt: skip
        """Ship the lots of a firm type's ``FirmGroup.ship`` (:meth:`Lots.ship_batch`)."""
        self.lots.ship_batch(t_day, sources, targets, material, quantities, modes, origins)

    def rng_for(self, *key: str) -> np.random.Generator:
        """An independent random stream for ``key`` (e.g. ``("firm", "dairy_1")``).

        Streams are keyed by name, not by position, so adding a firm does not change the
        random numbers of the others, and two scenarios with the same seed share them.
        """
        spawn_key = tuple(zlib.crc32(k.encode()) for k in key)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=spawn_key))

    # ---- run ----------------------------------------------------------------------------
    def _apply_series(self) -> None:
        """Multiply each process's seasonal factors by its capacity series (both paths read it).

        A capacity series enters as its value over the peak (the capacity), a capacity factor
        series as it is (:mod:`mfcsim.scenario.series`). Without series nothing changes.
        """
        series = self.scenario.series
        if not series:
            return
        for firm in self.firms:
            for proc in firm.processes:
                base = f"firms.{firm.id}.processes.{proc.id}"
                for name in ("capacity", "capacity_factor"):
                    factors = series_factors(series, proc.capacity, f"{base}.{name}")
                    if factors is not None:
                        proc.season = proc.season * np.asarray(factors, dtype=float)

    def _demand_series(self) -> list[tuple[Firm, int, int, tuple[float, ...]]]:
        """(firm, position in its demand, kernel entry or -1, daily units) of each series."""
        series, out = self.scenario.series, []
        kernel = self.kernel.demand
        for firm in self.firms:
            for pos, (m, _) in enumerate(firm.demand):
                hit = series.get(f"firms.{firm.id}.demand.{self.world.materials[m]}")
                if hit is None:
                    continue
                entry = np.flatnonzero((kernel.firm == firm.index) & (kernel.material == m))
                out.append((firm, pos, int(entry[0]) if len(entry) else -1, hit.values))
        return out

    def _demand_today(self, day: int) -> None:
        """Set today's daily demand from its series, on the firm and in the kernel's entries."""
        for firm, pos, entry, values in self._daily_demand:
            m, _ = firm.demand[pos]
            demand = list(firm.demand)
            demand[pos] = (m, values[day])
            firm.demand = tuple(demand)
            if entry >= 0:
                self.kernel.demand.q[entry] = values[day]

    def run(self, *, strict: bool = True) -> Results:
        """Run to the horizon and return the results.

        Args:
            strict: Check the mass balance and raise if it fails.

        Raises:
            MassBalanceError: If ``strict`` and a node or the system does not balance.
        """
        start = perf_counter()
        self._snapshot()
        self.env.run(until=self.horizon_day)
        self._deliver_due(self.horizon_day)
        if self.fleets is not None:  # tours still waiting for a vehicle
            self.fleets.finish()
        self._snapshot()
        self.wall_time_s = perf_counter() - start
        results = collect(self)
        if strict:
            results.check_balance()
        return results

    def _clock(self) -> Generator[Event, Any, None]:
        for day in range(self.horizon_day):
            if self.progress is not None:
                self.progress(day)
            self._deliver_due(day)
            if day:
                self._snapshot()
            if self.market.limited:  # series prices and daily limits
                self.market.start_day(day)
            if self._daily_demand:
                self._demand_today(day)
            phases = (self._join, self._plan, self._procure, self._produce, self._dispatch,
                      self._clear, self._surplus)  # fmt: skip
            for code, phase in enumerate(phases, start=1):
                self.ledger.phase = code
                phase(day)
            self.ledger.phase = BETWEEN_TICKS
            yield _Tick(self.env, 1)

    def _deliver_due(self, now: float) -> None:
        """Arrivals before ``now``, and the fleets' lots that spoiled waiting."""
        if self.fleets is not None:  # the lots of tours that left since the last tick
            self.fleets.flush()
        self.transport.deliver_due(now)
        if self.fleets is not None:
            self.fleets.spoil_due(now)

    def _snapshot(self) -> None:
        self.snapshots.append(self.stock.copy())

    def _join(self, day: int) -> None:
        active = self.join_day <= day
        for i in np.flatnonzero(active != self.state.active).tolist():
            self.firms[i].active = bool(active[i])
        self.state.active = active

    def active_mask(self) -> np.ndarray:
        """Which firms take part today (joined), by firm index."""
        return self.state.active

    def _plan(self, day: int) -> None:
        self.kernel.plan(day, self.state.active)
        self.per_firm.plan(day)

    def _procure(self, day: int) -> None:
        self.kernel.procure(day, self.state.active)
        self.per_firm.procure(day)

    def _produce(self, day: int) -> None:
        self.kernel.produce(day)
        self.per_firm.produce(day)

    def _dispatch(self, day: int) -> None:
        self.dispatch.ship_due(day)

    def _clear(self, day: int) -> None:
        """The regional agent's phase (policy ``none``: nothing happens)."""
        if self.agent.clears_on(day):
            pending = self.transport.pending
            requests = day_requests(day + 1, self.kernel, self.per_firm, self.join_day, pending)
            self.agent.clear(day, requests)
        if self.fleets is not None:  # the day's road lots, in shared tours
            self.fleets.plan_day(day)

    def _surplus(self, day: int) -> None:
        self.kernel.surplus(day, self.state.active)
