"""The optimal clearing by parts and by pricing: the LP of :mod:`mfcsim.agent.lp`, solved faster.

Two exact reductions of the day's packing LP (max Σ gain·x subject to need, supply and
pipeline rows, see :mod:`mfcsim.agent.lp`):

- **By parts.** Arcs that share no row (request, offer or pipeline) are independent: the
  day's LP is the sum of the LPs of the connected components of the graph of arcs and rows.
  Each large component is solved alone (a simplex iteration costs about what its LP's size
  does); the small ones together, as one LP, to spare a solver call each.
- **By pricing** (column generation). A part's LP is first solved on a few of its arcs: the
  :data:`SEED_PER_REQUEST` best (highest gain) arcs of each request and the
  :data:`SEED_PER_OFFER` best of each offer. Its row duals y (HiGHS minimises −gain·x, so
  y ≤ 0 on these ≤ rows) give every left-out arc's reduced cost in the maximisation,
  ``gain + factor·y_request + y_offer (+ y_pipeline)``; the arcs where it is positive (beyond
  :func:`price_tolerance`) would raise the objective, so they are added, most violated
  first, up to one batch of as many arcs as the part has rows, and the LP is solved again
  from its current basis (the primal simplex: the basis stays primal feasible when columns
  are added). When no left-out arc prices out, the restricted optimum's duals are feasible
  for the whole LP: that is the optimality certificate, so the answer is the full LP's
  optimum, to HiGHS's tolerances. Every round adds at least one new arc, so the loop ends.

The parts are solved at the same time on up to :func:`solver_threads` threads (HiGHS
releases Python's lock while it solves), the largest first. Each part's answer does not
depend on the thread it was solved on, so the allocation is the same, bit for bit, whatever
the number of threads: only the wall time changes.

Day after day (:class:`PricedDays`, what the agent uses), the first restricted LPs also hold
the arcs used the day before. One seed arc per request and per offer, the primal simplex for
the re-solves and :data:`PART_MIN_ARCS` were chosen by measurement (``benchmarks/README.md``,
"Optimal at 10,000 firms").

When several allocations reach the same optimum (ties in gain), the one chosen may differ
from a solve of the whole LP at once; the objective does not.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from mfcsim.agent.lp import (
    Allocation,
    ClearingError,
    Columns,
    add_columns,
    arc_keys,
    gains,
    new_solver,
    no_allocation,
    packing_columns,
    pass_columns,
    run_to_optimum,
)
from mfcsim.agent.order import stable_argsort

#: Best arcs of each request in the first restricted LP.
SEED_PER_REQUEST = 1
#: Best arcs of each offer in the first restricted LP.
SEED_PER_OFFER = 1
#: Components with fewer arcs than this are solved together, as one LP.
PART_MIN_ARCS = 2_000
#: HiGHS's simplex strategy for the re-solves after columns are added (4: primal).
RESOLVE_STRATEGY = 4
#: Environment variable that sets the number of threads the parts are solved on.
THREADS_VARIABLE = "MFCSIM_SOLVER_THREADS"
#: Threads used when the variable is not set, at most (one part is most of a large day).
DEFAULT_THREADS = 4


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def solver_threads() -> int:
    """Threads to solve the parts on: ``$MFCSIM_SOLVER_THREADS``, else the cores, up to 4.

    Raises:
        ClearingError: If the variable is set to anything but a positive integer.
    """
    value = os.environ.get(THREADS_VARIABLE)
    if value is None:
        return min(DEFAULT_THREADS, available_cores())
    if re.fullmatch(r"\s*[0-9]+\s*", value) is None or int(value) < 1:
        raise ClearingError(
            f"environment variable {THREADS_VARIABLE}={value!r}: accepted a positive integer "
            "(the threads the optimal policy solves its parts on; 1: one at a time)"
        )
    return int(value)


@cache
def _pool(threads: int) -> ThreadPoolExecutor:
    """The process's pool of up to ``threads`` solver threads (made once, reused every day).

    A forked child starts without it (its threads are not copied by ``fork``; the copied pool
    would wait for them for ever): see the ``register_at_fork`` below.
    """
    return ThreadPoolExecutor(threads, thread_name_prefix="mfcsim-solver")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pool.cache_clear)


def price_tolerance(gain: np.ndarray) -> np.ndarray:
    """Reduced cost above which a left-out arc is added (EUR per unit).

    HiGHS's dual feasibility tolerance (1e-7) plus 1e-9 relative to the arc's gain, which
    covers the rounding of ``gain + factor·y`` where both terms are large (shortfall costs of
    10⁶ EUR): well below any saving that matters, well above the arithmetic's noise.
    """
    tolerance: np.ndarray = 1e-7 + 1e-9 * np.abs(gain)
    return tolerance


def components(p: Any) -> np.ndarray:
    """The connected component of each arc (arcs sharing a request, offer or pipeline)."""
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
    from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

    n_req, n_off = len(p.request_quantity), len(p.offer_quantity)
    n_nodes = n_req + n_off + len(p.capacity)
    piped = np.flatnonzero(p.arc_capacity >= 0)
    rows = np.concatenate([p.arc_request, p.arc_request[piped]])
    cols = np.concatenate([n_req + p.arc_offer, n_req + n_off + p.arc_capacity[piped]])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_nodes, n_nodes))
    _, label = connected_components(graph, directed=False)
    arc_label: np.ndarray = label[p.arc_request]
    return arc_label


def parts(p: Any) -> list[np.ndarray]:
    """The arcs of each part to solve alone (ascending indices).

    Components of :data:`PART_MIN_ARCS` arcs or more alone, the rest together.
    """
    label = components(p)
    size = np.bincount(label)
    large = np.flatnonzero(size >= PART_MIN_ARCS)
    out = [np.flatnonzero(label == c) for c in large.tolist()]
    rest = np.flatnonzero(size[label] < PART_MIN_ARCS)
    return [*out, rest] if len(rest) else out


class _Rows:
    """A part's rows: its requests, then its offers, then its pipelines, numbered locally."""

    def __init__(self, p: Any, arcs: np.ndarray) -> None:
        requests, self.request = np.unique(p.arc_request[arcs], return_inverse=True)
        offers, offer = np.unique(p.arc_offer[arcs], return_inverse=True)
        cap = p.arc_capacity[arcs]
        pipes, pipe = np.unique(cap[cap >= 0], return_inverse=True)
        self.offer = len(requests) + offer
        self.pipe = np.full(len(arcs), -1, dtype=np.int64)
        self.pipe[cap >= 0] = len(requests) + len(offers) + pipe
        self.upper = np.concatenate(
            [p.request_quantity[requests], p.offer_quantity[offers], p.capacity[pipes]]
        )
        self.factor = p.arc_factor[arcs]

    def columns(self, which: np.ndarray) -> Columns:
        """The columns of the part's arcs ``which`` (local positions)."""
        return packing_columns(
            self.request[which], self.offer[which], self.pipe[which], self.factor[which]
        )

    def reduced_gain(self, gain: np.ndarray, dual: np.ndarray) -> np.ndarray:
        """Each arc's reduced cost in the maximisation, from the row duals of the minimisation."""
        out: np.ndarray = gain + self.factor * dual[self.request] + dual[self.offer]
        piped = self.pipe >= 0
        out[piped] += dual[self.pipe[piped]]
        return out


