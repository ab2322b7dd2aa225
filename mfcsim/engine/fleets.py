"""Fleets: the day's road lots collected by vehicles with a capacity, in shared tours.

Without ``fleets:`` each lot travels alone (:mod:`mfcsim.engine.transport`): its cost and
CO2e are its t·km times the mode's factors, an upper bound on the trips a cluster needs.
With ``fleets:``, lots of a fleet's mode and materials are handed over to the fleet when
they are shipped (they leave the supplier for ``in_transit`` at once) and, once the day's
contracts, firms and agent have shipped, :meth:`Fleets.plan_day` builds the tours:

1. **Grouping.** The day's lots of a fleet are grouped by receiver (in order of hand-over):
   a tour collects lots for one receiver (a milk run to a digester, joint delivery to the
   city) and unloads them there.
2. **Loading (nearest neighbour).** A vehicle leaves the depot empty and drives to the
   supplier nearest to where it is of the lots still waiting for that receiver (ties: the
   lot handed over first), loads the lot, and so on, while the lot fits its capacity (t,
   and m3 for materials measured in m3). A lot larger than the room left is split: the
   part that fits goes, the rest waits for the next tour. It then drives to the receiver
   and back to the depot. Vehicle-km from the depot to the first supplier and from the
   receiver back are empty; the others are loaded. With ``tour: savings`` (the default)
   these one-receiver tours are merged into multi-drop tours (:mod:`.savings`): collect
   every lot, then deliver, receiver by receiver; empty are the km out to the first
   supplier and back from the last receiver.
3. **Vehicles.** Each fleet is a :class:`simpy.Resource` of ``count`` vehicles in the run's
   environment, served first come, first served; each tour is a SimPy process
   (:meth:`Fleets._trip`) that requests a vehicle when the tour is planned, waits while
   all are busy, takes the vehicle free longest (ties: the lowest number), drives and
   releases it. A tour must end within the vehicle's working time of its day (which begins
   at the day's start); otherwise the vehicle waits for the beginning of the next day. A
   tour longer than a working day starts at the beginning of one and runs over. Whether a
   tour fits is judged on the tour as planned.
4. **Ageing.** A lot whose tour leaves later than its material keeps (``shelf_life``,
   counted from the hand-over) is left behind: at the end of its shelf life it goes back
   from ``in_transit`` to its supplier, who sends it to the material's disposal route (gate
   fee and CO2e as any disposal); the ``fleet_spoiled`` table lists it. The tour goes
   without it. A tour that waits for a vehicle past a daily tick leaves behind, at that
   tick, the lots whose shelf life ended before it (:meth:`Fleets.spoil_due`), so that
   they are disposed of when they spoil, not when a vehicle comes.
5. **Accounts.** Each tour is a row of the ``trips`` table. Its cost (per trip and per
   vehicle-km) and CO2e (per loaded and per empty vehicle-km) are allocated to its lots by
   their share of the tour's t·km, on their dispatch rows (``distance_km``: the km each lot
   rode), so ledger totals stay additive and transport CO2e is counted once. Each lot
   arrives when the tour reaches its receiver. The lots' rows are dated the day
   the tour was planned, in the phase that planned it (the day their goods left their
   suppliers), also when the tour waited for a vehicle.

Tours still waiting for a vehicle at the horizon are given, by :meth:`Fleets.finish`, the
starts the resource would give them (from the vehicles' known release times), so that their
lots, which left their suppliers, are accounted for.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from mfcsim.engine.savings import Chains, Vehicle, merge_order
from mfcsim.engine.transport import leg_costs
from mfcsim.ledger import BETWEEN_TICKS, Kind

if TYPE_CHECKING:
    from simpy.resources.resource import Request

    from mfcsim.engine.market import Market
    from mfcsim.engine.transport import Transport
    from mfcsim.network import Route, TransportNetwork
    from mfcsim.scenario.fleet import FleetSpec
    from mfcsim.world import World

#: Room for fewer units than this counts as full.
FULL_SHARE = 1e-9
#: A lot that exceeds the room left by this share or less is loaded whole.
ROUNDING = 1e-9


@dataclass(frozen=True)
class Fleet:
    """A fleet compiled for the run: its vehicles' figures in base units (days, km, t)."""

    name: str
    depot: int
    count: int
    capacity_t: float
    capacity_m3: float
    cost_per_trip_eur: float
    cost_per_km_eur: float
    co2e_loaded_t_per_km: float
    co2e_empty_t_per_km: float
    speed_km_per_day: float
    working_day: float
    stop_day: float
    tour: str
    tour_span_km: float


