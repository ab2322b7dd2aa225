"""The optimal clearing as a linear program solved by HiGHS (``highspy``).

The day's problem (:class:`~mfcsim.agent.clearing.ProblemArrays`) is solved in its packing
form: with the unserved units eliminated, the objective of
:func:`~mfcsim.agent.clearing.total_cost` is a constant minus Σ gain·x, where an arc's gain
is what one unit along it saves (its request's shortfall cost × factor + its offer's leftover
cost − its transport cost). So:

    max Σ gain·x   s.t.   per request Σ factor·x ≤ need,
                          per offer Σ x ≤ supply,  per pipeline Σ x ≤ capacity,  x ≥ 0.

The same optimum as the form with a slack column per request, in about half the simplex
iterations. :func:`solve_cold` solves that LP whole, at once: the reference. The policy solves
it faster, exactly, by parts and by pricing (:mod:`mfcsim.agent.pricing`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np

from mfcsim.errors import MfcsimError


class ClearingError(MfcsimError, RuntimeError):
    """The solver failed on a clearing problem (it should always be feasible)."""


#: An allocation: (indices of the arcs used, units shipped along each).
Allocation = tuple[np.ndarray, np.ndarray]


def no_allocation() -> Allocation:
    """Nothing shipped."""
    return np.empty(0, dtype=np.int64), np.empty(0)


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the C library's stdout (HiGHS prints a banner when the first solver is made)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


#: Held while a solver is made: the first one's banner is silenced by swapping the process's
#: stdout, which threads making solvers at the same time must not interleave.
_MAKING = threading.Lock()
_made_one = False


def new_solver() -> Any:
    """A silent HiGHS instance (safe to call from several threads at once).

    HiGHS prints its banner when the process's first solver is made; only that one is made
    with the C library's stdout silenced (:func:`_quiet_stdout`), under a lock, so that no
    thread can leave stdout pointing at ``/dev/null``.
    """
    import highspy  # imported here: only the optimal policy needs it

    global _made_one
    with _MAKING, nullcontext() if _made_one else _quiet_stdout():
        solver = highspy.Highs()
        _made_one = True
    solver.setOptionValue("output_flag", False)
    return solver


def gains(p: Any) -> np.ndarray:
    """EUR saved per unit shipped along each arc (see the module docstring)."""
    gain = p.request_shortfall[p.arc_request] * p.arc_factor + p.offer_leftover[p.arc_offer]
    return gain - p.arc_cost


def arc_keys(p: Any, n_firms: int, n_materials: int) -> np.ndarray:
    """A code per arc that is the same on every day.

    Supplier, receiver, materials offered and requested (``n_firms`` and ``n_materials``
    bound the indices).
    """
    n, m = n_firms, n_materials
    offer, request = p.arc_offer, p.arc_request
    cols = (p.offer_firm[offer] * n + p.request_firm[request]) * m + p.offer_material[offer]
    keys: np.ndarray = (cols * m + p.request_material[request]).astype(np.int64)
    return keys


#: Column-wise arcs for HiGHS: (start, index, value), int32 indices.
Columns = tuple[np.ndarray, np.ndarray, np.ndarray]


def packing_columns(
    request_row: np.ndarray, offer_row: np.ndarray, pipe_row: np.ndarray, factor: np.ndarray
) -> Columns:
    """The packing LP's columns, one per arc.

    Each arc's request row (its factor), offer row (1) and, where ``pipe_row`` is not -1, its
    shared capacity's row (1).
    """
    piped = pipe_row >= 0
    start = np.concatenate([[0], np.cumsum(2 + piped.astype(np.int32))]).astype(np.int32)
    index = np.empty(int(start[-1]), dtype=np.int32)
    value = np.ones(int(start[-1]))
    index[start[:-1]], value[start[:-1]] = request_row, factor
    index[start[:-1] + 1] = offer_row
    index[start[:-1][piped] + 2] = pipe_row[piped]
    return start, index, value


def pass_columns(solver: Any, gain: np.ndarray, upper: np.ndarray, columns: Columns) -> None:
    """Give ``solver`` the packing LP max Σ gain·x s.t. rows ≤ ``upper``, x ≥ 0 (as a min).

    The arrays go to HiGHS as they are (int32 indices), which is several times faster than
    filling a ``HighsLp`` field by field.

    Raises:
        ClearingError: If HiGHS refuses the model.
    """
    import highspy

    start, index, value = columns
    n_cols, inf = len(gain), highspy.kHighsInf
    status = solver.passModel(
        n_cols, len(upper), len(index), int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize), 0.0, -gain, np.zeros(n_cols), np.full(n_cols, inf),
        np.full(len(upper), -inf), upper, start, index, value,
        np.zeros(n_cols, dtype=np.int32),  # all columns continuous
    )  # fmt: skip
    if status != highspy.HighsStatus.kOk:
        raise ClearingError(f"HiGHS refused the day's clearing problem ({status})")


def add_columns(solver: Any, gain: np.ndarray, columns: Columns) -> None:
    """Add arcs to the LP in ``solver`` (nonbasic at zero: the basis is kept)."""
    import highspy

    start, index, value = columns
    n_cols = len(gain)
    solver.addCols(
        n_cols, -gain, np.zeros(n_cols), np.full(n_cols, highspy.kHighsInf),
        len(index), start[:-1], index, value,
    )  # fmt: skip


def run_to_optimum(solver: Any) -> None:
    """Run HiGHS on its model; once more from scratch if it stops short of an optimum.

    A run that starts from an earlier basis (after columns were added) that does not reach
    an optimum (not seen so far) is repeated from scratch before giving up.

    Raises:
        ClearingError: If HiGHS does not report an optimum from scratch either.
    """
    import highspy

    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        solver.clearSolver()
        solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise ClearingError(
            f"HiGHS could not clear the day's market: {solver.modelStatusToString(status)}"
        )


def pass_packing_lp(solver: Any, p: Any) -> None:
    """Give ``solver`` the day's whole problem in packing form.

    Rows: requests, then offers, then shared capacities; columns: arcs.

    Raises:
        ClearingError: If HiGHS refuses the model.
    """
    n_req, n_off = len(p.request_quantity), len(p.offer_quantity)
    pipe_row = np.where(p.arc_capacity >= 0, n_req + n_off + p.arc_capacity, -1)
    columns = packing_columns(p.arc_request, n_req + p.arc_offer, pipe_row, p.arc_factor)
    upper = np.concatenate([p.request_quantity, p.offer_quantity, p.capacity])
    pass_columns(solver, gains(p), upper, columns)


def solve(solver: Any) -> Allocation:
    """Solve the model passed to ``solver``; the columns with a positive flow.

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    run_to_optimum(solver)
    x = np.asarray(solver.getSolution().col_value, dtype=float)
    used = np.flatnonzero(x > 1e-9)
    return used, x[used]


def solve_cold(p: Any) -> Allocation:
    """The optimal allocation of one problem: its whole LP at once, from scratch."""
    if len(p.arc_offer) == 0:
        return no_allocation()
    solver = new_solver()
    pass_packing_lp(solver, p)
    return solve(solver)
