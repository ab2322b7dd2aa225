"""Daily clearing of offers and requests: pure functions, no SimPy, no simulation state.

A :class:`ClearingProblem` holds the day's offers (surplus a firm can give), requests (what a
firm needs, buyers first) and candidate arcs (an offer that may serve a request, possibly a
substitute with a conversion factor, with its cost per unit shipped). A policy turns it into
:class:`Match` es. Every policy is judged by the same :func:`total_cost`:

    cost = Σ arcs  x · cost_per_unit
         + Σ offers (supply − shipped) · leftover_cost        (disposal fee, or − export price)
         + Σ requests (need − served) · shortfall_cost         (import price + penalty, or unmet)

``optimal`` minimises it exactly as a sparse linear program (scipy ``linprog`` with HiGHS),
subject to supply, need and pipeline capacities. ``greedy`` serves requests in priority order
from the nearest offers, a fast heuristic that can never beat ``optimal``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mfcsim.errors import MfcsimError


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


class ClearingError(MfcsimError, RuntimeError):
    """The solver failed on a clearing problem (it should always be feasible)."""


def total_cost(problem: ClearingProblem, matches: Sequence[Match]) -> float:
    """The objective every policy is judged by (EUR), see the module docstring."""
    shipped = np.zeros(len(problem.offers))
    served = np.zeros(len(problem.requests))
    cost = 0.0
    for m in matches:
        shipped[m.arc.offer] += m.quantity
        served[m.arc.request] += m.served
        cost += m.quantity * m.arc.cost_per_unit
    for i, offer in enumerate(problem.offers):
        cost += (offer.quantity - shipped[i]) * offer.leftover_cost
    for j, req in enumerate(problem.requests):
        cost += max(req.quantity - served[j], 0.0) * req.shortfall_cost
    return cost


def clear_none(problem: ClearingProblem) -> list[Match]:
    """Policy ``none``: no clearing at all."""
    return []


def clear_greedy(problem: ClearingProblem) -> list[Match]:
    """Policy ``greedy``: each request in priority order takes from its nearest offers.

    Own material comes before substitutes; an arc is used only if shipping costs less than
    leaving the need unserved. A heuristic: fast, never better than :func:`clear_optimal`.
    """
    left = [o.quantity for o in problem.offers]
    room = dict(problem.capacities)
    by_request: dict[int, list[Arc]] = {}
    for arc in problem.arcs:
        by_request.setdefault(arc.request, []).append(arc)
    order = sorted(range(len(problem.requests)), key=lambda j: (problem.requests[j].priority, j))
    matches = []
    for j in order:
        req = problem.requests[j]
        need = req.quantity
        arcs = sorted(by_request.get(j, []), key=lambda a: (a.factor != 1.0, a.distance_km))
        for arc in arcs:
            if need <= 1e-12:
                break
            offer = problem.offers[arc.offer]
            gain = req.shortfall_cost * arc.factor + offer.leftover_cost - arc.cost_per_unit
            if gain <= 0.0:
                continue
            qty = min(left[arc.offer], need / arc.factor, room.get(arc.capacity_key, math.inf))
            if qty <= 1e-12:
                continue
            left[arc.offer] -= qty
            if arc.capacity_key in room:
                room[arc.capacity_key] -= qty
            need -= qty * arc.factor
            matches.append(Match(arc, qty))
    return matches


def clear_optimal(problem: ClearingProblem) -> list[Match]:
    """Policy ``optimal``: the min-cost allocation, as a sparse LP solved by HiGHS.

    Variables: x (units shipped per arc) and s (unserved units per request).
    min Σ (cost − leftover_cost of its offer)·x + Σ shortfall_cost·s
    s.t. per request Σ factor·x + s = need; per offer Σ x ≤ supply; per pipeline Σ x ≤ capacity.

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    from scipy import sparse  # imported here: scipy costs start-up time for the other policies
    from scipy.optimize import linprog

    n_arcs, n_req = len(problem.arcs), len(problem.requests)
    if n_arcs == 0:
        return []
    arcs = problem.arcs
    offer_idx = np.fromiter((a.offer for a in arcs), dtype=np.int64, count=n_arcs)
    req_idx = np.fromiter((a.request for a in arcs), dtype=np.int64, count=n_arcs)
    factor = np.fromiter((a.factor for a in arcs), dtype=float, count=n_arcs)
    leftover = np.array([o.leftover_cost for o in problem.offers])
    c = np.concatenate(
        [
            np.fromiter((a.cost_per_unit for a in arcs), dtype=float, count=n_arcs)
            - leftover[offer_idx],
            np.array([r.shortfall_cost for r in problem.requests]),
        ]
    )
    cols = np.arange(n_arcs)
    a_eq = sparse.hstack(
        [
            sparse.csr_matrix((factor, (req_idx, cols)), shape=(n_req, n_arcs)),
            sparse.identity(n_req, format="csr"),
        ]
    ).tocsr()
    b_eq = np.array([r.quantity for r in problem.requests])
    a_ub, b_ub = _supply_and_capacity_rows(problem, offer_idx)
    result = linprog(
        c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs"
    )
    if result.status != 0:
        raise ClearingError(f"HiGHS could not clear the day's market: {result.message}")
    x = result.x[:n_arcs]
    return [Match(arcs[i], float(x[i])) for i in np.flatnonzero(x > 1e-9)]