def best_per_group(group: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores of each group (ties: the lower position), sorted.

    ``k = 1`` (the seeds' setting) takes each group's maximum without a sort of all rows,
    the rows ordered by group with :func:`~mfcsim.agent.order.stable_argsort` (a radix sort
    for groups numbered below 2¹⁶: 0.35 against 5.8 ms for the 80,000 arcs of a
    10,000-firm day).
    """
    if k == 1 and len(group):
        order = stable_argsort(group)
        sorted_group = group[order]
        starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
        sorted_score = score[order]
        best = np.maximum.reduceat(sorted_score, starts)
        tied = sorted_score == np.repeat(best, np.diff(np.r_[starts, len(order)]))
        tied_group = sorted_group[tied]
        first = np.flatnonzero(np.r_[True, tied_group[1:] != tied_group[:-1]])
        return np.sort(order[tied][first])
    order = np.lexsort((-score, group))
    sorted_group = group[order]
    first = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    return np.sort(order[rank < k])


def seed_arcs(p: Any, gain: np.ndarray) -> np.ndarray:
    """The arcs of the first restricted LP (a mask): the best of each request and offer."""
    seed = np.zeros(len(gain), dtype=bool)
    seed[best_per_group(p.arc_request, gain, SEED_PER_REQUEST)] = True
    seed[best_per_group(p.arc_offer, gain, SEED_PER_OFFER)] = True
    return seed


def solve_priced(
    p: Any, arcs: np.ndarray, gain: np.ndarray, seed: np.ndarray, max_rounds: int | None = None
) -> Allocation:
    """The optimal flows on the part ``arcs`` of ``p``, by column generation.

    Args:
        p: The day's :class:`~mfcsim.agent.clearing.ProblemArrays`.
        arcs: The part's arc indices (no arc outside shares a row with them).
        gain: Every arc's gain (:func:`~mfcsim.agent.lp.gains` of ``p``).
        seed: Mask over ``p``'s arcs: those of the first restricted LP.
        max_rounds: Stop after this many pricing rounds (None: until no arc prices out, the
            only exact setting; tests set it to show that stopping early is wrong).

    Returns:
        The arcs (indices into ``p``'s arcs, ascending) with a positive flow, and their flows.

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    rows, gain = _Rows(p, arcs), gain[arcs]
    in_model = seed[arcs].copy()
    model = np.flatnonzero(in_model)
    solver = new_solver()
    pass_columns(solver, gain[model], rows.upper, rows.columns(model))
    run_to_optimum(solver)
    solver.setOptionValue("simplex_strategy", RESOLVE_STRATEGY)
    added, tolerance, rounds = [model], price_tolerance(gain), 0
    while max_rounds is None or rounds < max_rounds:
        reduced = rows.reduced_gain(gain, np.asarray(solver.getSolution().row_dual))
        violated = np.flatnonzero((reduced > tolerance) & ~in_model)
        if len(violated) == 0:
            break
        batch = violated[np.argsort(-reduced[violated], kind="stable")[: len(rows.upper)]]
        in_model[batch] = True
        add_columns(solver, gain[batch], rows.columns(batch))
        added.append(batch)
        run_to_optimum(solver)
        rounds += 1
    flow = np.asarray(solver.getSolution().col_value, dtype=float)
    local = np.concatenate(added)
    used = flow > 1e-9
    order = np.argsort(local[used], kind="stable")
    return arcs[local[used][order]], flow[used][order]


def solve_by_parts(p: Any, also: np.ndarray | None = None) -> Allocation:
    """The day's optimal allocation: each part (see :func:`parts`) by :func:`solve_priced`.

    Args:
        p: The day's :class:`~mfcsim.agent.clearing.ProblemArrays`.
        also: Mask over the arcs to put into the first restricted LPs besides the best of
            each request and offer (the engine passes the arcs used yesterday); None: none.

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    if len(p.arc_offer) == 0:
        return no_allocation()
    gain = gains(p)
    seed = seed_arcs(p, gain) if also is None else seed_arcs(p, gain) | also
    largest_first = sorted(parts(p), key=len, reverse=True)
    threads = solver_threads()
    if threads > 1 and len(largest_first) > 1:
        solved = list(
            _pool(threads).map(lambda arcs: solve_priced(p, arcs, gain, seed), largest_first)
        )
    else:
        solved = [solve_priced(p, arcs, gain, seed) for arcs in largest_first]
    used = np.concatenate([arcs for arcs, _ in solved])
    flow = np.concatenate([flow for _, flow in solved])
    order = np.argsort(used, kind="stable")
    return used[order], flow[order]


class PricedDays:
    """Solves day after day; each day's first restricted LPs also hold the arcs used yesterday.

    Arcs are recognised across days by what they are (supplier, receiver and the materials
    offered and requested: :func:`~mfcsim.agent.lp.arc_keys`). Consecutive days share most
    of their flows, so yesterday's used arcs leave fewer arcs to price in. The answer is the
    day's optimum whatever the seed: the seed only sets where the pricing starts.

    Args:
        n_firms: Number of firms (for stable arc keys).
        n_materials: Number of materials.

    Raises:
        ClearingError: If ``$MFCSIM_SOLVER_THREADS`` is set to anything but a positive
            integer (checked here, before the run starts).
    """

    def __init__(self, n_firms: int, n_materials: int) -> None:
        solver_threads()
        self.n_firms, self.n_materials = n_firms, n_materials
        self._used: np.ndarray | None = None  # keys of yesterday's used arcs

    def __call__(self, p: Any) -> Allocation:
        """Today's optimal allocation."""
        keys = arc_keys(p, self.n_firms, self.n_materials)
        also = None if self._used is None else pd.Series(keys).isin(self._used).to_numpy()
        allocation = solve_by_parts(p, also)
        self._used = keys[allocation[0]]
        return allocation
