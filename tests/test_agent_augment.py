"""Policy ``augment`` (greedy by gain, then augmenting paths) against the LP, on small problems."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfcsim.agent.augment import allocate_augment, improve, regret, walk
from mfcsim.agent.clearing import (
    ALLOCATORS,
    POLICIES,
    Arc,
    ClearingProblem,
    Offer,
    ProblemArrays,
    Request,
    allocate_optimal,
    allocation_cost,
    clear_augment,
    clear_greedy,
    clear_optimal,
    total_cost,
)
from mfcsim.agent.lp import Allocation, gains, no_allocation
from mfcsim.scenario.agent import AgentSpec
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.testing import assert_mass_balanced, run_scenario

TOL = 1e-6
ARC_FIELDS = ("arc_offer", "arc_request", "arc_factor", "arc_cost", "arc_km", "arc_capacity")


def saving(p: ProblemArrays, allocation: Allocation) -> float:
    """EUR the allocation saves against clearing nothing (the LP's objective, Σ gain·x)."""
    return allocation_cost(p, no_allocation()) - allocation_cost(p, allocation)


def assert_feasible(p: ProblemArrays, allocation: Allocation) -> None:
    """No offer ships more than it has, no request gets more than it needs, pipelines hold."""
    arcs, qty = allocation
    assert np.all(qty > 0.0)
    assert np.all(gains(p)[arcs] > 0.0), "an arc that does not pay"
    shipped = np.bincount(p.arc_offer[arcs], qty, minlength=len(p.offer_quantity))
    served = np.bincount(
        p.arc_request[arcs], qty * p.arc_factor[arcs], minlength=len(p.request_quantity)
    )
    assert np.all(shipped <= p.offer_quantity + TOL)
    assert np.all(served <= p.request_quantity + TOL)
    piped = p.arc_capacity[arcs] >= 0
    carried = np.bincount(p.arc_capacity[arcs][piped], qty[piped], minlength=len(p.capacity))
    assert np.all(carried <= p.capacity + TOL)


def walked_and_improved(problem: ClearingProblem) -> list[float]:
    """Units per arc after the walk in plain gain order, then after :func:`improve` on it."""
    p = ProblemArrays.from_problem(problem)
    gain = gains(p)
    order = np.argsort(-gain, kind="stable")
    arcs, qty = walk(p, order[gain[order] > 0.0])
    x = np.zeros(len(gain))
    x[arcs] = qty
    walked = x.tolist()
    improve(p, x, gain)
    return walked + x.tolist()


def random_day(seed: int) -> ProblemArrays:
    """A small seeded day shaped like the agent's: k nearest offers, substitutes, buyers, pipes.

    Firms in a 60 km square offer one of 4 materials and request another; material 0 may
    stand in for 1 at factor 0.5 and 1 for 0 at factor 2; a tenth of the arcs share one of
    two pipelines; buyers' shortfall is 10,000 EUR above the import price.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 25))
    xy = rng.uniform(0, 60, size=(n, 2))
    offer_material, request_material = rng.integers(4, size=n), rng.integers(4, size=n)
    buyer = rng.random(n) < 0.2
    arcs = []
    for j in range(n):
        for m, factor in [(request_material[j], 1.0)] + [
            (s, f) for s, f in {0: [(1, 2.0)], 1: [(0, 0.5)]}.get(int(request_material[j]), [])
        ]:
            offers = [i for i in range(n) if offer_material[i] == m and i != j]
            km = [1.3 * float(np.hypot(*(xy[i] - xy[j]))) for i in offers]
            arcs += [(offers[i], j, factor, km[i]) for i in np.argsort(km)[:4]]
    arcs = arcs or [(0, 1 % n, 1.0, 1.0)]
    a = np.array(arcs)
    pipe = np.where(rng.random(len(a)) < 0.1, rng.integers(2, size=len(a)), -1)
    return ProblemArrays(
        np.arange(n), offer_material, rng.uniform(1, 20, n), rng.choice([0.0, 60.0, -50.0], n),
        np.arange(n), request_material, rng.uniform(1, 15, n), np.where(buyer, 0, 1),
        1300.0 + np.where(buyer, 1e4, 0.0),
        a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2], 0.12 * a[:, 3], a[:, 3],
        pipe.astype(np.int64), rng.uniform(0, 10, 2),
    )  # fmt: skip


def test_augment_is_registered_beside_the_other_policies() -> None:
    """Scenarios may name it: it is an allocator, an object policy and an accepted spec value."""
    assert ALLOCATORS["augment"] is allocate_augment
    assert POLICIES["augment"] is clear_augment
    assert AgentSpec(policy="augment").policy == "augment"


PATHS = {
    # offer 0 is nearest for request 0 and the only one for request 1: the walk by gain gives
    # it to request 0 (gain 9 > 8.5); the path 1 <- 0 <- 0 <- 1 (8.5 - 9 + 8 a unit) serves both
    "reroute_frees_the_only_supplier": (
        [Offer(0, 0, 1.0), Offer(1, 0, 1.0)],
        [Arc(0, 0, 1.0, 1.0, 1.0), Arc(1, 0, 1.0, 2.0, 2.0), Arc(0, 1, 1.0, 1.5, 1.5)],
        [1, 0, 0, 0, 1, 1],
    ),
    # the same, but request 0 is made up by 2 t of a substitute of factor 0.5
    "substitute_makes_up_in_its_own_units": (
        [Offer(0, 0, 1.0), Offer(1, 1, 5.0)],
        [Arc(0, 0, 1.0, 1.0, 1.0), Arc(1, 0, 0.5, 1.0, 1.0), Arc(0, 1, 1.0, 2.0, 2.0)],
        [1, 0, 0, 0, 2, 1],
    ),
}


@pytest.mark.parametrize(("offers", "arcs", "units"), PATHS.values(), ids=PATHS.keys())
def test_a_path_reroutes_a_request_so_a_short_one_is_served(
    offers: list[Offer], arcs: list[Arc], units: list[float]
) -> None:
    """The walk leaves request 1 short; one path reaches the LP's optimum (greedy does not)."""
    requests = [Request(2, 0, 1.0, shortfall_cost=10), Request(3, 0, 1.0, shortfall_cost=10)]
    problem = ClearingProblem(offers, requests, arcs)
    assert walked_and_improved(problem) == pytest.approx(units)  # walk, then paths
    best = total_cost(problem, clear_optimal(problem))
    assert total_cost(problem, clear_augment(problem)) == pytest.approx(best)
    assert total_cost(problem, clear_greedy(problem)) > best + 1.0


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=150, deadline=None)
def test_augment_is_feasible_and_between_its_walk_and_the_optimum(seed: int) -> None:
    """Any small day: feasible, arcs that pay only, no worse than its walk, no better than LP."""
    p = random_day(seed)
    allocation = allocate_augment(p)
    assert_feasible(p, allocation)
    gain = gains(p)
    order = np.argsort(-gain, kind="stable")
    arcs, qty = walk(p, order[gain[order] > 0.0])
    x = np.zeros(len(gain))
    x[arcs] = qty
    before = float(gain @ x)
    improve(p, x, gain)
    assert float(gain @ x) >= before - TOL
    assert_feasible(p, (np.flatnonzero(x > 0), x[x > 0]))
    optimum = saving(p, allocate_optimal(p))
    assert saving(p, allocation) <= optimum + TOL * max(1.0, abs(optimum))


