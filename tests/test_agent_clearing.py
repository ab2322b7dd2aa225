"""The regional agent's clearing policies, as pure functions on hand-made problems (no SimPy).

The reference for ``optimal`` is an independent solver: networkx's min-cost flow on the same
problem written as a flow network (offers supply, requests demand, a shortfall source per
request at its shortfall cost, a leftover sink per offer at its leftover cost), and, for a
2 x 2 instance, brute force over the integer grid.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfcsim.agent.clearing import (
    Arc,
    ClearingProblem,
    Match,
    Offer,
    Request,
    clear_greedy,
    clear_none,
    clear_optimal,
    nearest_arcs,
    total_cost,
)
from mfcsim.agent.lp import ClearingError, run_to_optimum

TOL = 1e-6
Route = Callable[[Offer, Request], tuple[float, float, object] | None]


# ---- helpers --------------------------------------------------------------------------------
def networkx_optimum(problem: ClearingProblem) -> int:
    """The min-cost of ``problem`` (integer data, factor 1) by networkx's ``min_cost_flow``.

    Each arc is its own node so parallel arcs and per-arc capacities are kept; a pipeline
    capacity key must belong to one arc only.
    """
    g = nx.DiGraph()
    total_supply = 0
    for i, offer in enumerate(problem.offers):
        g.add_node(("offer", i), demand=-int(offer.quantity))
        g.add_edge(("offer", i), ("leftover", i), weight=int(offer.leftover_cost))
        g.add_edge(("leftover", i), "sink", weight=0)
        total_supply += int(offer.quantity)
    for j, req in enumerate(problem.requests):
        g.add_node(("request", j), demand=int(req.quantity))
        g.add_node(("shortfall", j), demand=-int(req.quantity))
        g.add_edge(("shortfall", j), ("request", j), weight=int(req.shortfall_cost))
        g.add_edge(("shortfall", j), "sink", weight=0)  # shortfall capacity left unused
    g.add_node("sink", demand=total_supply)
    for k, arc in enumerate(problem.arcs):
        assert arc.factor == 1.0
        cap = problem.capacities.get(arc.capacity_key) if arc.capacity_key is not None else None
        extra = {} if cap is None else {"capacity": int(cap)}
        g.add_edge(("offer", arc.offer), ("arc", k), weight=int(arc.cost_per_unit), **extra)
        g.add_edge(("arc", k), ("request", arc.request), weight=0)
    flow = nx.min_cost_flow(g)
    return nx.cost_of_flow(g, flow)


def shipped_per_offer(problem: ClearingProblem, matches: Sequence[Match]) -> list[float]:
    out = [0.0] * len(problem.offers)
    for m in matches:
        out[m.arc.offer] += m.quantity
    return out


def served_per_request(problem: ClearingProblem, matches: Sequence[Match]) -> list[float]:
    out = [0.0] * len(problem.requests)
    for m in matches:
        out[m.arc.request] += m.served
    return out


def assert_feasible(problem: ClearingProblem, matches: Sequence[Match]) -> None:
    """Matches ship no more than supplied, serve no more than needed, fit every pipeline."""
    for m in matches:
        assert m.quantity >= -TOL
        assert m.arc in problem.arcs
    for offer, shipped in zip(problem.offers, shipped_per_offer(problem, matches), strict=True):
        assert shipped <= offer.quantity + TOL
    for req, served in zip(problem.requests, served_per_request(problem, matches), strict=True):
        assert served <= req.quantity + TOL
    for key, cap in problem.capacities.items():
        used = sum(m.quantity for m in matches if m.arc.capacity_key == key)
        assert used <= cap + TOL


def full_problem(
    offers: list[Offer], requests: list[Request], costs: dict[tuple[int, int], int]
) -> ClearingProblem:
    """Every offer may serve every request it has a cost for, at factor 1."""
    arcs = [Arc(i, j, 1.0, c, float(c)) for (i, j), c in sorted(costs.items())]
    return ClearingProblem(offers, requests, arcs)


# ---- total_cost and trivial policies --------------------------------------------------------
def test_total_cost_adds_transport_leftovers_and_shortfalls() -> None:
    """The objective is shipping cost + leftover cost of what stays + cost of what is unmet."""
    problem = ClearingProblem(
        [Offer(0, 0, 10.0, leftover_cost=5.0)],
        [Request(1, 0, 4.0, shortfall_cost=100.0), Request(2, 0, 8.0, shortfall_cost=50.0)],
        [Arc(0, 0, 1.0, 2.0, 2.0), Arc(0, 1, 0.5, 3.0, 3.0)],
    )
    matches = [Match(problem.arcs[0], 4.0), Match(problem.arcs[1], 6.0)]
    # ship 4*2 + 6*3; nothing left over; request 1 gets 3 of 8 -> 5 short at 50
    assert total_cost(problem, matches) == pytest.approx(8 + 18 + 0 + 5 * 50)
    assert total_cost(problem, []) == pytest.approx(10 * 5 + 4 * 100 + 8 * 50)


def test_policy_none_never_matches() -> None:
    """Policy none leaves every offer and request alone, however profitable a match."""
    problem = full_problem([Offer(0, 0, 5.0)], [Request(1, 0, 5.0)], {(0, 0): 1})
    assert clear_none(problem) == []


def test_optimal_with_no_arcs_matches_nothing() -> None:
    """Without candidate arcs the optimum is to match nothing (and HiGHS is not needed)."""
    problem = ClearingProblem([Offer(0, 0, 5.0)], [Request(1, 0, 5.0)], [])
    assert clear_optimal(problem) == []


# ---- optimal against independent solvers ----------------------------------------------------
HAND_MADE = {
    # greedy takes the nearest offer for request 0 and starves request 1 of its only supplier
    "nearest_is_not_best": full_problem(
        [Offer(0, 0, 5.0), Offer(1, 0, 5.0)],
        [Request(2, 0, 5.0, shortfall_cost=100), Request(3, 0, 5.0, shortfall_cost=100)],
        {(0, 0): 1, (1, 0): 2, (0, 1): 3},
    ),
    # a disposal fee makes shipping worth it even above the import price
    "disposal_fee_pays_for_transport": full_problem(
        [Offer(0, 0, 8.0, leftover_cost=40)],
        [Request(1, 0, 6.0, shortfall_cost=10)],
        {(0, 0): 45},
    ),
    # an export price makes leaving the offer better than serving a cheap shortfall
    "export_beats_a_cheap_import": full_problem(
        [Offer(0, 0, 8.0, leftover_cost=-30)],
        [Request(1, 0, 6.0, shortfall_cost=20)],
        {(0, 0): 1},
    ),
    # buyers (high shortfall cost) are served before others when supply is short
    "buyer_first_when_short": full_problem(
        [Offer(0, 0, 4.0)],
        [Request(1, 0, 4.0, 1, shortfall_cost=100), Request(2, 0, 4.0, 0, shortfall_cost=10100)],
        {(0, 0): 1, (0, 1): 5},
    ),
    # a pipeline caps one arc; the rest goes the longer way
    "pipeline_capacity_binds": ClearingProblem(
        [Offer(0, 0, 10.0), Offer(1, 0, 10.0)],
        [Request(2, 0, 10.0, shortfall_cost=100)],
        [Arc(0, 0, 1.0, 1, 1.0, "pipe"), Arc(1, 0, 1.0, 7, 7.0)],
        {"pipe": 3.0},
    ),
}


@pytest.mark.parametrize("problem", HAND_MADE.values(), ids=HAND_MADE.keys())
def test_optimal_cost_equals_networkx_min_cost_flow(problem: ClearingProblem) -> None:
    """On hand-made integer instances the LP's cost equals networkx's min-cost flow."""
    matches = clear_optimal(problem)
    assert_feasible(problem, matches)
    assert total_cost(problem, matches) == pytest.approx(networkx_optimum(problem), abs=TOL)


def test_optimal_beats_greedy_when_nearest_is_not_best() -> None:
    """Greedy takes the nearest offer and starves a request; optimal serves both."""
    problem = HAND_MADE["nearest_is_not_best"]
    greedy, optimal = (
        total_cost(problem, clear_greedy(problem)),
        total_cost(problem, clear_optimal(problem)),
    )
    assert optimal == pytest.approx(5 * 2 + 5 * 3)
    assert greedy == pytest.approx(5 * 1 + 5 * 100)


def test_optimal_serves_the_buyer_first_when_supply_is_short() -> None:
    """With one offer for two requests, the one with the higher shortfall cost gets it all."""
    problem = HAND_MADE["buyer_first_when_short"]
    for policy in (clear_optimal, clear_greedy):
        served = served_per_request(problem, policy(problem))
        assert served == pytest.approx([0.0, 4.0], abs=TOL), policy.__name__


def test_greedy_ships_only_where_it_saves_money() -> None:
    """Greedy leaves an offer alone when shipping costs more than it saves."""
    export = HAND_MADE["export_beats_a_cheap_import"]  # serving loses the export price
    far = full_problem([Offer(0, 0, 5.0)], [Request(1, 0, 5.0, shortfall_cost=10)], {(0, 0): 11})
    for problem in (export, far):
        assert clear_greedy(problem) == []
        assert clear_optimal(problem) == []
    fee = HAND_MADE["disposal_fee_pays_for_transport"]  # 45 to ship < 10 short + 40 fee
    assert sum(m.quantity for m in clear_greedy(fee)) == pytest.approx(6.0)


def test_optimal_equals_brute_force_on_a_two_by_two_instance() -> None:
    """On 2 offers x 2 requests the LP's cost is the best of every integer allocation."""
    problem = full_problem(
        [Offer(0, 0, 3.0, leftover_cost=4), Offer(1, 0, 4.0, leftover_cost=-2)],
        [Request(2, 0, 4.0, shortfall_cost=9), Request(3, 0, 2.0, shortfall_cost=30)],
        {(0, 0): 6, (0, 1): 2, (1, 0): 3, (1, 1): 20},
    )
    arcs = problem.arcs
    best = math.inf
    for x in itertools.product(*(range(int(problem.offers[a.offer].quantity) + 1) for a in arcs)):
        matches = [Match(a, float(q)) for a, q in zip(arcs, x, strict=True) if q]
        shipped = shipped_per_offer(problem, matches)
        served = served_per_request(problem, matches)
        if any(s > o.quantity for s, o in zip(shipped, problem.offers, strict=True)):
            continue
        if any(s > r.quantity for s, r in zip(served, problem.requests, strict=True)):
            continue
        best = min(best, total_cost(problem, matches))
    assert total_cost(problem, clear_optimal(problem)) == pytest.approx(best, abs=TOL)
    assert best == networkx_optimum(problem)


