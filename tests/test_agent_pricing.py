"""The optimal clearing by parts and by pricing (mfcsim.agent.pricing) against the whole LP.

The reference is :func:`~mfcsim.agent.lp.solve_cold`: HiGHS on the day's whole packing LP at
once. Pricing must reach its objective on every instance (the allocation may differ where
gains tie), respect every row, and not stop before no left-out arc prices out.
"""

from __future__ import annotations

import numpy as np
import pytest

from mfcsim.agent import pricing
from mfcsim.agent.clearing import (
    Arc,
    ClearingProblem,
    Offer,
    ProblemArrays,
    Request,
    allocate_optimal,
    allocation_cost,
)
from mfcsim.agent.lp import gains, solve_cold
from mfcsim.agent.pricing import (
    PricedDays,
    best_per_group,
    components,
    parts,
    seed_arcs,
    solve_by_parts,
    solve_priced,
)

TOL = 1e-6


def priced_day(seed: int, n_firms: int, tied: bool = False) -> ProblemArrays:
    """A seeded day shaped like the agent's, of ``n_firms`` firms.

    Firms in a square (60 km for 20 firms, growing with √n) offer one of 5 materials and
    request another; the 4 nearest offers of each material a request accepts become arcs.
    Material 0 stands in for 1 at factor 0.1 (as digestate for fertiliser) and 1 for 2 at
    factor 2; of the arcs that carry material 2, 3 or 4, three in ten share that material's
    pipeline (as the agent's pipelines carry one material); a fifth of the requests are
    buyers' (10,000 EUR above the import price). ``tied``: transport costs rounded to whole
    euros and leftover costs all zero, so that many arcs have equal gains.
    """
    rng = np.random.default_rng(seed)
    n = n_firms
    xy = rng.uniform(0, 60 * np.sqrt(n / 20), size=(n, 2))
    offer_material, request_material = rng.integers(5, size=n), rng.integers(5, size=n)
    substitutes = {1: [(0, 0.1)], 2: [(1, 2.0)]}
    arcs = []
    for j in range(n):
        own = [(int(request_material[j]), 1.0)]
        for m, factor in own + substitutes.get(int(request_material[j]), []):
            offers = np.flatnonzero((offer_material == m) & (np.arange(n) != j))
            km = 1.3 * np.hypot(*(xy[offers] - xy[j]).T)
            arcs += [(int(offers[i]), j, factor, float(km[i])) for i in np.argsort(km)[:4]]
    a = np.array(arcs or [(0, 1 % n, 1.0, 1.0)])
    cost = 0.12 * a[:, 3]
    leftover = rng.choice([0.0, 60.0, -50.0], n)
    if tied:
        cost, leftover = np.round(cost), np.zeros(n)
    buyer = rng.random(n) < 0.2
    material = offer_material[a[:, 0].astype(np.int64)]
    pipe = np.where((rng.random(len(a)) < 0.3) & (material >= 2), material - 2, -1)
    return ProblemArrays(
        np.arange(n), offer_material, rng.uniform(1, 20, n), leftover,
        np.arange(n), request_material, rng.uniform(0.5, 15, n), np.where(buyer, 0, 1),
        1300.0 + np.where(buyer, 1e4, 0.0),
        a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2], cost, a[:, 3],
        pipe.astype(np.int64), rng.uniform(0, 10, 3),
    )  # fmt: skip


def assert_feasible(p: ProblemArrays, allocation: tuple[np.ndarray, np.ndarray]) -> None:
    """Flows non-negative; no offer, request or pipeline over its bound (to 1e-7)."""
    arcs, x = allocation
    assert np.all(x >= 0)
    shipped = np.bincount(p.arc_offer[arcs], x, minlength=len(p.offer_quantity))
    served = np.bincount(p.arc_request[arcs], x * p.arc_factor[arcs], len(p.request_quantity))
    piped = p.arc_capacity[arcs] >= 0
    through = np.bincount(p.arc_capacity[arcs][piped], x[piped], minlength=len(p.capacity))
    assert np.all(shipped <= p.offer_quantity + 1e-7)
    assert np.all(served <= p.request_quantity + 1e-7)
    assert np.all(through <= p.capacity + 1e-7)


def whole_lp_cost(p: ProblemArrays) -> float:
    return allocation_cost(p, solve_cold(p))


