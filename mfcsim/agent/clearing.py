"""Daily clearing of offers and requests: pure functions, no SimPy, no simulation state.

A :class:`ClearingProblem` holds the day's offers (surplus a firm can give), requests (what a
firm needs, buyers first) and candidate arcs (an offer that may serve a request, possibly a
substitute with a conversion factor, with its cost per unit shipped). A policy turns it into
:class:`Match` es. Every policy is judged by the same :func:`total_cost`:

    cost = Σ arcs  x · cost_per_unit
         + Σ offers (supply − shipped) · leftover_cost        (disposal fee, or − export price)
         + Σ requests (need − served) · shortfall_cost         (import price + penalty, or unmet)

``optimal`` minimises it exactly as a sparse linear program (HiGHS, :mod:`mfcsim.agent.lp`),
subject to supply, need and pipeline capacities, solved by parts and by pricing
(:mod:`mfcsim.agent.pricing`). ``greedy`` serves requests in priority order
from the nearest offers, a fast heuristic that can never beat ``optimal``; ``augment``
(:mod:`mfcsim.agent.augment`) walks the arcs in the order of their gain and then reroutes
along short augmenting paths: near ``optimal``'s allocation at about greedy's speed.

Two forms of the same thing: the objects above, readable and used in tests, and columns
(:class:`ProblemArrays`), which the agent builds and the policies work on (``allocate_*``;
``clear_*`` wrap them for the objects). :func:`mfcsim.agent.arcs.nearest_arc_columns` chooses
the candidate arcs (:func:`nearest_arcs` for objects).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mfcsim.agent.arcs import nearest_arc_columns
from mfcsim.agent.augment import allocate_augment, walk
from mfcsim.agent.lp import Allocation, ClearingError, gains, no_allocation
from mfcsim.agent.order import blocks_in_order, sort_within_blocks
from mfcsim.agent.pricing import solve_by_parts

__all__ = ["Allocation", "ClearingError"]  # re-exported: part of this module's interface


@dataclass(frozen=True, slots=True)
class Offer:
    """Surplus a firm can give today.

    Attributes:
        firm: Firm index.
        material: Material index.
        quantity: Units available.
        leftover_cost: EUR per unit not taken (a disposal fee, or minus an export price).
    """

    firm: int
    material: int
    quantity: float
    leftover_cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Request:
    """A need for a material, to be on hand tomorrow.

    Attributes:
        firm: Firm index.
        material: Material index (what the recipe or order names).
        quantity: Units needed.
        priority: 0 for buyers' daily orders (served first), higher for others.
        shortfall_cost: EUR per unit left unserved by the region (import or unmet).
    """

    firm: int
    material: int
    quantity: float
    priority: int = 1
    shortfall_cost: float = 1e6


@dataclass(frozen=True, slots=True)
class Arc:
    """A candidate delivery: offer ``offer`` may serve request ``request``.

    Attributes:
        offer: Index into the problem's offers.
        request: Index into the problem's requests.
        factor: Request units served per unit shipped (1, or a substitution ratio).
        cost_per_unit: EUR per unit shipped (transport, pipeline fee, carbon).
        distance_km: Route length, for the greedy order.
        capacity_key: Key of a shared capacity (a pipeline), or None.
    """

    offer: int
    request: int
    factor: float
    cost_per_unit: float
    distance_km: float
    capacity_key: object = None


@dataclass(frozen=True, slots=True)
class Match:
    """Ship ``quantity`` units of the offer's material along ``arc``."""

    arc: Arc
    quantity: float

    @property
    def served(self) -> float:
        """Request units this match serves."""
        return self.quantity * self.arc.factor


@dataclass(frozen=True)
class ClearingProblem:
    """One day's clearing problem."""

    offers: Sequence[Offer]
    requests: Sequence[Request]
    arcs: Sequence[Arc]
    capacities: dict[object, float] = field(default_factory=dict)


def _floats(values: Sequence[float]) -> np.ndarray:
    return np.array(values, dtype=float).reshape(len(values))


def _ints(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64).reshape(len(values))