@st.composite
def integer_problems(draw: st.DrawFn) -> ClearingProblem:
    """Up to 4 offers and 4 requests of one material, integer data, a random set of arcs."""
    n_off, n_req = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    offers = [
        Offer(i, 0, draw(st.integers(0, 12)), leftover_cost=draw(st.integers(-20, 40)))
        for i in range(n_off)
    ]
    requests = [
        Request(
            n_off + j,
            0,
            draw(st.integers(0, 12)),
            priority=draw(st.integers(0, 1)),
            shortfall_cost=draw(st.integers(0, 120)),
        )
        for j in range(n_req)
    ]
    pairs = draw(st.sets(st.tuples(st.integers(0, n_off - 1), st.integers(0, n_req - 1))))
    arcs = []
    capacities: dict[object, float] = {}
    for k, (i, j) in enumerate(sorted(pairs)):
        key = None
        if draw(st.booleans()):
            key = ("pipe", k)
            capacities[key] = draw(st.integers(0, 8))
        cost = draw(st.integers(0, 60))
        arcs.append(Arc(i, j, 1.0, cost, float(draw(st.integers(0, 50))), key))
    return ClearingProblem(offers, requests, arcs, capacities)


@given(problem=integer_problems())
@settings(max_examples=150, deadline=None)
def test_optimal_is_the_min_cost_flow_and_greedy_never_beats_it(problem: ClearingProblem) -> None:
    """For any small integer instance: optimal = networkx optimum <= greedy, both feasible."""
    optimal, greedy = clear_optimal(problem), clear_greedy(problem)
    assert_feasible(problem, optimal)
    assert_feasible(problem, greedy)
    best = networkx_optimum(problem)
    assert total_cost(problem, optimal) == pytest.approx(best, abs=TOL)
    assert total_cost(problem, greedy) >= total_cost(problem, optimal) - TOL


