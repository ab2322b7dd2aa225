"""The optimal clearing as a linear program solved by HiGHS (``highspy``), with warm starts.

The day's problem (:class:`~mfcsim.agent.clearing.ProblemArrays`) is solved in its packing
form: with the unserved units eliminated, the objective of
:func:`~mfcsim.agent.clearing.total_cost` is a constant minus Σ gain·x, where an arc's gain
is what one unit along it saves (its request's shortfall cost × factor + its offer's leftover
cost − its transport cost). So:

    max Σ gain·x   s.t.   per request Σ factor·x ≤ need,
                          per offer Σ x ≤ supply,  per pipeline Σ x ≤ capacity,  x ≥ 0.

The same optimum as the form with a slack column per request, in about half the simplex
iterations. Consecutive days share most of their arcs, so :class:`WarmStart` starts each day's
simplex from the previous day's optimal basis, carried over by what the columns and rows are
(supplier, receiver and materials of an arc; firm and material of a request or offer): about a
quarter of the iterations again. New arcs start at zero, new rows with their slack basic.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def new_solver() -> Any:
    """A silent HiGHS instance."""
    import highspy  # imported here: only the optimal policy needs it

    with _quiet_stdout():
        solver = highspy.Highs()
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
    return (cols * m + p.request_material[request]).astype(np.int64)


def pass_packing_lp(solver: Any, p: Any) -> None:
    """Give ``solver`` the day's problem in packing form (a column-wise matrix).

    Rows: requests, then offers, then shared capacities; columns: arcs. The arrays go to
    HiGHS as they are (int32 indices), which is several times faster than filling a
    ``HighsLp`` field by field.

    Raises:
        ClearingError: If HiGHS refuses the model.
    """
    import highspy

    n_arcs, n_req, n_off = len(p.arc_offer), len(p.request_quantity), len(p.offer_quantity)
    n_rows = n_req + n_off + len(p.capacity)
    # column by column: its request's row (factor), its offer's row (1), its capacity's (1)
    piped = p.arc_capacity >= 0
    start = np.concatenate([[0], np.cumsum(2 + piped.astype(np.int32))]).astype(np.int32)
    index = np.empty(int(start[-1]), dtype=np.int32)
    value = np.ones(int(start[-1]))
    index[start[:-1]], value[start[:-1]] = p.arc_request, p.arc_factor
    index[start[:-1] + 1] = n_req + p.arc_offer
    index[start[:-1][piped] + 2] = n_req + n_off + p.arc_capacity[piped]
    inf = highspy.kHighsInf
    status = solver.passModel(
        n_arcs, n_rows, len(index), int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize), 0.0,
        -gains(p), np.zeros(n_arcs), np.full(n_arcs, inf),
        np.full(n_rows, -inf), np.concatenate([p.request_quantity, p.offer_quantity, p.capacity]),
        start, index, value, np.zeros(n_arcs, dtype=np.int32),  # all columns continuous
    )  # fmt: skip
    if status != highspy.HighsStatus.kOk:
        raise ClearingError(f"HiGHS refused the day's clearing problem ({status})")


def solve(solver: Any, p: Any) -> Allocation:
    """Solve the model passed to ``solver``; the arcs with a positive flow.

    Raises:
        ClearingError: If HiGHS does not report an optimum.
    """
    import highspy

    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise ClearingError(
            f"HiGHS could not clear the day's market: {solver.modelStatusToString(status)}"
        )
    x = np.asarray(solver.getSolution().col_value, dtype=float)
    used = np.flatnonzero(x > 1e-9)
    return used, x[used]


def solve_cold(p: Any) -> Allocation:
    """The optimal allocation of one problem, from scratch."""
    if len(p.arc_offer) == 0:
        return no_allocation()
    solver = new_solver()
    pass_packing_lp(solver, p)
    return solve(solver, p)


class WarmStart:
    """Solves day after day, each from the previous day's optimal basis.

    Args:
        n_firms: Number of firms (for stable keys of columns and rows).
        n_materials: Number of materials.
    """

    def __init__(self, n_firms: int, n_materials: int) -> None:
        self.n_firms, self.n_materials = n_firms, n_materials
        self.solver = None
        self._cols: tuple[np.ndarray, np.ndarray] | None = None  # sorted keys, statuses
        self._rows: tuple[np.ndarray, np.ndarray] | None = None

    def _keys(self, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """Stable codes of the columns (arcs) and rows (requests, offers, capacities)."""
        n, m = self.n_firms, self.n_materials
        rows = np.concatenate([
            p.request_firm * m + p.request_material,
            n * m + p.offer_firm * m + p.offer_material,
            -1 - np.arange(len(p.capacity)),  # capacities: never carried over
        ])  # fmt: skip
        return arc_keys(p, n, m), rows.astype(np.int64)

    @staticmethod
    def _carry(keys: np.ndarray, before: tuple[np.ndarray, np.ndarray] | None, new: int) -> list:
        """Yesterday's status of each key, ``new`` where the key is new."""
        import highspy

        status = np.full(len(keys), new, dtype=np.int64)
        if before is not None and len(before[0]):
            known, values = before
            pos = np.minimum(np.searchsorted(known, keys), len(known) - 1)
            hit = known[pos] == keys
            status[hit] = values[pos[hit]]
        by_value = {int(s.value): s for s in highspy.HighsBasisStatus.__members__.values()}
        return [by_value[s] for s in status.tolist()]

    def __call__(self, p: Any) -> Allocation:
        """Today's optimal allocation."""
        import highspy

        if len(p.arc_offer) == 0:
            return no_allocation()
        if self.solver is None:
            self.solver = new_solver()
        solver = self.solver
        solver.clearModel()
        pass_packing_lp(solver, p)
        cols, rows = self._keys(p)
        if self._cols is not None:
            basis = highspy.HighsBasis()
            basis.col_status = self._carry(cols, self._cols, int(highspy.HighsBasisStatus.kLower))
            basis.row_status = self._carry(rows, self._rows, int(highspy.HighsBasisStatus.kBasic))
            basis.valid = True
            if solver.setBasis(basis) != highspy.HighsStatus.kOk:
                solver.clearSolver()
        try:
            allocation = solve(solver, p)
        except ClearingError:  # should not happen from a carried-over basis: start afresh
            solver.clearSolver()
            allocation = solve(solver, p)
        basis = solver.getBasis()
        self._cols = self._remember(cols, basis.col_status)
        self._rows = self._remember(rows, basis.row_status)
        return allocation

    @staticmethod
    def _remember(keys: np.ndarray, statuses: Any) -> tuple[np.ndarray, np.ndarray]:
        values = np.array([s.value for s in statuses], dtype=np.int64).reshape(len(keys))
        order = np.argsort(keys, kind="stable")
        return keys[order], values[order]