@dataclass(frozen=True)
class ProblemArrays:
    """A clearing problem as columns: what the policies work on.

    Offers, requests and arcs are rows of parallel arrays (the fields of :class:`Offer`,
    :class:`Request` and :class:`Arc`); ``arc_capacity`` indexes ``capacity`` (the room of a
    shared capacity such as a pipeline), or is -1.
    """

    offer_firm: np.ndarray
    offer_material: np.ndarray
    offer_quantity: np.ndarray
    offer_leftover: np.ndarray
    request_firm: np.ndarray
    request_material: np.ndarray
    request_quantity: np.ndarray
    request_priority: np.ndarray
    request_shortfall: np.ndarray
    arc_offer: np.ndarray
    arc_request: np.ndarray
    arc_factor: np.ndarray
    arc_cost: np.ndarray
    arc_km: np.ndarray
    arc_capacity: np.ndarray
    capacity: np.ndarray

    @classmethod
    def from_problem(cls, problem: ClearingProblem) -> ProblemArrays:
        """The columns of an object problem; capacity keys become indices (-1: none)."""
        keys = {key: i for i, key in enumerate(problem.capacities)}
        offers, requests, arcs = problem.offers, problem.requests, problem.arcs
        return cls(
            offer_firm=_ints([o.firm for o in offers]),
            offer_material=_ints([o.material for o in offers]),
            offer_quantity=_floats([o.quantity for o in offers]),
            offer_leftover=_floats([o.leftover_cost for o in offers]),
            request_firm=_ints([r.firm for r in requests]),
            request_material=_ints([r.material for r in requests]),
            request_quantity=_floats([r.quantity for r in requests]),
            request_priority=_ints([r.priority for r in requests]),
            request_shortfall=_floats([r.shortfall_cost for r in requests]),
            arc_offer=_ints([a.offer for a in arcs]),
            arc_request=_ints([a.request for a in arcs]),
            arc_factor=_floats([a.factor for a in arcs]),
            arc_cost=_floats([a.cost_per_unit for a in arcs]),
            arc_km=_floats([a.distance_km for a in arcs]),
            arc_capacity=_ints([keys.get(a.capacity_key, -1) for a in arcs]),
            capacity=_floats(list(problem.capacities.values())),
        )


def _matches(problem: ClearingProblem, allocation: Allocation) -> list[Match]:
    arcs, quantity = allocation
    return [
        Match(problem.arcs[a], q) for a, q in zip(arcs.tolist(), quantity.tolist(), strict=True)
    ]


def allocation_cost(p: ProblemArrays, allocation: Allocation) -> float:
    """:func:`total_cost` of an allocation on the columns.

    Sums of products, not ``@``: a BLAS dot product of over 10,000 terms starts threads
    (OpenBLAS), which took 8 ms a call on the 2-core machine when the other core was busy.
    """
    arcs, quantity = allocation
    shipped = np.bincount(p.arc_offer[arcs], quantity, minlength=len(p.offer_quantity))
    served = np.bincount(
        p.arc_request[arcs], quantity * p.arc_factor[arcs], minlength=len(p.request_quantity)
    )
    unserved = np.maximum(p.request_quantity - served, 0.0)
    return float(
        np.sum(quantity * p.arc_cost[arcs])
        + np.sum((p.offer_quantity - shipped) * p.offer_leftover)
        + np.sum(unserved * p.request_shortfall)
    )


def total_cost(problem: ClearingProblem, matches: Sequence[Match]) -> float:
    """The objective every policy is judged by (EUR), see the module docstring.

    The objects' form of :func:`allocation_cost`: the matches' arcs become the columns.
    """
    used = ClearingProblem(problem.offers, problem.requests, [m.arc for m in matches])
    quantity = np.array([m.quantity for m in matches], dtype=float)
    return allocation_cost(ProblemArrays.from_problem(used), (np.arange(len(matches)), quantity))


def allocate_none(p: ProblemArrays) -> Allocation:
    """No clearing: nothing is shipped (firms import what they lack)."""
    return no_allocation()


def greedy_order(p: ProblemArrays) -> np.ndarray:
    """The arcs in the order ``greedy`` walks them.

    By request priority and index, then own material (and substitutes of factor 1) before
    factored substitutes, then route km; ties in arc order: ``np.lexsort((km, factor != 1,
    rank))``. Arcs grouped by request (as :func:`nearest_arc_columns` gives them) are
    ordered block by block, which gives the same permutation faster.
    """
    rank = np.empty(len(p.request_quantity), dtype=np.int64)
    by_rank = np.lexsort((np.arange(len(rank)), p.request_priority))
    rank[by_rank] = np.arange(len(rank))
    factored = p.arc_factor != 1.0
    blocks = blocks_in_order(p.arc_request, by_rank)
    if blocks is None:
        return np.lexsort((p.arc_km, factored, rank[p.arc_request]))
    within = sort_within_blocks(rank[p.arc_request[blocks]], (p.arc_km[blocks], factored[blocks]))
    return blocks[within]


def allocate_greedy(p: ProblemArrays) -> Allocation:
    """Each request in priority order takes from its nearest offers (a heuristic).

    The arcs are walked once (:func:`~mfcsim.agent.augment.walk`) in :func:`greedy_order`,
    arcs that do not pay left out.
    """
    order = greedy_order(p)
    return walk(p, order[gains(p)[order] > 0.0])


