"""Stable sorts of rows that come in blocks, done only where a block is out of order.

The agent's arcs come grouped (by request, or by a request's accepted material) and within a
group they are mostly in the order wanted already: the k-d tree returns offers by distance,
and route distance follows planar distance on roads. A full ``np.lexsort`` of ~10,000 rows a
day costs more than finding the few blocks out of order and sorting those alone, which is
what :func:`sort_within_blocks` does; it returns exactly the permutation of the full sort.
:func:`stable_argsort` gives ``np.argsort(keys, kind="stable")`` of one key, again exactly,
without numpy's stable sort of 64-bit keys (a timsort, several times slower than the others).
"""

from __future__ import annotations

import numpy as np


def _descents(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """True at i where row i + 1 comes before row i on ``keys`` (last key primary)."""
    before = np.zeros(len(keys[0]) - 1, dtype=bool)
    tied = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in reversed(keys):
        before |= tied & (key[1:] < key[:-1])
        tied &= key[1:] == key[:-1]
    return before


def sort_within_blocks(block: np.ndarray, keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """The permutation of ``np.lexsort((*keys, block))``, for ``block`` non-decreasing.

    Rows of one block are contiguous and blocks are in place, so only blocks with a descent
    on ``keys`` need sorting; they are sorted together by one lexsort, stable, so ties keep
    their row order as in the full sort.

    Args:
        block: Block key of each row, non-decreasing (checked; otherwise the full sort).
        keys: Sort keys within a block, least significant first (as for ``np.lexsort``).
    """
    n = len(block)
    if n < 2:
        return np.arange(n)
    same = block[1:] == block[:-1]
    if (block[1:] < block[:-1]).any():
        return np.lexsort((*keys, block))
    bad = same & _descents(keys)
    order = np.arange(n)
    if bad.any():
        rows = np.flatnonzero(np.isin(block, block[1:][bad]))
        order[rows] = rows[np.lexsort((*(key[rows] for key in keys), block[rows]))]
    return order


def blocks_in_order(group: np.ndarray, group_order: np.ndarray) -> np.ndarray | None:
    """Positions of rows grouped by ``group`` (non-decreasing), the groups in ``group_order``.

    Returns None if ``group`` is not non-decreasing (rows of a group not contiguous).

    Args:
        group: Group of each row (e.g. the request of each arc), in 0..len(group_order) - 1.
        group_order: The groups in the order wanted (a permutation of all groups).
    """
    if len(group) > 1 and (group[1:] < group[:-1]).any():
        return None
    count = np.bincount(group, minlength=len(group_order))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    count, start = count[group_order], start[group_order]
    offset = np.arange(len(group)) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(start, count) + offset


#: Largest key that :func:`stable_argsort` sorts as 16-bit integers (numpy's radix sort).
_RADIX_MAX = np.iinfo(np.uint16).max


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """The permutation of ``np.argsort(keys, kind="stable")``, several times faster.

    numpy's stable sort of 64-bit keys is a timsort, 1-2 ms for the ~8,000 arcs of a
    1,000-firm day on the development machine. Integer keys within 0..65,535 are sorted as
    16-bit integers instead (numpy's radix sort, stable); other keys by the default
    (unstable, vectorised) sort, after which the rows of each run of equal keys, rare on
    the agent's data, are put back in row order. Keys with NaN take the stable sort.

    Args:
        keys: One-dimensional keys.
    """
    n = len(keys)
    if n < 2:
        return np.arange(n)
    if keys.dtype.kind in "iu":
        if keys.min() >= 0 and keys.max() <= _RADIX_MAX:
            return np.argsort(keys.astype(np.uint16), kind="stable")
    elif keys.dtype.kind != "f":
        return np.argsort(keys, kind="stable")
    order = np.argsort(keys)
    ranked = keys[order]
    if ranked[-1] != ranked[-1]:  # NaN, which sorts last
        return np.argsort(keys, kind="stable")
    tied = ranked[1:] == ranked[:-1]
    if tied.any():
        rows = np.flatnonzero(np.concatenate([tied, [False]]) | np.concatenate([[False], tied]))
        run = np.cumsum(np.concatenate([[True], ~tied]))[rows]
        order[rows] = order[rows][np.lexsort((order[rows], run))]
    return order