# ---- a day worked by hand -------------------------------------------------------------------
def hand_day() -> ProblemArrays:
    """Offers A (1 t) and C (2 t); requests r1, r2, r3 (1 t each, shortfall 20 EUR/t).

    Gains (20 − transport cost): r1←A 10, r1←C 5, r2←A 11, r3←C 8. The seed holds each
    request's best arc (r1←A, r2←A, r3←C) and each offer's (A→r2, C→r3), not r1←C. On the
    seed alone A serves r2 (11) and C r3 (8): 19 saved, cost 60 − 19 = 41. Its duals: A's
    row 11 (A is used up), C's 0 (1 t left), r1's 0 (unserved), so r1←C prices out at
    5 − 0 − 0 = 5 > 0; with it, C's spare tonne serves r1: 24 saved, cost 36, the optimum.
    """
    return ProblemArrays.from_problem(ClearingProblem(
        [Offer(0, 0, 1.0), Offer(1, 0, 2.0)],
        [Request(2, 0, 1.0, 1, 20.0), Request(3, 0, 1.0, 1, 20.0), Request(4, 0, 1.0, 1, 20.0)],
        [Arc(0, 0, 1.0, 10.0, 1.0), Arc(1, 0, 1.0, 15.0, 1.0), Arc(0, 1, 1.0, 9.0, 1.0),
         Arc(1, 2, 1.0, 12.0, 1.0)],
    ))  # fmt: skip


def test_pricing_adds_the_arc_the_seed_left_out() -> None:
    """By hand (see hand_day): the seed alone costs 41, one round of pricing reaches 36."""
    p = hand_day()
    gain = gains(p)
    seed = seed_arcs(p, gain)
    assert seed.tolist() == [True, False, True, True]
    everything = np.arange(len(gain))
    assert allocation_cost(p, solve_priced(p, everything, gain, seed, max_rounds=0)) == (
        pytest.approx(41.0)
    )
    arcs, x = solve_priced(p, everything, gain, seed)
    assert allocation_cost(p, (arcs, x)) == pytest.approx(36.0)
    assert dict(zip(arcs.tolist(), x.tolist(), strict=True)) == pytest.approx(
        {1: 1.0, 2: 1.0, 3: 1.0}
    )