def test_augment_is_within_five_percent_of_the_lp_on_small_random_days() -> None:
    """On 300 seeded small days augment's saving is within 5 % of the LP's on nearly all.

    The per-day bound does not hold for every day: a need that only a chain of several
    reroutes would serve stays short (measured: 1 day of 300 below 95 %, at 94.2 %; greedy
    29, the worst at 52 %); in total augment reaches 99.85 % of the LP's saving.
    """
    share = []
    ours = best = 0.0
    for seed in range(300):
        p = random_day(seed)
        optimum = saving(p, allocate_optimal(p))
        got = saving(p, allocate_augment(p))
        ours, best = ours + got, best + optimum
        if optimum > 1e-9:
            share.append(got / optimum)
    share_arr = np.array(share)
    assert np.mean(share_arr >= 0.95) >= 0.98
    assert share_arr.min() >= 0.85
    assert ours >= 0.995 * best


def test_a_run_with_augment_balances_and_ships() -> None:
    """A 30-firm synthetic cluster under augment: mass balances and the agent ships."""
    results = run_scenario(synthetic_cluster(30, seed=1, days=20, policy="augment"))
    assert_mass_balanced(results)
    ship = results.extra["shipments"]
    assert (ship["origin"] == "agent").any()


def test_regret_does_not_depend_on_the_order_of_the_arcs() -> None:
    """Each arc's regret (best minus second best of its request) is the same in any order."""
    p = random_day(3)
    gain = gains(p)
    got = regret(p, gain)
    served = np.maximum(gain, 0.0) / p.arc_factor
    for k in range(len(gain)):
        mine = np.sort(served[p.arc_request == p.arc_request[k]])[::-1]
        lost = mine[0] - (mine[1] if len(mine) > 1 else 0.0)
        assert got[k] == pytest.approx(lost * p.arc_factor[k])
    shuffle = np.random.default_rng(0).permutation(len(gain))
    q = dataclasses.replace(p, **{f: getattr(p, f)[shuffle] for f in ARC_FIELDS})
    assert regret(q, gains(q)) == pytest.approx(got[shuffle])


@pytest.mark.parametrize("seed", range(40))
def test_days_without_shared_capacities_walk_and_improve_as_days_with_an_unused_one(
    seed: int,
) -> None:
    """The loops for days without pipelines give, bit for bit, the loops that check room.

    The same day twice without its pipelines: once with no capacity at all (the walk and
    the paths that never look at room), once with one ample capacity no arc uses.
    """
    day = random_day(seed)
    free = dataclasses.replace(
        day, arc_capacity=np.full(len(day.arc_offer), -1), capacity=np.empty(0)
    )
    unused = dataclasses.replace(free, capacity=np.array([1e9]))
    walked_free, walked_unused = allocate_augment(free), allocate_augment(unused)
    assert walked_free[0].tolist() == walked_unused[0].tolist()
    assert walked_free[1].tolist() == walked_unused[1].tolist()
    gain = gains(free)
    order = np.argsort(-gain, kind="stable")
    order = order[gain[order] > 0.0]
    assert [v.tolist() for v in walk(free, order)] == [v.tolist() for v in walk(unused, order)]