# ---- substitution factors and pipeline capacities -------------------------------------------
def test_substitute_fills_the_gap_its_factor_and_pipeline_allow() -> None:
    """Four units of a substitute serve one; the pipeline caps it; the rest is shortfall."""
    feed, spent_grain = 0, 1
    problem = ClearingProblem(
        [Offer(0, feed, 4.0), Offer(1, spent_grain, 100.0, leftover_cost=3.0)],
        [Request(2, feed, 10.0, shortfall_cost=100.0)],
        [Arc(0, 0, 1.0, 1.0, 5.0), Arc(1, 0, 0.25, 2.0, 1.0, "pipe")],
        {"pipe": 20.0},
    )
    matches = clear_optimal(problem)
    assert_feasible(problem, matches)
    shipped = shipped_per_offer(problem, matches)
    assert shipped == pytest.approx([4.0, 20.0])
    assert served_per_request(problem, matches) == pytest.approx([9.0])
    # ship 4*1 + 20*2, 80 spent grain left at 3, 1 feed short at 100
    assert total_cost(problem, matches) == pytest.approx(4 + 40 + 80 * 3 + 100)


def test_shared_pipeline_capacity_limits_the_sum_of_its_arcs() -> None:
    """Two arcs over one pipeline together carry no more than its capacity."""
    problem = ClearingProblem(
        [Offer(0, 0, 10.0), Offer(0, 1, 10.0)],
        [Request(1, 0, 10.0, shortfall_cost=50.0)],
        [Arc(0, 0, 1.0, 1.0, 2.0, "pipe"), Arc(1, 0, 2.0, 1.0, 2.0, "pipe")],
        {"pipe": 6.0},
    )
    greedy, optimal = clear_greedy(problem), clear_optimal(problem)
    assert_feasible(problem, greedy)
    assert_feasible(problem, optimal)
    # greedy fills the pipeline with the material itself: 6 served, 4 short
    assert sum(m.quantity for m in greedy) == pytest.approx(6.0)
    assert served_per_request(problem, greedy) == pytest.approx([6.0])
    # the optimum sends 5 units of the factor-2 substitute through it instead: all 10 served
    assert shipped_per_offer(problem, optimal) == pytest.approx([0.0, 5.0], abs=TOL)
    assert served_per_request(problem, optimal) == pytest.approx([10.0])