# ---- random days against the whole LP -------------------------------------------------------
@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_small_days_reach_the_whole_lp_optimum(seed: int, tied: bool) -> None:
    """Small days (4 to 30 firms; substitutes, pipelines, ties): the whole LP's objective."""
    p = priced_day(seed, n_firms=4 + 2 * seed, tied=tied)
    allocation = allocate_optimal(p)
    assert_feasible(p, allocation)
    assert allocation_cost(p, allocation) == pytest.approx(whole_lp_cost(p), rel=1e-9, abs=TOL)


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_medium_days_split_into_parts_reach_the_whole_lp_optimum(
    seed: int, tied: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300-firm days cut into many parts (components of 40 arcs or more alone): same optimum.

    Pricing must also be needed there: stopping after one round falls short on some part
    (so a loop that stopped early would fail the first assertion).
    """
    monkeypatch.setattr(pricing, "PART_MIN_ARCS", 40)
    p = priced_day(100 + seed, n_firms=300, tied=tied)
    assert len(parts(p)) >= 3
    allocation = solve_by_parts(p)
    assert_feasible(p, allocation)
    best = whole_lp_cost(p)
    assert allocation_cost(p, allocation) == pytest.approx(best, rel=1e-9, abs=TOL)
    gain = gains(p)
    seed_mask = seed_arcs(p, gain)
    short = [solve_priced(p, arcs, gain, seed_mask, max_rounds=1) for arcs in parts(p)]
    one_round = (np.concatenate([a for a, _ in short]), np.concatenate([x for _, x in short]))
    assert allocation_cost(p, one_round) > best + 1e-6 * abs(best)


def test_related_days_seeded_with_yesterday_reach_each_days_optimum() -> None:
    """PricedDays, seeded with yesterday's used arcs, reaches every day's own optimum."""
    days = PricedDays(n_firms=120, n_materials=5)
    for seed in range(5):
        p = priced_day(200, n_firms=120)  # the same firms and arcs every day ...
        rng = np.random.default_rng(seed)  # ... with quantities that move
        p = ProblemArrays(**{
            **{f: getattr(p, f) for f in p.__dataclass_fields__},
            "offer_quantity": p.offer_quantity * rng.uniform(0.5, 1.5, len(p.offer_quantity)),
            "request_quantity": p.request_quantity * rng.uniform(0.5, 1.5, len(p.request_quantity)),
        })  # fmt: skip
        allocation = days(p)
        assert_feasible(p, allocation)
        assert allocation_cost(p, allocation) == pytest.approx(whole_lp_cost(p), rel=1e-9, abs=TOL)
    assert days._used is not None
    assert len(days._used) > 0


@pytest.mark.parametrize("threads", ["2", "3"])
def test_parts_solved_on_threads_give_the_same_allocation_bit_for_bit(
    threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Solving the parts on several threads changes nothing but the wall time.

    The parts are solved on the pool's threads (not in the caller's), and the arcs and flows
    equal those of the parts solved one at a time, bit for bit.
    """
    import threading

    monkeypatch.setattr(pricing, "PART_MIN_ARCS", 40)
    p = priced_day(101, n_firms=300)
    assert len(parts(p)) >= 3
    monkeypatch.setenv(pricing.THREADS_VARIABLE, "1")
    one_arcs, one_flow = solve_by_parts(p)
    solved_on: list[str] = []

    def recorded(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        solved_on.append(threading.current_thread().name)
        return solve_priced(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pricing, "solve_priced", recorded)
    monkeypatch.setenv(pricing.THREADS_VARIABLE, threads)
    many_arcs, many_flow = solve_by_parts(p)
    assert len(solved_on) == len(parts(p))
    assert all(name.startswith("mfcsim-solver") for name in solved_on)
    assert np.array_equal(one_arcs, many_arcs)
    assert one_flow.tobytes() == many_flow.tobytes()


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "", "²", "٣"])
def test_a_bad_thread_count_is_refused_before_the_run(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``MFCSIM_SOLVER_THREADS`` must be a positive integer; PricedDays checks it when made."""
    from mfcsim.agent.lp import ClearingError

    monkeypatch.setenv(pricing.THREADS_VARIABLE, value)
    with pytest.raises(ClearingError, match=r"MFCSIM_SOLVER_THREADS=.*accepted a positive integer"):
        PricedDays(n_firms=3, n_materials=2)


def test_default_threads_are_the_cores_up_to_four(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cores this process may use (its affinity, else the CPU count), up to four."""
    import os

    monkeypatch.delenv(pricing.THREADS_VARIABLE, raising=False)
    assert pricing.solver_threads() == min(4, pricing.available_cores())
    monkeypatch.setenv(pricing.THREADS_VARIABLE, " 7 ")
    assert pricing.solver_threads() == 7
    monkeypatch.delenv(pricing.THREADS_VARIABLE)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert pricing.available_cores() == 3
    assert pricing.solver_threads() == 3


def _solve_in_child(queue: object) -> None:
    """In a forked child: the parts of a day on two threads (the pool made anew)."""
    import os

    os.environ[pricing.THREADS_VARIABLE] = "2"
    pricing.PART_MIN_ARCS = 40
    arcs, _ = solve_by_parts(priced_day(101, n_firms=300))
    queue.put(len(arcs))  # type: ignore[attr-defined]


def test_a_forked_child_solves_on_threads_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's threads are not copied by fork: the child must not wait on them for ever."""
    import multiprocessing

    monkeypatch.setattr(pricing, "PART_MIN_ARCS", 40)
    monkeypatch.setenv(pricing.THREADS_VARIABLE, "2")
    expected = len(solve_by_parts(priced_day(101, n_firms=300))[0])  # the parent's pool exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_solve_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung on the parent's solver pool")
    assert child.exitcode == 0
    assert queue.get(timeout=5) == expected


def test_solvers_made_on_many_threads_leave_stdout_alone() -> None:
    """Only the first solver's banner is silenced, under a lock: file descriptor 1 is kept."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from mfcsim.agent import lp

    before = os.fstat(1)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: lp.new_solver(), range(400)))
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


# ---- the pieces -----------------------------------------------------------------------------
def test_best_per_group_keeps_the_k_highest_lowest_position_first() -> None:
    """Against a plain count: a row is kept if fewer than k rows of its group beat it."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 30))
        group, score = rng.integers(0, 5, n), rng.integers(0, 4, n).astype(float)
        for k in (1, 2, 3):
            beaten_by = [
                sum(group[j] == group[i] and (score[j], -j) > (score[i], -i) for j in range(n))
                for i in range(n)
            ]
            expected = [i for i in range(n) if beaten_by[i] < k]
            assert best_per_group(group, score, k).tolist() == expected
            # group numbers too large for the 16-bit sort take the general path
            assert best_per_group(group + 70_000, score, k).tolist() == expected
    # 0 and 2**16 are two groups (sorted as 16-bit numbers, group 0 would be cut in two)
    group, score = np.array([0, 2**16, 0]), np.array([1.0, 5.0, 2.0])
    assert best_per_group(group, score, 1).tolist() == [1, 2]


def test_parts_cover_every_arc_once_and_share_no_row() -> None:
    """Each arc in one part; no request, offer or pipeline in two parts; small ones pooled."""
    p = priced_day(7, n_firms=200)
    label = components(p)
    for arcs in parts(p):
        assert np.all(np.diff(arcs) > 0)
    everything = np.concatenate(parts(p))
    assert sorted(everything.tolist()) == list(range(len(p.arc_offer)))
    for a, b in [(p.arc_request, "r"), (p.arc_offer, "o")]:
        for row in np.unique(a):
            assert len(np.unique(label[a == row])) == 1, b
    piped = p.arc_capacity >= 0
    for pipe in np.unique(p.arc_capacity[piped]):
        assert len(np.unique(label[piped][p.arc_capacity[piped] == pipe])) == 1
    assert len(parts(p)) == 1  # no component of 2,000 arcs here: all solved together


def test_a_day_without_arcs_ships_nothing() -> None:
    """No arcs: no solver, nothing shipped."""
    p = ProblemArrays.from_problem(ClearingProblem([Offer(0, 0, 1.0)], [Request(1, 1, 1.0)], []))
    arcs, x = solve_by_parts(p)
    assert len(arcs) == 0
    assert len(x) == 0
