"""The kernels' static arrays, gathered once at start-up for the whole run.

The recipes' entries (inputs, outputs, releases, ...) as parallel arrays (:class:`Entries`),
and per rank (every firm's first process, then its second, ...) the entries, input limits,
substitution slots and sink groups the daily kernels of :mod:`mfcsim.engine.kernel.core` read
(:class:`Rank`, built by :func:`rank_plan`). Cells of a (firms x materials) matrix are
addressed through one flat code (:func:`flat_cells`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.engine.kernel.core import Kernel


def flat_cells(matrix: np.ndarray) -> np.ndarray:
    """A (firms x materials) matrix as one row of cells, ``firm * n_materials + material``.

    A view, so writes reach the matrix; gathering and scattering through one cell code is
    several times faster than through a pair of index arrays.

    Raises:
        ValueError: If the matrix is not contiguous (the row would be a copy).
    """
    return np.reshape(matrix, -1, copy=False)


class Entries:
    """One side of the recipes (inputs, outputs, ...) as parallel arrays, one per entry.

    ``position`` is the entry's place among its process's entries of that side.
    """

    def __init__(self, rows: list[tuple[int, int, int, float]]) -> None:
        arr = np.array(rows, dtype=float).reshape(-1, 4)
        self.proc = arr[:, 0].astype(np.int64)
        self.firm = arr[:, 1].astype(np.int64)
        self.material = arr[:, 2].astype(np.int64)
        self.q = arr[:, 3]
        self.position = np.zeros(len(self.proc), dtype=np.int64)
        for i in range(1, len(self.proc)):
            if self.proc[i] == self.proc[i - 1]:
                self.position[i] = self.position[i - 1] + 1

    def by_rank(self, rank_of_proc: np.ndarray, rank: int) -> np.ndarray:
        """Indices of the entries whose process has ``rank``."""
        return np.flatnonzero(rank_of_proc[self.proc] == rank)

    def gather(self, e: np.ndarray, n_materials: int) -> Side:
        """Entries ``e`` gathered into their own arrays."""
        firm, material = self.firm[e], self.material[e]
        return Side(self.proc[e], firm, material, self.q[e], firm * n_materials + material)


@dataclass(slots=True)
class Side:
    """Some entries of one side (e.g. the inputs of the processes of one rank), gathered."""

    proc: np.ndarray
    firm: np.ndarray
    material: np.ndarray
    q: np.ndarray
    cell: np.ndarray  # the (firm, material) cell in a flat stock matrix (see flat_cells)

    def amounts(self, activity: np.ndarray) -> np.ndarray:
        """Quantity of each entry at the given activity of every process."""
        return self.q * activity[self.proc]


def rank_plan(kernel: Kernel, rank: int) -> Rank:
    """One rank's entries and limits, gathered once for the whole run."""
    ins, proc_rank = kernel.inputs, kernel.proc_rank
    e = ins.by_rank(proc_rank, rank)
    positions = ins.position[e]
    takes = [
        _take_plan(kernel, e[positions == p]) for p in range(int(positions.max(initial=-1)) + 1)
    ]
    lim = np.flatnonzero(proc_rank[kernel.lim_proc] == rank)
    used = np.ascontiguousarray((kernel.lim_mat[lim] >= 0).T)
    env_out = kernel.env_out.gather(kernel.env_out.by_rank(proc_rank, rank), kernel.n_mat)
    return Rank(
        is_rank=proc_rank == rank,
        lim_proc=kernel.lim_proc[lim],
        lim_per=kernel.lim_per[lim],
        lim_cell=kernel.proc_firm[kernel.lim_proc[lim]] * kernel.n_mat
        + np.where(used, kernel.lim_mat[lim].T, 0),
        lim_used=used,
        lim_w=np.ascontiguousarray(kernel.lim_w[lim].T),
        inputs=ins.gather(e, kernel.n_mat),
        env_in=kernel.env_in.gather(kernel.env_in.by_rank(proc_rank, rank), kernel.n_mat),
        takes=takes,
        outputs=kernel.outputs.gather(kernel.outputs.by_rank(proc_rank, rank), kernel.n_mat),
        env_out=env_out,
        sinks=_sink_groups(kernel, env_out),
    )


def _take_plan(kernel: Kernel, e: np.ndarray) -> Take:
    """Input entries ``e`` (one rank and position) with their substitutes' arrays."""
    ins, mass = kernel.inputs, kernel.world.mass_t_per_unit
    alt = kernel.has_alt[e]
    a = e[alt]
    ok = np.ascontiguousarray((kernel.alt_mat[a] >= 0).T)
    sub = np.ascontiguousarray(np.where(ok, kernel.alt_mat[a].T, 0))
    firm = ins.firm[a]
    return Take(
        side=ins.gather(e, kernel.n_mat),
        alt=alt,
        any_alt=bool(alt.any()),
        firm=firm,
        sub=sub,
        sub_cell=firm * kernel.n_mat + sub,
        sub_ok=ok,
        factor=np.ascontiguousarray(kernel.alt_factor[a].T),
        mass_sub=mass[sub],
        mass_mat=mass[ins.material[a]],
        balance=kernel.balance[a],
    )


def _sink_groups(kernel: Kernel, side: Side) -> list[Sink]:
    """The entries of ``side`` grouped by their sink's kind, in the order of the kinds."""
    kinds = kernel.sink_kind[side.material]
    groups = []
    for kind in np.unique(kinds).tolist():
        sel = np.flatnonzero(kinds == kind)
        mat = side.material[sel]
        groups.append(Sink(Kind(kind), sel, side.firm[sel], kernel.sink_node[mat], mat,
                            kernel.co2e[mat]))  # fmt: skip
    return groups


@dataclass(slots=True)
class Take:
    """Input entries of one rank and position, and the arrays their substitution needs.

    The substitution arrays (``firm`` to ``balance``) cover the entries with substitutes
    only; those shaped (slots, entries) hold one row per substitute slot.
    """

    side: Side
    alt: np.ndarray  # per entry: it has substitutes
    any_alt: bool
    firm: np.ndarray
    sub: np.ndarray  # the slot's substitute (0 where the slot is empty)
    sub_cell: np.ndarray  # its cell (see flat_cells)
    sub_ok: np.ndarray  # the slot holds a substitute
    factor: np.ndarray  # units of the input per unit of the substitute (1 where empty)
    mass_sub: np.ndarray  # t per unit of the substitute
    mass_mat: np.ndarray  # t per unit of the input
    balance: np.ndarray  # the group's balance material, -1 if none


@dataclass(slots=True)
class Sink:
    """Release entries of one rank whose materials go to sinks of one kind."""

    kind: Kind
    entries: np.ndarray  # positions among the rank's release entries
    firm: np.ndarray
    node: np.ndarray
    material: np.ndarray
    co2e: np.ndarray  # t CO2e per unit released


@dataclass(slots=True)
class Rank:
    """The processes of one rank (each firm's n-th) and their entries, gathered once.

    ``lim_*`` are the rank's input limits; ``lim_cell``, ``lim_used`` and ``lim_w`` hold one
    row per pool member slot.
    """

    is_rank: np.ndarray  # per process
    lim_proc: np.ndarray
    lim_per: np.ndarray
    lim_cell: np.ndarray  # (firm, pool member) cells (see flat_cells)
    lim_used: np.ndarray
    lim_w: np.ndarray
    inputs: Side
    env_in: Side
    takes: list[Take]
    outputs: Side
    env_out: Side
    sinks: list[Sink]
