"""The regional agent inside a run: collect offers and requests, clear, dispatch.

This is the thin, SimPy-side part; the decisions are the pure policies of
:mod:`mfcsim.agent.clearing`. It runs as the ``clear`` phase of each day (see
:mod:`mfcsim.engine.simulation`): offers are today's surplus after production and contracts,
read from the run's stock arrays; requests are what each firm will lack tomorrow after
counting its stock and the goods on their way to it, handed over by the engine as columns
(:class:`RequestColumns`). Matches leave at once; unserved needs are imported the next
morning, as a last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter, process_time
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.agent.arcs import nearest_arc_columns
from mfcsim.agent.clearing import Allocation, ProblemArrays
from mfcsim.agent.neighbours import NeighbourIndex
from mfcsim.agent.policies import resolve_policy
from mfcsim.agent.pricing import PricedDays
from mfcsim.agent.routes import RouteTable

if TYPE_CHECKING:
    from mfcsim.engine.market import Market
    from mfcsim.engine.state import State
    from mfcsim.engine.transport import Transport
    from mfcsim.firms.base import Firm
    from mfcsim.network import TransportNetwork
    from mfcsim.scenario.agent import AgentSpec
    from mfcsim.world import World


#: EUR per unit added to a buyer's shortfall cost, so buyers' orders are served first.
BUYER_PRIORITY_EUR = 1e4


class RegionalAgent:
    """Clears the regional market once a day with the scenario's policy.

    Attributes:
        seconds_total: Wall time spent building and solving clearing problems.
    """

    def __init__(
        self,
        spec: AgentSpec,
        world: World,
        state: State,
        firms: list[Firm],
        network: TransportNetwork,
        market: Market,
        transport: Transport,
    ) -> None:
        self.spec, self.world, self.state = spec, world, state
        self.market, self.transport = market, transport
        self.allocate = resolve_policy(self.spec.policy)
        if self.spec.policy == "optimal":  # day after day: pricing starts from yesterday's arcs
            self.allocate = PricedDays(len(firms), len(world.materials))
        self.seconds_total = 0.0
        #: Wall time (s) of each day's clearing, in order, for benchmarks.
        self.day_seconds: list[float] = []
        #: CPU time (s) of each day's clearing, all the process's threads together.
        self.day_cpu_seconds: list[float] = []
        self.positions_km = network.positions_km()
        self.neighbours = NeighbourIndex(self.positions_km)
        self.kept = np.zeros(state.stock[:-1].shape, dtype=bool)
        for firm in firms:
            self.kept[firm.index, list(firm.kept_materials)] = True
        self.firm_exports = np.array([f.spec.exports for f in firms], dtype=bool)
        self.firm_imports = np.array([f.spec.imports for f in firms], dtype=bool)
        self.firm_buyer = np.array([f.spec.buyer for f in firms], dtype=bool)
        self.routes = RouteTable(world, network, market, transport)

    def clears_on(self, day: int) -> bool:
        """True if the agent clears on ``day``: a policy, from its start day, a tomorrow to come."""
        spec = self.spec
        return spec.policy != "none" and spec.start_day <= day and day + 1 < self.world.horizon_day

    def clear(self, day: int, requests: RequestColumns) -> None:
        """Build today's problem from ``requests`` (tomorrow's), solve it, ship the matches."""
        start, cpu_start = perf_counter(), process_time()
        problem = self.problem(requests)
        allocation = self.allocate(problem)
        self.day_seconds.append(perf_counter() - start)
        self.day_cpu_seconds.append(process_time() - cpu_start)
        self.seconds_total += self.day_seconds[-1]
        self._ship(day, problem, allocation)

    def _ship(self, day: int, problem: ProblemArrays, allocation: Allocation) -> None:
        """Dispatch the matches, in match order, along their routes."""
        arcs, quantity = allocation
        offer, request = problem.arc_offer[arcs], problem.arc_request[arcs]
        source, target = problem.offer_firm[offer], problem.request_firm[request]
        m = problem.offer_material[offer]
        self.transport.ship_many(
            day, source, target, m, quantity,
            **self.routes.legs(source, target, m, problem.arc_km[arcs]),
            requested=problem.request_material[request], origin="agent",
        )  # fmt: skip

    def problem(self, requests: RequestColumns) -> ProblemArrays:
        """Today's offers, tomorrow's ``requests`` and the candidate arcs between them."""
        offer_firm, offer_material, offer_quantity, offer_leftover = self._offers()
        req = _Requests(
            requests.firm, requests.material, requests.quantity,
            *self._shortfall(requests.firm, requests.material),
        )  # fmt: skip
        self.routes.new_day()
        arcs = nearest_arc_columns(
            offer_firm, offer_material, offer_quantity, req.firm, req.material,
            lambda o, r: self.routes.columns(offer_firm[o], req.firm[r], offer_material[o]),
            self.world.substitutes, self.spec.k_nearest, self.positions_km, self.neighbours,
            accepts=self.state.accepts[req.firm, req.material],
        )  # fmt: skip
        return ProblemArrays(
            offer_firm, offer_material, offer_quantity, offer_leftover,
            req.firm, req.material, req.quantity, req.priority, req.shortfall,
            arcs.offer, arcs.request, arcs.factor, arcs.cost, arcs.km, arcs.capacity,
            self.routes.capacity(),
        )  # fmt: skip

    def _offers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every active firm's surplus, with its leftover cost: (firm, material, units, EUR).

        Surplus: stock beyond one delivery of each contract, of materials the firm's own
        processes and orders do not use. Rows in firm order, then material order.
        """
        state, market = self.state, self.market
        stock = state.stock[:-1]
        active = state.active
        surplus = np.maximum(stock - state.reserved, 0.0)
        mask = (stock > 0.0) & ~self.kept & (surplus > 0.0) & active[:, None]
        f_idx, m_idx = np.nonzero(mask)
        exports = self.firm_exports[f_idx] & ~np.isnan(np.asarray(market.export_price))[m_idx]
        _, fee, co2e = market.disposal_arrays()
        dispose = fee + market.carbon_price * co2e
        leftover = np.where(
            exports,
            -np.nan_to_num(np.asarray(market.export_price, dtype=float))[m_idx],
            np.where(np.isinf(state.capacity[f_idx, m_idx]), 0.0, dispose[m_idx]),
        )
        return f_idx.astype(np.int64), m_idx.astype(np.int64), surplus[f_idx, m_idx], leftover

    def _shortfall(self, firm: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(priority, EUR per unit left unserved) of requests of firms ``firm`` for ``m``."""
        market = self.market
        price = np.asarray(market.import_price, dtype=float)
        imported = price + market.import_penalty
        imported = imported + market.carbon_price * np.asarray(market.import_co2e, dtype=float)
        can_import = self.firm_imports[firm] & ~np.isnan(price[m])
        shortfall = np.where(can_import, imported[m], self.spec.unmet_penalty)
        buyer = self.firm_buyer[firm]
        shortfall = np.where(buyer, shortfall + BUYER_PRIORITY_EUR, shortfall)
        return np.where(buyer, 0, 1).astype(np.int64), shortfall


@dataclass(frozen=True)
class RequestColumns:
    """A day's requests, as the engine hands them to the agent: one row per need, by firm.

    Attributes:
        firm: Firm index of each request (ascending).
        material: Material index (what the recipe or order names).
        quantity: Units needed.
    """

    firm: np.ndarray
    material: np.ndarray
    quantity: np.ndarray


@dataclass(frozen=True)
class _Requests:
    """A day's requests as columns (the fields of :class:`Request`)."""

    firm: np.ndarray
    material: np.ndarray
    quantity: np.ndarray
    priority: np.ndarray
    shortfall: np.ndarray