@dataclass
class Lot:
    """A lot handed over to a fleet, waiting for its tour (``units`` still to carry)."""

    t_day: float
    source: int
    target: int
    m: int
    units: float
    requested: int
    origin: int
    per_lot_cost_eur: float
    per_lot_co2e_t: float
    order: int = 0
    amount: float = 0.0

    def __post_init__(self) -> None:
        self.amount = self.units


@dataclass
class Tour:
    """A vehicle's tour: its receivers, its lots and its place in the schedule.

    ``drops`` are the receivers in the order served, ``loads`` the lots (units of each) in
    the order collected.

    ``day``, ``phase`` and ``number`` are set when it is planned (``number``: its place
    among the run's tours), ``planned`` is its geometry as planned; ``vehicle``, ``start``
    and ``free`` (when its vehicle is free again) once it is given a vehicle.
    """

    fleet: int
    drops: list[int]
    loads: list[tuple[Lot, float]] = field(default_factory=list)
    day: int = 0
    phase: int = 0
    number: int = 0
    planned: Legs | None = None
    vehicle: int = -1
    start: float = math.nan
    free: float = math.nan


class Fleets:
    """The scenario's fleets: which lots they carry, their tours, vehicles and trips.

    Args:
        specs: The scenario's ``fleets``.
        world: The run's catalogue.
        network: Distances and modes.
        transport: Where lots are handed over and tours' lots recorded and delivered.
        market: Disposal routes of spoiled lots.
        env: The run's SimPy environment (each fleet is a resource in it).
    """

    def __init__(
        self,
        specs: dict[str, FleetSpec],
        world: World,
        network: TransportNetwork,
        transport: Transport,
        market: Market,
        env: simpy.Environment,
    ) -> None:
        self.world, self.network, self.transport, self.market = world, network, transport, market
        self.env = env
        self.fleets: list[Fleet] = []
        #: The fleet index carrying each (mode, material index); material -1: any material.
        self._carrier: dict[tuple[str, int], int] = {}
        mats = world.scenario.materials
        self._m3_per_unit = np.array(
            [1.0 if mats[m].unit == "m3" else 0.0 for m in world.materials]
        )
        for name, spec in specs.items():
            mode = spec.mode or network.spec.default_mode
            carried = [world.material_index[mid] for mid in spec.materials] or [-1]  # -1: all
            for m in carried:
                self._carrier[(mode, m)] = len(self.fleets)
            self.fleets.append(_compile(name, spec, world, network.spec.modes[mode].speed))
        #: Each fleet's vehicles, a first-come-first-served resource.
        self.vehicles = [simpy.Resource(env, capacity=f.count) for f in self.fleets]
        #: When each vehicle is free again (days), as planned.
        self._free = [np.zeros(f.count) for f in self.fleets]
        self._agent_lf = [spec.agent_load_factor for spec in specs.values()]
        self._agent_empty = [spec.agent_empty_share for spec in specs.values()]
        #: The vehicles not in use: heaps of (free since, vehicle number).
        self._idle = [[(0.0, v) for v in range(f.count)] for f in self.fleets]
        #: Tours waiting for a vehicle, in the order they asked.
        self._queued: dict[int, Tour] = {}
        self._n_tours = 0
        self._waiting: list[tuple[int, Lot]] = []
        self._spoiling: list[tuple[float, int, int, int, int, float]] = []
        self._spoiled: list[tuple[float, str, str, str, float]] = []
        self._trips: list[dict[str, object]] = []
        #: Lots carried, by (day, phase) their tours were planned, until :meth:`flush`.
        self._rows: dict[tuple[int, int], list[tuple[float, ...]]] = {}
        self._n_lots = 0

    def agent_tkm_factors(self, mode: str, m: int) -> tuple[float, float] | None:
        """EUR and t CO2e per t·km at which the agent prices material ``m`` by ``mode``.

        None unless a fleet carries it and gives ``agent_load_factor`` (LF) and
        ``agent_empty_share`` (e). A vehicle of ``capacity_t`` (C) carrying C × LF on its
        loaded km, and driving e of its km empty, drives 1 / (C × LF × (1 − e)) vehicle-km
        per t·km: that many times ``cost_per_km``, and ``co2e_loaded`` × (1 − e) +
        ``co2e_empty`` × e per vehicle-km. ``cost_per_trip`` is not counted.
        """
        fleet = self.carrier(mode, m)
        if fleet < 0 or self._agent_lf[fleet] is None:
            return None
        spec, lf, empty = self.fleets[fleet], self._agent_lf[fleet], self._agent_empty[fleet]
        assert lf is not None
        vkm_per_tkm = 1.0 / (spec.capacity_t * lf * (1.0 - empty))
        co2e_per_vkm = spec.co2e_loaded_t_per_km * (1.0 - empty) + spec.co2e_empty_t_per_km * empty
        return spec.cost_per_km_eur * vkm_per_tkm, co2e_per_vkm * vkm_per_tkm

    # ---- hand-over ------------------------------------------------------------------------
    def carrier(self, mode: str, m: int) -> int:
        """The index of the fleet that carries material ``m`` by ``mode``, or -1."""
        if mode == "pipeline":
            return -1
        return self._carrier.get((mode, m), self._carrier.get((mode, -1), -1))

    def carries(self, mode: str, m: int) -> bool:
        """True if a fleet carries material ``m`` by ``mode``."""
        return self.carrier(mode, m) >= 0

    def carriers(self, mode: np.ndarray, m: np.ndarray) -> np.ndarray:
        """:meth:`carrier` of many lots, their modes as :meth:`Transport.code` codes."""
        codes, at = np.unique(mode, return_inverse=True)
        n_mat = len(self.world.materials)
        table = np.array(
            [[self.carrier(self.transport.label(int(c)), x) for x in range(n_mat)] for c in codes],
            dtype=np.int64,
        ).reshape(len(codes), n_mat)
        carried: np.ndarray = table[at.reshape(-1), m]
        return carried

    def hand_over_one(
        self, t_day: float, source: int, target: int, m: int, amount: float, route: Route,
        requested: int, origin: str,
    ) -> None:  # fmt: skip
        """Take one lot (as :meth:`Transport.ship` would send it alone)."""
        cost, co2e = leg_costs(amount, float(self.world.mass_t_per_unit[m]), route.distance_km,
                               route.cost_eur_per_unit_km, route.cost_eur_per_unit,
                               route.co2e_t_per_tkm)  # fmt: skip
        one = np.array([source]), np.array([target]), np.array([m]), np.array([amount])
        self.transport.hand_over(*one)
        lot = Lot(t_day, source, target, m, amount, requested, self.transport.code(origin),
                  float(cost), float(co2e))  # fmt: skip
        self._take(self.carrier(route.mode, m), lot)

    def hand_over_many(
        self,
        t_day: float,
        source: np.ndarray,
        target: np.ndarray,
        m: np.ndarray,
        amount: np.ndarray,
        carried: np.ndarray,
        *,
        cost_eur: np.ndarray,
        co2e_t: np.ndarray,
        requested: np.ndarray,
        origin: str | np.ndarray,
    ) -> np.ndarray:
        """Take the lots a fleet carries (``carried`` >= 0); return the mask of the others.

        ``cost_eur`` and ``co2e_t`` are what each lot would cost travelling alone (the
        per-lot comparison of the logistics indicators).
        """
        take = carried >= 0
        cost, co2e = cost_eur, co2e_t
        self.transport.hand_over(source[take], target[take], m[take], amount[take])
        origins = (
            origin
            if isinstance(origin, np.ndarray)
            else np.full(len(m), self.transport.code(origin))
        )
        for i in np.flatnonzero(take).tolist():
            lot = Lot(t_day, int(source[i]), int(target[i]), int(m[i]), float(amount[i]),
                      int(requested[i]), int(origins[i]), float(cost[i]),
                      float(co2e[i]))  # fmt: skip
            self._take(int(carried[i]), lot)
        return ~take

    def _take(self, fleet: int, lot: Lot) -> None:
        lot.order = self._n_lots
        self._n_lots += 1
        self._waiting.append((fleet, lot))

    # ---- tours ----------------------------------------------------------------------------
    def plan_day(self, day: int) -> None:
        """Build, schedule and record the tours of the lots handed over today."""
        waiting, self._waiting = self._waiting, []
        groups: dict[tuple[int, int], list[Lot]] = {}
        for fleet, lot in waiting:
            groups.setdefault((fleet, lot.target), []).append(lot)
        phase = self.transport.ledger.phase
        tours: list[list[Tour]] = [[] for _ in self.fleets]
        for (fleet, target), lots in groups.items():
            tours[fleet].extend(self._tours(fleet, target, lots))
        for fleet, built in enumerate(tours):
            if self.fleets[fleet].tour == "savings":
                built = self._merged(fleet, built)
            for tour in built:
                self._request(day, phase, tour)
        self.flush()

    def _merged(self, fleet: int, tours: list[Tour]) -> list[Tour]:
        """The one-receiver tours merged into multi-drop tours by savings (:mod:`.savings`)."""
        if len(tours) < 2:
            return tours
        spec = self.fleets[fleet]
        pickups = [_pickups(tour)[0] for tour in tours]
        places = sorted({spec.depot, *(f for p in pickups for f in p),
                         *(t.drops[0] for t in tours)})  # fmt: skip
        at = {firm: i for i, firm in enumerate(places)}
        km = self.network.distance_matrix_km(np.array(places, dtype=np.int64))
        first = np.array([at[p[0]] for p in pickups])
        last = np.array([at[p[-1]] for p in pickups])
        drop = np.array([at[t.drops[0]] for t in tours])
        chains = Chains(
            km, at[spec.depot], first, last, drop, drop.copy(),
            np.array([sum(km[at[a], at[b]] for a, b in itertools.pairwise(p)) for p in pickups]),
            np.zeros(len(tours)),
            np.array([sum(u * float(self.world.mass_t_per_unit[lot.m]) for lot, u in t.loads)
                      for t in tours]),
            np.array([sum(u * self._m3_per_unit[lot.m] for lot, u in t.loads) for t in tours]),
            np.array([len(p) + 1 for p in pickups], dtype=np.int64), spec.tour_span_km,
        )  # fmt: skip
        vehicle = Vehicle(spec.capacity_t, spec.capacity_m3, spec.speed_km_per_day,
                          spec.stop_day, spec.working_day)  # fmt: skip
        picks: list[list[int]] = [[i] for i in range(len(tours))]
        drops: list[list[int]] = [[i] for i in range(len(tours))]
        for a, b, order in merge_order(chains, vehicle):
            picks[a] = picks[b] + picks[a] if order & 2 else picks[a] + picks[b]
            drops[a] = drops[b] + drops[a] if order & 1 else drops[a] + drops[b]
            picks[b] = drops[b] = []
        merged = []
        for members, served in zip(picks, drops, strict=True):
            if members:
                tour = Tour(fleet, [tours[i].drops[0] for i in served])
                tour.loads = [load for i in members for load in tours[i].loads]
                merged.append(tour)
        return merged

    def _km(self, a: int, b: int) -> float:
        ids = self.world.firm_ids
        return float(self.network.distance_km(ids[a], ids[b]))

    def _tours(self, fleet: int, target: int, lots: list[Lot]) -> list[Tour]:
        """Nearest-neighbour collection tours for one receiver, capacity respected."""
        spec, tours = self.fleets[fleet], []
        left = [lot for lot in lots if lot.units > 0.0]
        while left:
            tour, here = Tour(fleet, [target]), spec.depot
            room_t, room_m3 = spec.capacity_t, spec.capacity_m3
            while left:
                lot = min(left, key=lambda x: (self._km(here, x.source), x.order))
                fits = self._units_that_fit(lot.m, room_t, room_m3)
                if fits <= 0.0 and not tour.loads:  # a capacity below 1e-9 units
                    fits = lot.units
                if fits <= 0.0:
                    break
                # what exceeds the room by rounding only goes too (no trip for a speck)
                units = lot.units if lot.units <= fits * (1.0 + ROUNDING) else fits
                tour.loads.append((lot, units))
                room_t -= units * float(self.world.mass_t_per_unit[lot.m])
                room_m3 -= units * self._m3_per_unit[lot.m]
                lot.units -= units
                here = lot.source
                if lot.units > 0.0:
                    break  # full: the rest waits for the next tour
                left.remove(lot)
            tours.append(tour)
        return tours

    def _units_that_fit(self, m: int, room_t: float, room_m3: float) -> float:
        """Units of material ``m`` that fit in the room left (0 if the vehicle is full)."""
        fleet_cap = (room_t, room_m3)
        per_unit = (float(self.world.mass_t_per_unit[m]), float(self._m3_per_unit[m]))
        fits = math.inf
        for room, need in zip(fleet_cap, per_unit, strict=True):
            if need > 0.0:
                fits = min(fits, room / need)
        return fits if fits > FULL_SHARE else 0.0

    def _request(self, day: int, phase: int, tour: Tour) -> None:
        """Ask the fleet for a vehicle; a tour given one at once leaves as it is planned."""
        tour.day, tour.phase, tour.number = day, phase, self._n_tours
        self._n_tours += 1
        tour.planned = self._legs(tour)
        request = self.vehicles[tour.fleet].request()
        if request.triggered:  # a vehicle was free: recorded with the day's other tours
            self._leave(tour)
        else:
            self._queued[tour.number] = tour
        self.env.process(self._trip(tour, request))

    def _trip(self, tour: Tour, request: Request) -> Generator[simpy.Event, Any, None]:
        """The tour's process: wait for a vehicle, leave, drive, give the vehicle back."""
        yield request
        if tour.vehicle < 0:  # it waited: it leaves now, its rows dated when it was planned
            del self._queued[tour.number]
            self._leave(tour)
        yield self.env.timeout(max(tour.free - self.env.now, 0.0))
        heapq.heappush(self._idle[tour.fleet], (tour.free, tour.vehicle))
        self.vehicles[tour.fleet].release(request)

    def _leave(self, tour: Tour) -> None:
        """The tour takes the vehicle free longest: its start, its lots that spoil, its trip."""
        free_since, tour.vehicle = heapq.heappop(self._idle[tour.fleet])
        self._depart(tour, max(free_since, float(tour.day)), free_since)

    def _depart(self, tour: Tour, earliest: float, free_since: float) -> None:
        """Start the tour (given its vehicle) at ``earliest`` or the next working day."""
        spec = self.fleets[tour.fleet]
        assert tour.planned is not None
        tour.start = start_in_working_time(earliest, tour.planned.duration, spec.working_day)
        fresh = []
        for lot, units in tour.loads:
            if tour.start - lot.t_day > self.world.shelf_life_day[lot.m]:
                self._spoil(tour, lot, units)
            else:
                fresh.append((lot, units))
        tour.free = free_since  # a tour whose lots all spoiled does not use the vehicle
        if fresh:
            legs = tour.planned if len(fresh) == len(tour.planned.mass_t) else None
            tour.loads = fresh
            legs = legs or self._legs(tour)
            tour.free = tour.start + legs.duration
            self._record(tour, legs)
        self._free[tour.fleet][tour.vehicle] = tour.free

    def finish(self) -> None:
        """Give the tours still waiting at the horizon the starts the resource would give.

        Their vehicles' release times are known (:attr:`_free`), so the queue's outcome is
        too: each tour, in the order it asked, takes the vehicle free first (lowest number
        among equals). Their lots are recorded as those of any tour.
        """
        for tour in self._queued.values():
            free = self._free[tour.fleet]
            tour.vehicle = int(np.argmin(free))
            free_since = float(free[tour.vehicle])
            self._depart(tour, max(free_since, float(tour.day)), free_since)
        self._queued = {}
        self.flush()

    def _legs(self, tour: Tour) -> Legs:
        """The tour's stops, vehicle-km (loaded, empty), t·km and each load's ride.

        The vehicle collects its loads in order, then serves its drops in order: each load
        rides from its pickup to its receiver's drop; the km from the depot to the first
        pickup and from the last drop back are empty, all others loaded.
        """
        spec = self.fleets[tour.fleet]
        stops, picked = _pickups(tour)
        mass = [u * float(self.world.mass_t_per_unit[lot.m]) for lot, u in tour.loads]
        path = [*stops, *tour.drops]
        leg_km = [self._km(a, b) for a, b in itertools.pairwise(path)]
        dropped = [len(stops) + tour.drops.index(lot.target) for lot, _ in tour.loads]
        ride = [_ride_km(leg_km, p, d) for p, d in zip(picked, dropped, strict=True)]
        out_km = self._km(spec.depot, stops[0])
        empty = out_km + self._km(tour.drops[-1], spec.depot)
        loaded = float(sum(leg_km))
        tkm = float(sum(t * km for t, km in zip(mass, ride, strict=True)))
        travel = (loaded + empty) / spec.speed_km_per_day
        unload = [(out_km + float(sum(leg_km[:d]))) / spec.speed_km_per_day
                  + (d + 1) * spec.stop_day for d in dropped]  # fmt: skip
        return Legs(stops, loaded, empty, tkm, ride, mass, travel + len(path) * spec.stop_day,
                    unload)  # fmt: skip

    def _record(self, tour: Tour, legs: Legs) -> None:
        """Keep the trip and its lots' dispatch rows (cost and CO2e by t·km share)."""
        spec, day, start, vehicle = self.fleets[tour.fleet], tour.day, tour.start, tour.vehicle
        km = legs.loaded_km + legs.empty_km
        cost = spec.cost_per_trip_eur + spec.cost_per_km_eur * km
        co2e = spec.co2e_loaded_t_per_km * legs.loaded_km + spec.co2e_empty_t_per_km * legs.empty_km
        total_tkm, total_t = legs.tkm, sum(legs.mass_t)
        mode = self.transport.code(f"fleet:{spec.name}")
        rows = self._rows.setdefault((day, tour.phase), [])
        per_lot_cost = per_lot_co2e = 0.0
        for (lot, units), mass_t, ride_km, unload in zip(tour.loads, legs.mass_t, legs.ride_km,
                                                        legs.unload, strict=True):  # fmt: skip
            share = mass_t * ride_km / total_tkm if total_tkm > 0 else mass_t / total_t
            rows.append((lot.source, lot.target, lot.m, units, ride_km, start + unload,
                               cost * share, co2e * share, mode, lot.requested,
                               lot.origin))  # fmt: skip
            whole = units / lot.amount  # the part of the lot
            per_lot_cost += lot.per_lot_cost_eur * whole
            per_lot_co2e += lot.per_lot_co2e_t * whole
        ids = self.world.firm_ids
        self._trips.append({
            "trip": tour.number, "fleet": spec.name, "vehicle": vehicle,
            "depot": ids[spec.depot], "day": day, "start_t_day": start,
            "end_t_day": start + legs.duration,
            "stops": ">".join(ids[s] for s in [*legs.stops, *tour.drops]),
            "lots": len(tour.loads), "load_t": float(total_t), "capacity_t": spec.capacity_t,
            "km_loaded": legs.loaded_km, "km_empty": legs.empty_km, "tkm": legs.tkm,
            "cost_eur": cost, "co2e_t": co2e,
            "per_lot_cost_eur": per_lot_cost, "per_lot_co2e_t": per_lot_co2e,
        })  # fmt: skip

    def flush(self) -> None:
        """Write the lots carried by the tours that left since the last call.

        Their dispatch rows, shipments and arrivals, one batch per day and phase the tours
        were planned in, dated that day, in that ledger phase. Called when the day's tours
        are planned and before arrivals are delivered (tours that waited leave between
        ticks, and arrive later than they leave).
        """
        groups, self._rows = self._rows, {}
        ledger = self.transport.ledger
        now = ledger.phase
        for (day, phase), rows in sorted(groups.items()):
            cols = list(zip(*rows, strict=True))
            ints = [np.array(c, dtype=np.int64) for c in (cols[0], cols[1], cols[2], cols[8],
                                                           cols[9], cols[10])]  # fmt: skip
            floats = [np.array(c, dtype=float) for c in cols[3:8]]
            ledger.phase = phase
            self.transport.record(
                float(day), ints[0], ints[1], ints[2], floats[0], distance_km=floats[1],
                arrival=floats[2], cost_eur=floats[3], co2e_t=floats[4], mode=ints[3],
                requested=ints[4], origin=ints[5],
            )  # fmt: skip
        ledger.phase = now

    # ---- spoilage -------------------------------------------------------------------------
    def _spoil(self, tour: Tour, lot: Lot, units: float) -> None:
        """Record a lot left behind by its tour: it spoils at its shelf life's end.

        Its dispatch row (supplier to ``in_transit``, which it left at the hand-over) is
        dated the day its tour was planned, in the phase that planned it.
        """
        ledger = self.transport.ledger
        now, ledger.phase = ledger.phase, tour.phase
        ledger.add(float(tour.day), lot.source, self.world.transit_node, lot.m, units,
                   Kind.SHIPMENT)  # fmt: skip
        ledger.phase = now
        t_spoil = lot.t_day + self.world.shelf_life_day[lot.m]
        self._spoiling.append((t_spoil, lot.order, lot.source, lot.target, lot.m, units))

    def spoil_due(self, now: float) -> None:
        """Send the lots that spoiled before ``now`` (strictly) to their disposal routes.

        Lots of tours still waiting for a vehicle whose shelf life ended before ``now`` are
        left behind first: their tour cannot leave before ``now``.
        """
        for tour in self._queued.values():
            keep = []
            for lot, units in tour.loads:
                if lot.t_day + self.world.shelf_life_day[lot.m] < now:
                    self._spoil(tour, lot, units)
                else:
                    keep.append((lot, units))
            tour.loads = keep
        due = sorted(x for x in self._spoiling if x[0] < now)
        if not due:
            return
        self._spoiling = [x for x in self._spoiling if x[0] >= now]
        node, fee, co2e = self.market.disposal_arrays()
        transport, ledger, transit = self.transport, self.transport.ledger, self.world.transit_node
        phase, ledger.phase = ledger.phase, BETWEEN_TICKS
        for t_day, _, source, target, m, units in due:
            transport.stock[transit, m] -= units
            transport.pending[target, m] -= units
            ledger.add(t_day, transit, source, m, units, Kind.SHIPMENT)  # back to its supplier
            ledger.add(t_day, source, int(node[m]), m, units, Kind.DISPOSAL,
                       value_eur=float(fee[m]) * units, co2e_t=float(co2e[m]) * units)  # fmt: skip
            ids = self.world.firm_ids
            self._spoiled.append((t_day, ids[source], ids[target], self.world.materials[m], units))
        ledger.phase = phase

    def spoiled_frame(self) -> pd.DataFrame:
        """One row per lot that spoiled waiting: when, supplier, receiver, material, units."""
        return pd.DataFrame(
            self._spoiled, columns=["t_day", "supplier", "receiver", "material", "quantity"]
        )

    def frame(self) -> pd.DataFrame:
        """One row per trip, in the order the tours were planned (docs/fleets.md: columns).

        ``trip`` numbers the trips in that order (tours whose lots all spoiled are none).
        """
        trips = sorted(self._trips, key=lambda row: int(row["trip"]))  # type: ignore[call-overload]
        for number, row in enumerate(trips):
            row["trip"] = number
        return pd.DataFrame(trips, columns=TRIP_COLUMNS)


