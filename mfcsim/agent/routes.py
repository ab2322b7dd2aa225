"""Routes of the agent's candidate deliveries, as columns.

The agent looks at thousands of (supplier, receiver, material) candidates a day. Road
routes are computed here over whole arrays: the distance of a firm pair comes from the
network once (then from a sorted table of the pairs seen so far), and lead time, cost and
CO2e follow from the default mode, with the same arithmetic as :class:`mfcsim.network.Route`
gives one by one. Pipelines, which are few, go through the network route by route; their
remaining room today is a shared capacity of the clearing problem.

A candidate has no route if its link is closed today, if it is energy and no pipeline
carries it, or if the trip takes longer than the material's shelf life.
"""

from __future__ import annotations

import mmap
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mfcsim.engine.market import Market
    from mfcsim.engine.transport import Transport
    from mfcsim.network import Route, TransportNetwork
    from mfcsim.world import World


#: Up to this many firms, pair distances are cached in a dense matrix (8 bytes a pair, but
#: allocated zeroed by the system: only the pages of pairs met take memory).
DENSE_FIRMS = 16384
#: Bits per axis of the Morton (Z-order) code that lays the matrix out by place.
MORTON_BITS = 16


def morton_slots(positions_km: np.ndarray) -> np.ndarray:
    """Each firm's row (and column) in the distance matrix: firms in Z-order of their place.

    Firms near each other get nearby slots, so the pairs the agent meets (mostly near
    neighbours) fall on few memory pages; the distances stored are the same whatever the
    order.

    Args:
        positions_km: Planar positions (n, 2), km.
    """
    n = len(positions_km)
    low, high = positions_km.min(axis=0), positions_km.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    top = (1 << MORTON_BITS) - 1
    cells = np.clip(((positions_km - low) / span * top).astype(np.int64), 0, top)
    code = np.zeros(n, dtype=np.int64)
    for bit in range(MORTON_BITS):
        code |= ((cells[:, 0] >> bit) & 1) << (2 * bit)
        code |= ((cells[:, 1] >> bit) & 1) << (2 * bit + 1)
    slots = np.empty(n, dtype=np.int64)
    slots[np.argsort(code, kind="stable")] = np.arange(n)
    return slots


def zeroed_matrix(n: int) -> np.ndarray:
    """An n × n float matrix of zeros whose 4 KB pages take memory only once written.

    ``np.zeros`` of a large array asks the kernel for transparent huge pages (2 MB), so one
    pair met makes 26 rows of a 10,000-firm matrix resident; an anonymous memory map is
    zero-filled by the kernel page by page instead, and told not to use huge pages.
    """
    if n == 0:
        return np.zeros((0, 0))
    memory = mmap.mmap(-1, n * n * 8)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # Linux: no huge pages even where they are the default
        memory.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(memory, dtype=np.float64).reshape(n, n)