def _supply_and_capacity_rows(
    problem: ClearingProblem, offer_idx: np.ndarray
) -> tuple[Any, np.ndarray]:
    from scipy import sparse

    n_arcs, n_req, n_off = len(problem.arcs), len(problem.requests), len(problem.offers)
    keys = list(problem.capacities)
    key_row = {k: n_off + i for i, k in enumerate(keys)}
    rows, cols = list(offer_idx), list(range(n_arcs))
    for i, arc in enumerate(problem.arcs):
        if arc.capacity_key in key_row:
            rows.append(key_row[arc.capacity_key])
            cols.append(i)
    shape = (n_off + len(keys), n_arcs + n_req)
    a_ub = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    b_ub = np.array([o.quantity for o in problem.offers] + [problem.capacities[k] for k in keys])
    return a_ub, b_ub


POLICIES: dict[str, Callable[[ClearingProblem], list[Match]]] = {
    "none": clear_none,
    "greedy": clear_greedy,
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

    Nearness is judged on planar positions with a k-d tree (scipy ``cKDTree``), so the cost
    grows as requests × k × log(offers), not requests × offers; ``route`` then gives each
    candidate's real cost and distance.

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
    from scipy.spatial import cKDTree

    by_material: dict[int, list[int]] = {}
    for i, offer in enumerate(offers):
        if offer.quantity > 0.0:
            by_material.setdefault(offer.material, []).append(i)
    trees = {
        m: cKDTree(positions_km[[offers[i].firm for i in idx]]) for m, idx in by_material.items()
    }
    offer_firm = [o.firm for o in offers]
    asks: dict[int, list[int]] = {}  # material -> requests that accept it
    for j, req in enumerate(requests):
        for material, _ in [(req.material, 1.0), *substitutes.get(req.material, [])]:
            if material in by_material:
                asks.setdefault(material, []).append(j)
    found: dict[tuple[int, int], list[tuple[float, int, tuple[float, float, object]]]] = {}
    for material, js in asks.items():
        idx = by_material[material]
        want = min(k + 1, len(idx))
        points = positions_km[[requests[j].firm for j in js]]
        _, near = trees[material].query(points, k=want)
        near = np.asarray(near).reshape(len(js), want)
        for j, row in zip(js, near.tolist(), strict=True):
            req, hits = requests[j], []
            rf = req.firm
            for pos in row:
                i = idx[pos]
                if offer_firm[i] != rf and (hit := route(offers[i], req)) is not None:
                    hits.append((hit[1], i, hit))
            if len(hits) < k and want < len(idx):  # look further (see _k_routable)
                hits = _k_routable(trees[material], idx, offers, req, route, k, positions_km)
            hits.sort(key=_by_distance)
            found[(j, material)] = hits[:k]
    arcs = []
    for j, req in enumerate(requests):
        for material, factor in [(req.material, 1.0), *substitutes.get(req.material, [])]:
            for distance, i, (cost, _, key) in found.get((j, material), ()):
                arcs.append(Arc(i, j, factor, cost, distance, key))
    return arcs


def _by_distance(hit: tuple[float, int, object]) -> tuple[float, int]:
    return hit[0], hit[1]


def _k_routable(
    tree: object,
    idx: list[int],
    offers: Sequence[Offer],
    req: Request,
    route: Callable[[Offer, Request], tuple[float, float, object] | None],
    k: int,
    positions_km: np.ndarray,
) -> list[tuple[float, int, tuple[float, float, object]]]:
    """The k nearest routable offers (not the requester's own), sorted by route distance.

    Asks the tree for k + 1 neighbours, then twice as many while fewer than k of them are
    routable and more exist.
    """
    want, seen = min(k + 1, len(idx)), 0
    found: list[tuple[float, int, tuple[float, float, object]]] = []
    while True:
        _, near = tree.query(positions_km[req.firm], k=want)  # type: ignore[attr-defined]
        for pos in np.atleast_1d(near).tolist()[seen:]:
            i = idx[pos]
            if offers[i].firm == req.firm:
                continue
            hit = route(offers[i], req)
            if hit is not None:
                found.append((hit[1], i, hit))
        seen = want
        if len(found) >= k or want >= len(idx):
            break
        want = min(2 * want, len(idx))
    found.sort(key=lambda t: (t[0], t[1]))
    return found[:k]