def allocate_optimal(p: ProblemArrays) -> Allocation:
    """The min-cost allocation as a sparse LP (HiGHS), solved by parts and by pricing.

    The LP is the packing form of :mod:`mfcsim.agent.lp`;
    :func:`~mfcsim.agent.pricing.solve_by_parts` solves each connected part of it by column
    generation, which certifies the optimum of the whole LP. The agent, which solves day
    after day, starts each day's pricing from the arcs used the day before as well
    (:class:`~mfcsim.agent.pricing.PricedDays`).

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    return solve_by_parts(p)


def clear_none(problem: ClearingProblem) -> list[Match]:
    """Policy ``none``: no clearing at all."""
    return []


def clear_greedy(problem: ClearingProblem) -> list[Match]:
    """Policy ``greedy``: each request in priority order takes from its nearest offers.

    Own material comes before substitutes; an arc is used only if shipping costs less than
    leaving the need unserved. A heuristic: fast, never better than :func:`clear_optimal`.
    """
    return _matches(problem, allocate_greedy(ProblemArrays.from_problem(problem)))


def clear_augment(problem: ClearingProblem) -> list[Match]:
    """Policy ``augment``: greedy in the order of gain, improved by augmenting paths.

    Near ``optimal``'s allocation at about greedy's speed; see :mod:`mfcsim.agent.augment`
    for the algorithm, its guarantees and its limits.
    """
    return _matches(problem, allocate_augment(ProblemArrays.from_problem(problem)))


def clear_optimal(problem: ClearingProblem) -> list[Match]:
    """Policy ``optimal``: the min-cost allocation, as a sparse LP solved by HiGHS.

    Variables: x (units shipped per arc) and s (unserved units per request).
    min Σ (cost − leftover_cost of its offer)·x + Σ shortfall_cost·s
    s.t. per request Σ factor·x + s = need; per offer Σ x ≤ supply; per pipeline Σ x ≤ capacity
    (solved in the equivalent form without s, see :func:`allocate_optimal`).

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    return _matches(problem, allocate_optimal(ProblemArrays.from_problem(problem)))


ALLOCATORS: dict[str, Callable[[ProblemArrays], Allocation]] = {
    "none": allocate_none,
    "greedy": allocate_greedy,
    "augment": allocate_augment,
    "optimal": allocate_optimal,
}


POLICIES: dict[str, Callable[[ClearingProblem], list[Match]]] = {
    "none": clear_none,
    "greedy": clear_greedy,
    "augment": clear_augment,
    "optimal": clear_optimal,
}


def nearest_arcs(
    offers: Sequence[Offer],
    requests: Sequence[Request],
    route: Callable[[Offer, Request], tuple[float, float, object] | None],
    substitutes: dict[int, list[tuple[int, float]]],
    k: int,
    positions_km: np.ndarray,
) -> list[Arc]:
    """Candidate arcs: for each request and each acceptable material, the k nearest offers.

    The object form of :func:`nearest_arc_columns` (same arcs, same order).

    Args:
        offers: Today's offers.
        requests: Today's requests.
        route: (offer, request) → (cost per unit shipped, distance km, capacity key), or
            None where no route exists (closed link, energy without a pipeline).
        substitutes: material → [(substitute material, request units per unit)], excluding
            the material itself.
        k: How many nearest offers per request and material to keep.
        positions_km: Planar position (x, y in km) of every firm, by firm index.
    """
    keys: list[object] = []

    def routes(offer_rows: np.ndarray, request_rows: np.ndarray) -> tuple[np.ndarray, ...]:
        n = len(offer_rows)
        ok, cost, km = np.zeros(n, dtype=bool), np.zeros(n), np.zeros(n)
        cap = np.full(n, -1, dtype=np.int64)
        for row, (i, j) in enumerate(zip(offer_rows.tolist(), request_rows.tolist(), strict=True)):
            hit = route(offers[i], requests[j])
            if hit is not None:
                ok[row], cost[row], km[row] = True, hit[0], hit[1]
                if hit[2] is not None:
                    cap[row] = len(keys)
                    keys.append(hit[2])
        return ok, cost, km, cap

    cols = nearest_arc_columns(
        _ints([o.firm for o in offers]),
        _ints([o.material for o in offers]),
        _floats([o.quantity for o in offers]),
        _ints([r.firm for r in requests]),
        _ints([r.material for r in requests]),
        routes,  # type: ignore[arg-type]
        substitutes,
        k,
        positions_km,
    )
    return [
        Arc(i, j, f, c, d, keys[key] if key >= 0 else None)
        for i, j, f, c, d, key in zip(
            cols.offer.tolist(), cols.request.tolist(), cols.factor.tolist(),
            cols.cost.tolist(), cols.km.tolist(), cols.capacity.tolist(), strict=True,
        )
    ]  # fmt: skip