class RouteTable:
    """Road and pipeline routes of candidate deliveries, computed over arrays.

    Args:
        world: The run's catalogue (firms, materials and their masses and shelf lives).
        network: Distances, modes and pipelines.
        market: The carbon price.
        transport: Routes between firms, pipelines' room today and the labels of modes.
    """

    def __init__(
        self, world: World, network: TransportNetwork, market: Market, transport: Transport
    ) -> None:
        self.network, self.market, self.transport = network, market, transport
        self.n_firms, self.n_materials = len(world.firm_ids), len(world.materials)
        net = network.spec
        self.mode_name = net.default_mode
        self.mode = net.modes[net.default_mode]
        self.ids = list(world.firm_ids)
        self.mass_t_per_unit = np.asarray(world.mass_t_per_unit, dtype=float)
        self.is_energy = np.asarray(world.is_energy, dtype=bool)
        self.shelf_life_day = np.asarray(world.shelf_life_day, dtype=float)
        #: EUR and t CO2e per t·km of a road lot of each material: the mode's, or those of
        #: the fleet that carries it if it gives ``agent_load_factor``.
        self.cost_per_tkm = np.full(self.n_materials, float(self.mode.cost))
        self.co2e_per_tkm = np.full(self.n_materials, float(self.mode.co2e))
        for m in range(self.n_materials) if transport.fleets is not None else ():
            assert transport.fleets is not None
            priced = transport.fleets.agent_tkm_factors(self.mode_name, m)
            if priced is not None:
                self.cost_per_tkm[m], self.co2e_per_tkm[m] = priced
        firm_index = {fid: i for i, fid in enumerate(world.firm_ids)}
        self.pipe_codes = np.unique(
            np.array(
                [
                    self._code(firm_index[s], firm_index[t], world.material_index[m])
                    for s, t, m in network.pipelines
                    if s in firm_index and t in firm_index
                ],
                dtype=np.int64,
            )
        )
        # km of the firm pairs met so far: a matrix (0: not yet met, or 0 km, which is
        # simply looked up again) for up to DENSE_FIRMS firms, else a table of pair codes
        # (source × n_firms + target), sorted
        self._km = zeroed_matrix(self.n_firms) if self.n_firms <= DENSE_FIRMS else None
        if self._km is not None and self.n_firms:
            self._slot = morton_slots(np.asarray(network.positions_km(), dtype=float))
            self._firm_at = np.argsort(self._slot)
        self._pair_codes = np.empty(0, dtype=np.int64)
        self._pair_km = np.empty(0)
        self._rooms: dict[tuple[int, int, int], int] = {}
        self._room: list[float] = []
        self._closed = np.empty(0, dtype=np.int64)

    def _code(self, source: int, target: int, m: int) -> int:
        return (source * self.n_firms + target) * self.n_materials + m

    def _piped(self, source: np.ndarray, target: np.ndarray, m: np.ndarray) -> np.ndarray:
        """True where a pipeline carries ``m`` from ``source`` to ``target``."""
        if not len(self.pipe_codes):
            return np.zeros(len(source), dtype=bool)
        return np.isin((source * self.n_firms + target) * self.n_materials + m, self.pipe_codes)

    def new_day(self) -> None:
        """Forget yesterday's pipeline rooms; read today's closed links."""
        self._rooms, self._room = {}, []
        n = self.n_firms
        closed = [min(p) * n + max(p) for p, count in self.transport.closed.items() if count > 0]
        self._closed = np.array(sorted(closed), dtype=np.int64)

    def capacity(self) -> np.ndarray:
        """Today's room of each pipeline met so far, by the capacity index of the columns."""
        return np.array(self._room, dtype=float)

    def forget_distances(self) -> None:
        """Drop the pair distances met so far (at 10,000 firms the matrix holds ~0.8 GB).

        Only a cache: a later :meth:`distance_km` asks the network again, for the same
        numbers. The engine calls this once the days are over, before the results frames
        are built.
        """
        if self._km is not None:
            self._km = zeroed_matrix(self.n_firms)
        self._pair_codes = np.empty(0, dtype=np.int64)
        self._pair_km = np.empty(0)

    def _network_km(self, codes: np.ndarray) -> np.ndarray:
        """Road km of firm pairs (by pair code) from the network."""
        source, target = np.divmod(codes, self.n_firms)
        return self.network.distances_km(source, target)

    def distance_km(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Route length of firm pairs on the road network (km)."""
        if self._km is not None:  # rows and columns by place (morton_slots)
            codes = self._slot[source] * self.n_firms + self._slot[target]
            km = self._km.ravel().take(codes)
            new = km == 0.0
            if new.any():
                fresh, where = np.unique(codes[new], return_inverse=True)
                row, col = np.divmod(fresh, self.n_firms)
                fresh_km = self.network.distances_km(self._firm_at[row], self._firm_at[col])
                self._km.ravel()[fresh] = fresh_km
                km[new] = fresh_km[where]
            return km
        codes = source * self.n_firms + target
        pos = np.searchsorted(self._pair_codes, codes)
        known = pos < len(self._pair_codes)
        known[known] = self._pair_codes[pos[known]] == codes[known]
        if not known.all():
            new = np.unique(codes[~known])
            km = self._network_km(new)
            codes_all = np.concatenate([self._pair_codes, new])
            order = np.argsort(codes_all, kind="stable")
            self._pair_codes = codes_all[order]
            self._pair_km = np.concatenate([self._pair_km, km])[order]
            pos = np.searchsorted(self._pair_codes, codes)
        return self._pair_km[pos]

    def columns(
        self, source: np.ndarray, target: np.ndarray, m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(has a route, cost per unit shipped EUR, km, pipeline capacity index or -1)."""
        n = len(source)
        ok = np.ones(n, dtype=bool)
        if len(self._closed):
            pair = np.minimum(source, target) * self.n_firms + np.maximum(source, target)
            ok &= ~np.isin(pair, self._closed)
        piped = np.zeros(n, dtype=bool)
        if len(self.pipe_codes):
            piped = np.isin(
                (source * self.n_firms + target) * self.n_materials + m, self.pipe_codes
            )
        road = ok & ~piped & ~self.is_energy[m]
        km = np.zeros(n)
        cost = np.zeros(n)
        cap = np.full(n, -1, dtype=np.int64)
        if road.any():
            km[road] = self.distance_km(source[road], target[road])
            road &= ~(km / self.mode.speed > self.shelf_life_day[m])
            tkm = self.mass_t_per_unit[m[road]] * km[road]
            carbon = self.market.carbon_price * self.co2e_per_tkm[m[road]] * tkm
            cost[road] = tkm * self.cost_per_tkm[m[road]] + 0.0 + carbon
        for row in np.flatnonzero(ok & piped).tolist():
            key = (int(source[row]), int(target[row]), int(m[row]))
            route = self.transport.route(*key)
            if route.duration_day > self.shelf_life_day[key[2]]:
                continue
            road[row] = True
            km[row], cost[row] = route.distance_km, self._cost_per_unit(key[2], route)
            cap[row] = self._room_index(key, route)
        return road, cost, km, cap

    def _room_index(self, key: tuple[int, int, int], route: Route) -> int:
        if key not in self._rooms:
            self._rooms[key] = len(self._room)
            self._room.append(self.transport.pipeline_room(*key, route))
        return self._rooms[key]

    def _cost_per_unit(self, m: int, route: Route) -> float:
        tkm = float(self.mass_t_per_unit[m]) * route.distance_km
        carbon = self.market.carbon_price * route.co2e_t_per_tkm * tkm
        return tkm * route.cost_eur_per_unit_km + route.cost_eur_per_unit + carbon

    def legs(
        self, source: np.ndarray, target: np.ndarray, m: np.ndarray, km: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Route attributes of chosen deliveries, as :meth:`Transport.ship_many` takes them."""
        n = len(source)
        code = self.transport.code
        legs = {
            "distance_km": km.astype(float),
            "duration_day": km / self.mode.speed,
            "cost_eur_per_unit_km": np.full(n, self.mode.cost),
            "cost_eur_per_unit": np.zeros(n),
            "co2e_t_per_tkm": np.full(n, self.mode.co2e),
            "mode": np.full(n, code(self.mode_name), dtype=np.int64),
        }
        for row in np.flatnonzero(self._piped(source, target, m)).tolist():
            route = self.transport.route(int(source[row]), int(target[row]), int(m[row]))
            legs["distance_km"][row] = route.distance_km
            legs["duration_day"][row] = route.duration_day
            legs["cost_eur_per_unit_km"][row] = route.cost_eur_per_unit_km
            legs["cost_eur_per_unit"][row] = route.cost_eur_per_unit
            legs["co2e_t_per_tkm"][row] = route.co2e_t_per_tkm
            legs["mode"][row] = code(route.mode)
        return legs
