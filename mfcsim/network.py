"""The regional transport network: distances, modes, pipelines and routes.

Distances come from explicit links where given (shortest path over them, with networkx),
otherwise from coordinates: the great-circle (haversine) distance for lat/lon, or the
straight line for x_km/y_km, times the network's detour factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from mfcsim.scenario.network import LocationSpec, PipelineSpec
from mfcsim.scenario.root import Scenario

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Route:
    """How a material travels from one firm to another.

    Attributes:
        mode: Mode name, or ``pipeline``.
        distance_km: Length of the route.
        duration_day: Lead time.
        cost_eur_per_unit_km: For modes, EUR per t·km; for pipelines 0 (see cost_eur_per_unit).
        cost_eur_per_unit: Fixed cost per unit delivered (pipelines).
        co2e_t_per_tkm: t CO2e per t·km.
        capacity_per_day: Units per day the route can carry (inf for roads).
    """

    mode: str
    distance_km: float
    duration_day: float
    cost_eur_per_unit_km: float
    cost_eur_per_unit: float
    co2e_t_per_tkm: float
    capacity_per_day: float


def haversine_km(a: LocationSpec, b: LocationSpec) -> float:
    """Great-circle distance between two lat/lon positions (km)."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, (a.lat or 0.0, a.lon or 0.0, b.lat or 0.0, b.lon or 0.0)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def straight_km(a: LocationSpec, b: LocationSpec) -> float:
    """Distance between two planar positions (km)."""
    return math.hypot((a.x_km or 0.0) - (b.x_km or 0.0), (a.y_km or 0.0) - (b.y_km or 0.0))


def _planar_km(locs: list[LocationSpec]) -> np.ndarray:
    """Planar positions (km): x_km/y_km as given, lat/lon projected (see positions_km)."""
    if not locs or not locs[0].geographic:
        return np.array([[loc.x_km or 0.0, loc.y_km or 0.0] for loc in locs])
    lat = np.radians([loc.lat or 0.0 for loc in locs])
    lon = np.radians([loc.lon or 0.0 for loc in locs])
    x = EARTH_RADIUS_KM * lon * np.cos(lat.mean())
    return np.column_stack([x, EARTH_RADIUS_KM * lat])


class TransportNetwork:
    """Distances and routes between the firms of a scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.spec = scenario.network
        self.graph = None
        if self.spec.links:  # networkx is imported only for scenarios with explicit links
            import networkx as nx

            self._nx = nx
            self.graph = nx.Graph()
            for link in self.spec.links:
                self.graph.add_edge(link.source, link.target, distance_km=link.distance)
        self.pipelines: dict[tuple[str, str, str], PipelineSpec] = {
            (p.source, p.target, m): p for p in self.spec.pipelines for m in p.materials
        }
        self.distance_km = cache(self._distance_km)
        self._ids = list(scenario.firms)
        self._locations = [f.location for f in scenario.firms.values()]
        self._positions_km = _planar_km(self._locations)

    def _distance_km(self, source: str, target: str) -> float:
        if source == target:
            return 0.0
        if (
            self.graph is not None
            and source in self.graph
            and target in self.graph
            and self._nx.has_path(self.graph, source, target)
        ):
            return float(
                self._nx.shortest_path_length(self.graph, source, target, weight="distance_km")
            )
        a = self.scenario.firms[source].location
        b = self.scenario.firms[target].location
        crow = haversine_km(a, b) if a.geographic else straight_km(a, b)
        return crow * self.spec.detour_factor

    def distances_km(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """:meth:`distance_km` of many pairs, firms by index in the scenario (bit for bit).

        Without explicit links, planar pairs take their
        differences in numpy and ``math.hypot`` pair by pair (numpy's hypot can differ in
        the last bit), great circles go through :func:`haversine_km` pair by pair.
        """
        ids, locs, detour = self._ids, self._locations, self.spec.detour_factor
        if self.graph is None and locs and not locs[0].geographic:
            d = self._positions_km[source] - self._positions_km[target]
            crow = map(math.hypot, d[:, 0].tolist(), d[:, 1].tolist())
            return np.fromiter(crow, dtype=float, count=len(d)) * detour
        pairs = zip(source.tolist(), target.tolist(), strict=True)
        if self.graph is not None:
            km = [self.distance_km(ids[s], ids[t]) for s, t in pairs]
        else:
            km = [haversine_km(locs[s], locs[t]) * detour if s != t else 0.0 for s, t in pairs]
        return np.array(km, dtype=float)

    def distance_matrix_km(self, firms: np.ndarray) -> np.ndarray:
        """Distances between every pair of ``firms`` (indices in the scenario), a square matrix.

        For planar positions without explicit links it is computed in numpy (numpy's hypot:
        an entry may differ from :meth:`distance_km` in the last bit; for decisions such as
        the fleets' savings, not for accounts); otherwise by :meth:`distances_km`.
        """
        n = len(firms)
        if self.graph is None and self._locations and not self._locations[0].geographic:
            xy = self._positions_km[firms]
            d = xy[:, None, :] - xy[None, :, :]
            return np.asarray(np.hypot(d[..., 0], d[..., 1]) * self.spec.detour_factor)
        return self.distances_km(np.repeat(firms, n), np.tile(firms, n)).reshape(n, n)

    def positions_km(self) -> np.ndarray:
        """Planar positions (km) of the firms in scenario order, for nearest-neighbour search.

        Lat/lon are projected equirectangularly around the mean latitude, which keeps
        distances within a region of some 100 km to well under 1 %.
        """
        return self._positions_km

    def pipeline(self, source: str, target: str, material: str) -> PipelineSpec | None:
        """The pipeline carrying ``material`` from ``source`` to ``target``, if any."""
        return self.pipelines.get((source, target, material))

    def route(self, source: str, target: str, material: str, mode: str | None = None) -> Route:
        """The route for ``material``: its pipeline if one exists (unless a mode is asked)."""
        pipe = self.pipeline(source, target, material) if mode is None else None
        if pipe is not None:
            km = pipe.distance if pipe.distance is not None else self.distance_km(source, target)
            return Route("pipeline", km, km / pipe.speed, 0.0, pipe.cost, 0.0, pipe.capacity)
        name = mode or self.spec.default_mode
        spec = self.spec.modes[name]
        km = self.distance_km(source, target)
        return Route(name, km, km / spec.speed, spec.cost, 0.0, spec.co2e, math.inf)
