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
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.core import URGENT
from simpy.events import Event

from mfcsim.agent.process import RegionalAgent
from mfcsim.engine.disruptions import Disruptions
from mfcsim.engine.kernel.core import Kernel, substituted_part
from mfcsim.engine.market import Market
from mfcsim.engine.transport import Transport
from mfcsim.errors import UsageError
from mfcsim.firms.base import Firm
from mfcsim.firms.registry import resolve_firm_type
from mfcsim.ledger import BETWEEN_TICKS, Kind, Ledger
from mfcsim.network import Route, TransportNetwork
from mfcsim.scenario.root import Scenario

if TYPE_CHECKING:
    from mfcsim.results import Results


def memory_needed_bytes(scenario: Scenario) -> int:
    """A lower bound of a run's memory: its daily stock snapshots and activity record.

    (firms + 1) × materials × (days + 1) snapshot cells and 2 × days × processes activity
    cells, 8 bytes each; the ledger comes on top (it grows with what happens).
    """
    firms, materials = len(scenario.firms), len(scenario.materials)
    processes = sum(len(f.processes) for f in scenario.firms.values())
    days = scenario.horizon_day
    return 8 * ((firms + 1) * materials * (days + 1) + 2 * days * processes)


def machine_memory_bytes() -> int:
    """The machine's physical memory (bytes); 0 if it cannot be told."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 0


def check_memory(scenario: Scenario) -> None:
    """Refuse a run whose snapshots alone would not fit in the machine's memory.

    Raises:
        UsageError: With the estimate and the machine's memory.
    """
    need, have = memory_needed_bytes(scenario), machine_memory_bytes()
    if have and need > have:
        raise UsageError(
            f"{scenario.name}: {len(scenario.firms):,} firms x {len(scenario.materials):,} "
            f"materials x {scenario.horizon_day:,} days need at least {need / 2**30:,.1f} GiB "
            f"for the daily stocks alone, more than this machine's {have / 2**30:,.1f} GiB "
            "(accepted: fewer days, firms or materials)"
        )


def substitute_acceptance(sim: Simulation) -> np.ndarray:
    """Per firm and material: may a substitute stand in for it at this firm?

    A firm accepts the members of a substitution group for a material ``m`` when what it
    does with ``m`` accepts them: one of its processes uses ``m`` (a process draws on the
    group's pool) or it passes ``m`` on by contract; and every receiver of its contracts for
    ``m`` accepts them in turn. An intermediary never takes a substitute for an order that
    its own buyer could not use. A material in no group accepts nothing.
    """
    accepts = np.zeros((len(sim.firms), len(sim.materials)), dtype=bool)
    onward: dict[tuple[int, int], list[int]] = {}
    by_id = {f.id: f.index for f in sim.firms}
    for spec in sim.scenario.contracts.values():
        key = (by_id[spec.supplier], sim.material_index[spec.material])
        onward.setdefault(key, []).append(by_id[spec.receiver])
    for firm in sim.firms:
        used = {m for proc in firm.processes for m, _ in proc.inputs}
        for m in sim.group_of:
            accepts[firm.index, m] = m in used or (firm.index, m) in onward
    changed = True
    while changed:  # a receiver that refuses makes its suppliers refuse too
        changed = False
        for (f, m), receivers in onward.items():
            if accepts[f, m] and not all(accepts[r, m] for r in receivers):
                accepts[f, m], changed = False, True
    return accepts


IN_TRANSIT = "in_transit"
IMPORT, EXPORT, ENVIRONMENT, CONSUMPTION = "import", "export", "environment", "consumption"
SINKS = ("air", "water", "soil")
PHASES = ("snapshot", "join", "plan", "procure", "produce", "dispatch", "clear", "surplus")
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


@dataclass(slots=True)
class Contract:
    """A compiled fixed contract."""

    id: str
    supplier: Firm
    receiver: Firm
    material: int
    quantity: float | None  # None: the supplier's whole stock
    every: int
    start_day: int
    end_day: int | None
    route: Route
    requested: float = 0.0
    shipped: float = 0.0

    def due(self, day: int) -> bool:
        """True if a delivery is due on ``day`` and both parties take part."""
        if day < self.start_day or (self.end_day is not None and day > self.end_day):
            return False
        active = self.supplier.active and self.receiver.active
        return active and (day - self.start_day) % self.every == 0


class Simulation:
    """One run of a scenario.

    Args:
        scenario: The validated scenario.
        seed: Replaces the scenario's seed.
        progress: Called with each day's number before the day runs.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        check_memory(scenario)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.horizon_day = scenario.horizon_day
        self.progress = progress
        self.env = simpy.Environment()
        self._index_materials()
        self._index_nodes()
        self.stock = np.zeros((len(scenario.firms) + 1, len(self.materials)))
        self.ledger = Ledger(self.nodes, self.materials)
        self.network = TransportNetwork(scenario)
        self.market = Market(scenario, self.materials, self.node_index)
        self._index_substitutes()
        self.firms: list[Firm] = [
            resolve_firm_type(spec.type)(self, fid, spec, i)
            for i, (fid, spec) in enumerate(scenario.firms.items())
        ]
        self._set_storage_and_stocks()
        self._index_processes()
        self.accepts = substitute_acceptance(self)
        for firm in self.firms:
            firm.accepted = {
                m: alts for m, alts in self.substitutes.items() if self.accepts[firm.index, m]
            }
        self.capacity = np.array([f.capacity for f in self.firms]).reshape(self.stock[:-1].shape)
        self.export_mask = np.array(
            [[f.spec.exports and self.market.exportable(m) and m not in f.kept_materials
              for m in range(len(self.materials))] for f in self.firms], dtype=bool,
        ).reshape(self.stock[:-1].shape)  # fmt: skip
        self.kernel = Kernel(self)
        self.join_day = np.array([f.spec.join_day for f in self.firms], dtype=np.int64)
        self._active = np.zeros(len(self.firms), dtype=bool)
        self.transport: Transport = Transport(self)
        self.contracts: list[Contract] = [self._compile_contract(cid) for cid in scenario.contracts]
        #: Stock each firm holds back for its next contract deliveries (inf: ships it all).
        self.reserved = np.zeros((len(self.firms), len(self.materials)))
        for c in self.contracts:
            self.reserved[c.supplier.index, c.material] += (
                math.inf if c.quantity is None else c.quantity
            )
        self._routes: dict[tuple[int, int, int], Route] = {}
        self._pipe_used: dict[tuple[int, int, int], float] = {}
        self.service_rows: list[tuple[float, int, int, float, float, float, float, float]] = []
        #: Service rows of the vectorised firms: (8, rows) blocks of the same columns.
        self.service_blocks: list[np.ndarray] = []
        self.snapshots: list[np.ndarray] = []
        self.wall_time_s: float = 0.0
        self.agent: RegionalAgent = RegionalAgent(self)
        self.disruptions: Disruptions = Disruptions(self)
        self.env.process(self._clock())

    # ---- build --------------------------------------------------------------------------
    def _index_materials(self) -> None:
        mats = self.scenario.materials
        self.materials = list(mats)
        self.material_index = {m: i for i, m in enumerate(self.materials)}
        self.mass_t_per_unit = np.array([mats[m].mass_t_per_unit for m in self.materials])
        self.co2e_per_unit = [mats[m].co2e for m in self.materials]
        self.is_energy = [mats[m].dimension == "energy" for m in self.materials]
        self.shelf_life_day = [
            math.inf if mats[m].shelf_life is None else mats[m].shelf_life for m in self.materials
        ]

    def _index_substitutes(self) -> None:
        """For each group member, its substitutes with units of it per unit of substitute."""
        idx = self.material_index
        self.substitutes: dict[int, list[tuple[int, float]]] = {}
        self.group_balance: dict[int, int] = {}
        self.group_of: dict[int, int] = {}
        self.group_ratio: dict[int, float] = {}
        self.group_members: list[list[int]] = []
        for g, group in enumerate(self.scenario.substitution.values()):
            self.group_members.append([idx[m] for m in group.members])
            for m, ratio in group.members.items():
                self.group_of[idx[m]] = g
                self.group_ratio[idx[m]] = ratio
                self.substitutes[idx[m]] = [
                    (idx[alt], alt_ratio / ratio)
                    for alt, alt_ratio in group.members.items()
                    if alt != m
                ]
                if group.balance is not None:
                    self.group_balance[idx[m]] = idx[group.balance]

    def _index_nodes(self) -> None:
        scn = self.scenario
        self.nodes = [
            *scn.firms,
            IN_TRANSIT,
            IMPORT,
            EXPORT,
            ENVIRONMENT,
            *SINKS,
            CONSUMPTION,
            *scn.boundary.disposal,
        ]
        self.node_index = {n: i for i, n in enumerate(self.nodes)}
        self.transit_node = self.node_index[IN_TRANSIT]
        self.environment_node = self.node_index[ENVIRONMENT]
        self.sink_of: list[tuple[int, Kind]] = []
        for m in self.materials:
            sink = scn.materials[m].sink or "air"
            kind = Kind.FINAL_CONSUMPTION if sink == CONSUMPTION else Kind.EMISSION
            self.sink_of.append((self.node_index[sink], kind))

    def _index_processes(self) -> None:
        """Number every firm's processes in one row (firm by firm) for the activity record."""
        offset = 0
        self.process_ids: list[tuple[str, str]] = []
        for firm in self.firms:
            firm.process_offset = offset
            offset += len(firm.processes)
            self.process_ids.extend((firm.id, p.id) for p in firm.processes)
        #: Planned and realised activity of every process (a row per day, a column each).
        self.activity_planned: np.ndarray = np.zeros((self.horizon_day, offset))
        self.activity_realised: np.ndarray = np.zeros((self.horizon_day, offset))

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

    def _compile_contract(self, cid: str) -> Contract:
        spec = self.scenario.contracts[cid]
        by_id = {f.id: f for f in self.firms}
        route = self.network.route(spec.supplier, spec.receiver, spec.material, spec.mode)
        return Contract(
            cid,
            by_id[spec.supplier],
            by_id[spec.receiver],
            self.material_index[spec.material],
            None if spec.quantity == "all" else float(spec.quantity),
            int(spec.every),
            spec.start_day,
            spec.end_day,
            route,
        )

    def rng_for(self, *key: str) -> np.random.Generator:
        """An independent random stream for ``key`` (e.g. ``("firm", "dairy_1")``).

        Streams are keyed by name, not by position, so adding a firm does not change the
        random numbers of the others, and two scenarios with the same seed share them.
        """
        spawn_key = tuple(zlib.crc32(k.encode()) for k in key)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=spawn_key))

    # ---- run ----------------------------------------------------------------------------
    def run(self, *, strict: bool = True) -> Results:
        """Run to the horizon and return the results.

        Args:
            strict: Check the mass balance and raise if it fails.

        Raises:
            MassBalanceError: If ``strict`` and a node or the system does not balance.
        """
        from time import perf_counter

        from mfcsim.results import Results

        start = perf_counter()
        self._snapshot()
        self.env.run(until=self.horizon_day)
        self.transport.deliver_due(self.horizon_day)
        self._snapshot()
        self.wall_time_s = perf_counter() - start
        results = Results.from_simulation(self)
        if strict:
            results.check_balance()
        return results

    def _clock(self) -> Generator[Event, Any, None]:
        for day in range(self.horizon_day):
            if self.progress is not None:
                self.progress(day)
            self.transport.deliver_due(day)
            if day:
                self._snapshot()
            phases = (self._join, self._plan, self._procure, self._produce, self._dispatch,
                      self._clear, self._surplus)  # fmt: skip
            for code, phase in enumerate(phases, start=1):
                self.ledger.phase = code
                phase(day)
            self.ledger.phase = BETWEEN_TICKS
            yield _Tick(self.env, 1)

    def _snapshot(self) -> None:
        self.snapshots.append(self.stock.copy())

    def _join(self, day: int) -> None:
        active = self.join_day <= day
        for i in np.flatnonzero(active != self._active).tolist():
            self.firms[i].active = bool(active[i])
        self._active = active

    def active_mask(self) -> np.ndarray:
        """Which firms take part today (joined), by firm index."""
        return self._active

    def _plan(self, day: int) -> None:
        self.kernel.plan(day, self.active_mask())
        for firm in self.kernel.fallback:
            if firm.active:
                firm.plan(day)
                first = firm.process_offset
                self.activity_planned[day, first : first + len(firm.planned)] = firm.planned

    def route(self, source: int, target: int, m: int) -> Route:
        """The (cached) route for material ``m`` between two firms: a pipeline or the road."""
        key = (source, target, m)
        route = self._routes.get(key)
        if route is None:
            route = self.network.route(
                self.firms[source].id, self.firms[target].id, self.materials[m]
            )
            self._routes[key] = route
        return route

    def pipeline_room(self, source: int, target: int, m: int, route: Route) -> float:
        """What a pipeline can still carry of material ``m`` today, after today's use."""
        return max(route.capacity_per_day - self._pipe_used.get((source, target, m), 0.0), 0.0)

    def _procure(self, day: int) -> None:
        self.kernel.procure(day, self.active_mask())
        for firm in self.kernel.fallback:
            if firm.active:
                self._procure_firm(day, firm)

    def _procure_firm(self, day: int, firm: Firm) -> None:
        """Import what one firm lacks, through its own hooks (the per-firm path)."""
        market, node = self.market, self.node_index[IMPORT]
        wanted = firm.wanted(day)
        holdings = firm.holdings(wanted)
        for m, want in wanted.items():
            have = holdings[m]
            short = want - have
            bought = 0.0
            if short > 1e-12 and firm.spec.imports and market.importable(m):
                bought = short
                firm.stock[m] += short
                self.ledger.add(
                    day,
                    node,
                    firm.index,
                    m,
                    short,
                    Kind.IMPORT,
                    value_eur=market.import_price[m] * short,
                    co2e_t=market.import_co2e[m] * short,
                )
            if firm.spec.buyer and want > 0.0:
                own = min(float(firm.stock[m]) - bought, want)
                regional = min(have, want)
                self.service_rows.append(
                    (
                        float(day),
                        firm.index,
                        m,
                        want,
                        regional,
                        float(substituted_part(regional, own, want)),
                        bought,
                        max(want - regional - bought, 0.0),
                    )
                )

    def _produce(self, day: int) -> None:
        self.kernel.produce(day)
        for firm in self.kernel.fallback:
            if firm.active:
                firm.call_hook("produce", day)

    def _dispatch(self, day: int) -> None:
        """Ship the contracts due: each its own material first, then substitutes.

        A fixed-quantity road contract whose supplier lacks the material may be served with
        a member of its substitution group, in group units, when the receiver can use it
        (``accepts``); this second pass runs after every contract has shipped its own
        material, so no contract takes what another's own delivery needs.
        """
        self._pipe_used.clear()
        due = [con for con in self.contracts if con.due(day)]
        short = [(con, self._deliver(day, con)) for con in due]
        for con, missing in short:
            if missing > 1e-12 and self._may_substitute(con):
                self._deliver_substitutes(day, con, missing)

    def _deliver(self, day: int, con: Contract) -> float:
        """Ship the contract's own material; return what it still lacks (units of it)."""
        m, route = con.material, con.route
        if con.quantity is not None:
            con.requested += con.quantity
        if self.transport.is_closed(con.supplier.index, con.receiver.index):
            return 0.0
        have = float(con.supplier.stock[m])
        amount = have if con.quantity is None else min(con.quantity, have)
        if route.mode == "pipeline":
            key = (con.supplier.index, con.receiver.index, m)
            amount = min(amount, self.pipeline_room(*key, route))
            self._pipe_used[key] = self._pipe_used.get(key, 0.0) + amount
        missing = 0.0 if con.quantity is None else con.quantity - max(amount, 0.0)
        if amount <= 0.0:
            return missing
        con.shipped += amount
        self.transport.ship(
            day,
            con.supplier.index,
            con.receiver.index,
            m,
            amount,
            route,
            requested=m,
            origin=f"contract:{con.id}",
        )
        return missing

    def _may_substitute(self, con: Contract) -> bool:
        """A fixed-quantity road contract whose receiver can use the material's substitutes."""
        return (
            con.quantity is not None
            and con.route.mode != "pipeline"
            and bool(self.accepts[con.receiver.index, con.material])
        )

    def _deliver_substitutes(self, day: int, con: Contract, missing: float) -> None:
        """Ship substitutes for ``missing`` units of the contract's material, group order."""
        supplier, receiver = con.supplier, con.receiver
        for alt, factor in self.substitutes.get(con.material, ()):
            if missing <= 0.0:
                break
            amount = min(float(supplier.stock[alt]), missing / factor)
            if amount <= 0.0:
                continue
            con.shipped += amount * factor
            missing -= amount * factor
            # a road route does not depend on what it carries: the contract's own
            self.transport.ship(day, supplier.index, receiver.index, alt, amount, con.route,
                                requested=con.material, origin=f"contract:{con.id}")  # fmt: skip

    def _clear(self, day: int) -> None:
        """The regional agent's phase (policy ``none``: nothing happens)."""
        self.agent.clear(day)

    def _surplus(self, day: int) -> None:
        self.kernel.surplus(day, self.active_mask())
