"""The regional agent inside a run: collect offers and requests, clear, dispatch.

This is the thin, SimPy-side part; the decisions are the pure policies of
:mod:`mfcsim.agent.clearing`. It runs as the ``clear`` phase of each day (see
:mod:`mfcsim.simulation`): offers are today's surplus after production and contracts,
requests are what each firm will lack tomorrow after counting its stock and the goods on
their way to it. Matches leave at once; unserved needs are imported the next morning, as a
last resort.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any

import numpy as np

from mfcsim.agent.clearing import (
    POLICIES,
    Arc,
    ClearingProblem,
    Offer,
    Request,
    nearest_arcs,
    total_cost,
)
from mfcsim.network import Route

if TYPE_CHECKING:
    from mfcsim.firms.base import Firm
    from mfcsim.simulation import Simulation


class _Routes(Mapping[tuple[int, int, int], Route]):
    """The routes of a day's arcs, read from the agent's route cache without copying it."""

    def __init__(self, cache: dict[tuple[int, int, int], Any]) -> None:
        self._cache = cache

    def __getitem__(self, key: tuple[int, int, int]) -> Route:
        hit = self._cache[key]
        if hit is None:
            raise KeyError(key)
        return hit[0]  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return (key for key, hit in self._cache.items() if hit is not None)

    def __len__(self) -> int:
        return sum(1 for hit in self._cache.values() if hit is not None)


#: EUR per unit added to a buyer's shortfall cost, so buyers' orders are served first.
BUYER_PRIORITY_EUR = 1e4


class RegionalAgent:
    """Clears the regional market once a day with the scenario's policy.

    Attributes:
        seconds_total: Wall time spent building and solving clearing problems.
        objective_total: Sum of the daily objectives (EUR), as judged by ``total_cost``.
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.spec = sim.scenario.agent
        self.policy = POLICIES[self.spec.policy]
        self.seconds_total = 0.0
        #: Wall time (s) of each day's clearing, in order, for benchmarks.
        self.day_seconds: list[float] = []
        self.objective_total = 0.0
        self.days_cleared = 0
        self.positions_km = sim.network.positions_km()
        self.kept = np.zeros(sim.stock[:-1].shape, dtype=bool)
        for firm in sim.firms:
            self.kept[firm.index, list(firm.kept_materials)] = True
        self.firm_exports = np.array([f.spec.exports for f in sim.firms], dtype=bool)
        self._cache_token: object = None
        self._cache: dict[
            tuple[int, int, int], tuple[Route, tuple[float, float, None], bool] | None
        ] = {}

    def clear(self, day: int) -> None:
        """Build today's problem, solve it, and ship the matches."""
        if self.spec.policy == "none" or day + 1 >= self.sim.horizon_day:
            return
        start = perf_counter()
        problem, routes = self.problem(day)
        matches = self.policy(problem)
        self.day_seconds.append(perf_counter() - start)
        self.seconds_total += self.day_seconds[-1]
        self.objective_total += total_cost(problem, matches)
        self.days_cleared += 1
        sim = self.sim
        for match in matches:
            offer = problem.offers[match.arc.offer]
            req = problem.requests[match.arc.request]
            sim.transport.ship(
                day,
                offer.firm,
                req.firm,
                offer.material,
                match.quantity,
                routes[(offer.firm, req.firm, offer.material)],
                requested=req.material,
                origin="agent",
            )

    def problem(self, day: int) -> tuple[ClearingProblem, Mapping[tuple[int, int, int], Route]]:
        """Today's offers, tomorrow's requests and the candidate arcs between them."""
        offers = self._offers()
        requests = self._all_requests(day + 1)
        capacities: dict[object, float] = {}
        cache = self._route_cache()

        def route(offer: Offer, req: Request) -> tuple[float, float, object] | None:
            key = (offer.firm, req.firm, offer.material)
            hit = cache.get(key, False)
            if hit is False:
                hit = cache[key] = self._route_entry(key)
            if hit is None:
                return None
            if hit[2]:  # a pipeline: its room today is a shared capacity
                capacities[key] = self.sim.pipeline_room(*key, hit[0])
                return hit[1][0], hit[1][1], key
            return hit[1]

        arcs: list[Arc] = nearest_arcs(
            offers, requests, route, self.sim.substitutes, self.spec.k_nearest, self.positions_km
        )
        return ClearingProblem(offers, requests, arcs, capacities), _Routes(cache)

    def _route_entry(
        self, key: tuple[int, int, int]
    ) -> tuple[Route, tuple[float, float, None], bool] | None:
        """(route, (cost per unit, km, None), is a pipeline) for a key, or None: no route."""
        found = self._route(*key)
        if found is None:
            return None
        cost = self._cost_per_unit(key[2], found)
        return found, (cost, found.distance_km, None), found.mode == "pipeline"

    def _route_cache(
        self,
    ) -> dict[tuple[int, int, int], tuple[Route, tuple[float, float, None], bool] | None]:
        """Routes and their cost per unit, kept while closures and the carbon price hold."""
        closed = self.sim.transport.closed
        token = (self.sim.market.carbon_price, tuple(sorted(
            (tuple(sorted(pair)), n) for pair, n in closed.items() if n > 0
        )))  # fmt: skip
        if token != self._cache_token:
            self._cache_token, self._cache = token, {}
        return self._cache

    def _route(self, source: int, target: int, m: int) -> Route | None:
        sim = self.sim
        if sim.transport.is_closed(source, target):
            return None
        route = sim.route(source, target, m)
        if route.mode != "pipeline" and sim.is_energy[m]:
            return None
        if route.duration_day > sim.shelf_life_day[m]:
            return None
        return route

    def _cost_per_unit(self, m: int, route: Route) -> float:
        tkm = float(self.sim.mass_t_per_unit[m]) * route.distance_km
        carbon = self.sim.market.carbon_price * route.co2e_t_per_tkm * tkm
        return tkm * route.cost_eur_per_unit_km + route.cost_eur_per_unit + carbon

    def _offers(self) -> list[Offer]:
        """Every active firm's surplus, with its leftover cost.

        Surplus: stock beyond one delivery of each contract, of materials the firm's own
        processes and orders do not use.

        Computed over the stock matrix at once; rows in firm order, then material order.
        """
        sim, market = self.sim, self.sim.market
        stock = sim.stock[:-1]
        active = np.fromiter((f.active for f in sim.firms), dtype=bool, count=len(sim.firms))
        surplus = np.maximum(stock - sim.reserved, 0.0)
        mask = (stock > 0.0) & ~self.kept & (surplus > 0.0) & active[:, None]
        f_idx, m_idx = np.nonzero(mask)
        exports = self.firm_exports[f_idx] & ~np.isnan(np.asarray(market.export_price))[m_idx]
        routes = [market.disposal(m) for m in range(len(sim.materials))]
        dispose = np.array([r.gate_fee + market.carbon_price * r.co2e for r in routes])
        leftover = np.where(
            exports,
            -np.nan_to_num(np.asarray(market.export_price, dtype=float))[m_idx],
            np.where(np.isinf(sim.capacity[f_idx, m_idx]), 0.0, dispose[m_idx]),
        )
        qty = surplus[f_idx, m_idx]
        return [
            Offer(f, m, q, c)
            for f, m, q, c in zip(
                f_idx.tolist(), m_idx.tolist(), qty.tolist(), leftover.tolist(), strict=True
            )
        ]

    def _all_requests(self, day: int) -> list[Request]:
        """Every firm's requests for ``day``, in firm order.

        Vectorised firms are done at once, as :meth:`_requests` would give them; the others
        go through their own hooks.
        """
        sim, kernel = self.sim, self.sim.kernel
        joined = np.array([f.spec.join_day <= day for f in sim.firms], dtype=bool)
        want = kernel.target(kernel.planned_for(day, joined))
        need = want - kernel.available(sim.transport.pending)
        rows = kernel.wanted & (joined & kernel.is_kernel)[:, None] & (need > 1e-9)
        f_idx, m_idx = np.nonzero(rows)
        order = np.lexsort((kernel.want_order[f_idx, m_idx], f_idx))
        by_firm: dict[int, list[Request]] = {}
        for f, m in zip(f_idx[order].tolist(), m_idx[order].tolist(), strict=True):
            by_firm.setdefault(f, []).append(self._request(sim.firms[f], m, float(need[f, m])))
        out: list[Request] = []
        for firm in sim.firms:
            out.extend(by_firm.get(firm.index, ()) if kernel.is_kernel[firm.index]
                       else self._requests(firm, day))  # fmt: skip
        return out

    def _request(self, firm: Firm, m: int, need: float) -> Request:
        """A request of ``need`` units of ``m``, with the cost of leaving it unserved."""
        market = self.sim.market
        if firm.spec.imports and market.importable(m):
            shortfall = (
                market.import_price[m]
                + market.import_penalty
                + market.carbon_price * market.import_co2e[m]
            )
        else:
            shortfall = self.spec.unmet_penalty
        if firm.spec.buyer:
            shortfall += BUYER_PRIORITY_EUR
        return Request(firm.index, m, need, 0 if firm.spec.buyer else 1, shortfall)

    def _requests(self, firm: Firm, day: int) -> list[Request]:
        if firm.spec.join_day > day:
            return []
        pending = self.sim.transport.pending[firm.index]
        out = []
        for m, want in firm.target_stock(day).items():
            need = want - firm.available(m, extra=pending)
            if need > 1e-9:
                out.append(self._request(firm, m, need))
        return out