@st.composite
def substitution_problems(draw: st.DrawFn) -> ClearingProblem:
    """Offers of two materials, substitution factors, and pipelines shared by several arcs."""
    floats = st.floats(0.0, 50.0, allow_nan=False, allow_infinity=False)
    n_off, n_req = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    offers = [
        Offer(i, draw(st.integers(0, 1)), draw(floats), leftover_cost=draw(st.floats(-20, 40)))
        for i in range(n_off)
    ]
    requests = [
        Request(n_off + j, 0, draw(floats), draw(st.integers(0, 1)), draw(st.floats(0, 500)))
        for j in range(n_req)
    ]
    keys = ["p0", "p1"]
    capacities = {k: draw(floats) for k in keys}
    arcs = []
    for i, j in draw(st.sets(st.tuples(st.integers(0, n_off - 1), st.integers(0, n_req - 1)))):
        factor = 1.0 if offers[i].material == 0 else draw(st.sampled_from([0.25, 0.5, 2.0, 3.0]))
        key = draw(st.sampled_from([None, *keys]))
        arcs.append(Arc(i, j, factor, draw(st.floats(0, 60)), draw(st.floats(0, 50)), key))
    return ClearingProblem(offers, requests, arcs, capacities)


@given(problem=substitution_problems())
@settings(max_examples=100, deadline=None)
def test_optimal_respects_supply_need_and_capacity_with_substitutes(
    problem: ClearingProblem,
) -> None:
    """With factors and shared pipelines the LP stays within every limit and beats greedy."""
    optimal, greedy = clear_optimal(problem), clear_greedy(problem)
    assert_feasible(problem, optimal)
    assert_feasible(problem, greedy)
    assert total_cost(problem, optimal) <= total_cost(problem, greedy) + TOL * max(
        1.0, abs(total_cost(problem, greedy))
    )


# ---- candidate arcs ------------------------------------------------------------------------
def positions(**xs: float) -> np.ndarray:
    """Planar positions of firms 0..29 on the x axis: ``f<index>=x_km``, the others far away."""
    out = np.full((30, 2), 1000.0)
    for name, x in xs.items():
        out[int(name[1:])] = (x, 0.0)
    return out


def road(where: np.ndarray) -> Route:
    """A route function: straight-line km between the two firms, 0.1 EUR per unit-km."""

    def route(offer: Offer, req: Request) -> tuple[float, float, object]:
        km = float(np.hypot(*(where[offer.firm] - where[req.firm])))
        return 0.1 * km, km, None

    return route


def test_nearest_arcs_keeps_the_k_nearest_per_request_and_material() -> None:
    """Per request and material only the k nearest offers become arcs, with their factor."""
    feed, grain = 0, 1
    where = positions(f0=0, f1=-1, f10=5, f11=1, f12=4, f13=2, f14=3, f20=3, f21=1, f22=2)
    offers = [Offer(f, feed, 1.0) for f in (10, 11, 12, 13, 14)]
    offers += [Offer(f, grain, 1.0) for f in (20, 21, 22)]
    requests = [Request(0, feed, 5.0), Request(1, feed, 5.0)]
    arcs = nearest_arcs(offers, requests, road(where), {feed: [(grain, 0.5)]}, 2, where)
    got = {
        (a.request, offers[a.offer].material, offers[a.offer].firm, a.factor, a.distance_km)
        for a in arcs
    }
    assert got == {
        (0, feed, 11, 1.0, 1.0),
        (0, feed, 13, 1.0, 2.0),
        (0, grain, 21, 0.5, 1.0),
        (0, grain, 22, 0.5, 2.0),
        (1, feed, 11, 1.0, 2.0),
        (1, feed, 13, 1.0, 3.0),
        (1, grain, 21, 0.5, 2.0),
        (1, grain, 22, 0.5, 3.0),
    }
    assert len(arcs) == len(got)
    assert all(a.cost_per_unit == pytest.approx(0.1 * a.distance_km) for a in arcs)