#: Columns of the ``trips`` table.
TRIP_COLUMNS = [
    "trip", "fleet", "vehicle", "depot", "day", "start_t_day", "end_t_day", "stops", "lots",
    "load_t", "capacity_t", "km_loaded", "km_empty", "tkm", "cost_eur", "co2e_t",
    "per_lot_cost_eur", "per_lot_co2e_t",
]  # fmt: skip


@dataclass(frozen=True)
class Legs:
    """A tour's geometry: its pickup stops, vehicle-km and each load's ride to its receiver.

    ``duration`` is the tour's length, ``unload`` when each load is unloaded (days from
    the start).
    """

    stops: list[int]
    loaded_km: float
    empty_km: float
    tkm: float
    ride_km: list[float]
    mass_t: list[float]
    duration: float
    unload: list[float]


def _pickups(tour: Tour) -> tuple[list[int], list[int]]:
    """The suppliers a tour collects from, in order, and where each load is picked up.

    A supplier of consecutive loads is one stop; each load's pickup is its stop's place.
    """
    stops: list[int] = []
    picked = []
    for lot, _ in tour.loads:
        if not stops or stops[-1] != lot.source:
            stops.append(lot.source)
        picked.append(len(stops) - 1)
    return stops, picked


def _ride_km(leg_km: list[float], pickup: int, drop: int) -> float:
    """Km from place ``pickup`` to place ``drop`` on the path, summed from the drop back."""
    ride = 0.0
    for k in range(drop - 1, pickup - 1, -1):
        ride += leg_km[k]
    return ride


def start_in_working_time(earliest: float, duration: float, working_day: float) -> float:
    """When a tour leaves that can leave at ``earliest`` (days) and lasts ``duration``.

    At ``earliest`` if it ends within that day's working time (``working_day`` from the
    start of the day) or ``earliest`` is a day's start, else at the start of the next day.
    """
    day = math.floor(earliest)
    if earliest + duration <= day + working_day or earliest == day:
        return earliest
    return day + 1.0


def _compile(name: str, spec: FleetSpec, world: World, mode_speed: float) -> Fleet:
    return Fleet(
        name, world.firm_ids.index(spec.depot), spec.count,
        math.inf if spec.capacity_t is None else spec.capacity_t,
        math.inf if spec.capacity_m3 is None else spec.capacity_m3,
        spec.cost_per_trip, spec.cost_per_km, spec.co2e_loaded, spec.co2e_empty,
        mode_speed if spec.speed is None else spec.speed, spec.working_time, spec.stop_time,
        spec.tour, spec.tour_span,
    )  # fmt: skip