def test_nearest_arcs_skips_own_firm_closed_routes_and_empty_offers() -> None:
    """No arc from a firm to itself, along a route that returns None, or from an empty offer."""
    where = positions(f1=0, f2=1, f3=2, f4=3)
    offers = [
        Offer(1, 0, 5.0),  # the requesting firm itself
        Offer(2, 0, 5.0),  # no route (a closed link)
        Offer(3, 0, 0.0),  # nothing to give
        Offer(4, 0, 5.0),  # the only usable one
    ]
    asked: list[tuple[int, int]] = []

    def route(offer: Offer, req: Request) -> tuple[float, float, object] | None:
        asked.append((offer.firm, req.firm))
        return None if offer.firm == 2 else (1.0, 3.0, ("pipe", offer.firm))

    arcs = nearest_arcs(offers, [Request(1, 0, 5.0)], route, {}, 10, where)
    assert [(offers[a.offer].firm, a.capacity_key) for a in arcs] == [(4, ("pipe", 4))]
    assert (1, 1) not in asked
    assert (3, 1) not in asked


def test_nearest_arcs_looks_past_unroutable_offers_for_its_k() -> None:
    """With k=1, nearer offers without a route (no pipeline) do not hide a farther one."""
    heat = 0
    where = positions(f1=0, f2=1, f3=2, f4=3, f5=9)
    offers = [Offer(f, heat, 5.0) for f in (1, 2, 3, 4, 5)]

    def route(offer: Offer, req: Request) -> tuple[float, float, object] | None:
        if offer.firm in (2, 3, 4):  # nearer, but no pipeline to the request
            return None
        return 0.0, 9.0, ("pipe", offer.firm)

    arcs = nearest_arcs(offers, [Request(1, heat, 5.0)], route, {}, 1, where)
    assert [offers[a.offer].firm for a in arcs] == [5]


def test_nearest_arcs_keeps_the_nearest_offer_even_when_it_is_listed_last() -> None:
    """With k=1 the nearest offer is kept even when it comes last in the list."""
    where = positions(f1=0, f2=9, f3=7, f4=1)
    offers = [Offer(f, 0, 1.0) for f in (2, 3, 4)]
    arcs = nearest_arcs(offers, [Request(1, 0, 1.0)], road(where), {}, 1, where)
    assert [offers[a.offer].firm for a in arcs] == [4]


# ---- the solver (mfcsim.agent.lp) ---------------------------------------------------------
def test_the_solver_prints_nothing() -> None:
    """HiGHS's banner (printed by the C library when the first solver is made) is silenced."""
    code = "from mfcsim.agent.lp import new_solver; new_solver(); print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "ok\n"


class FlakySolver:
    """Stands in for HiGHS: not optimal for the first ``fails`` runs, optimal after."""

    def __init__(self, fails: int) -> None:
        self.fails, self.runs, self.cleared = fails, 0, 0

    def run(self) -> None:
        self.runs += 1

    def clearSolver(self) -> None:  # noqa: N802 (HiGHS's name)
        self.cleared += 1

    def getModelStatus(self) -> object:  # noqa: N802
        import highspy

        ok = self.runs > self.fails
        return highspy.HighsModelStatus.kOptimal if ok else highspy.HighsModelStatus.kNotset

    def modelStatusToString(self, status: object) -> str:  # noqa: N802
        return "Not Set"


def test_a_run_that_stops_short_is_repeated_from_scratch() -> None:
    """A run from an earlier basis that reaches no optimum is run again from scratch."""
    solver = FlakySolver(fails=1)
    run_to_optimum(solver)
    assert (solver.runs, solver.cleared) == (2, 1)


def test_a_run_that_never_reaches_an_optimum_is_a_clearing_error() -> None:
    """Twice short of an optimum: ClearingError naming HiGHS's status."""
    with pytest.raises(ClearingError, match="could not clear the day's market: Not Set"):
        run_to_optimum(FlakySolver(fails=2))
