"""Columns on integer codes: coding, membership tests and per-group sums as pandas and numpy do.

The indicators and nutrient balances sum ledger rows per firm, material or period many times
over. These helpers work on category codes (no strings compared per row) and add each group's
values in the same order and by the same method as the plain pandas or numpy expression they
replace, so every sum is identical to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd


def categorical(column: pd.Series) -> pd.Series:
    """``column`` as a categorical (as it is; strings are made categorical, sorted)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column
    return column.astype(str).astype("category")


def union_names(columns: tuple[pd.Series, ...]) -> list[str]:
    """The distinct values of ``columns`` as strings, in order of first appearance.

    A categorical column contributes its categories (in their order), another its unique
    values; these names are the codes of :func:`recode`.
    """
    names: dict[str, None] = {}
    for col in columns:
        values = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.unique()
        names.update(dict.fromkeys(map(str, values)))
    return list(names)


def recode(column: pd.Series, names: list[str], *, narrow: bool = False) -> np.ndarray:
    """Each value of ``column`` as its position in ``names`` (int64; -1 where it is absent).

    Args:
        column: Values (categorical, or made so).
        names: The numbering.
        narrow: Return the narrowest signed integers that hold the positions and -1 (int8
            or int16 for up to 32,767 names: no int64 copy of a long column; the caller
            widens before arithmetic that could overflow). Where the column's categories are
            the first of ``names``, in order, and no value is missing, these are its category
            codes as they are (no copy at all).
    """
    column = categorical(column)
    if narrow and _numbered_alike(column, names):
        return column.cat.codes.to_numpy()
    position = pd.Index(names).get_indexer([str(c) for c in column.cat.categories])
    position = np.append(position, -1)  # a missing value's code, -1, takes this last place
    if narrow:
        return position.astype(narrowest_int(len(names)))[column.cat.codes.to_numpy()]
    return position[column.cat.codes.to_numpy()].astype(np.int64)


def _numbered_alike(column: pd.Series, names: list[str]) -> bool:
    """True if the codes of categorical ``column`` are already positions in ``names``."""
    categories = column.cat.categories
    if len(categories) > len(names) or list(map(str, categories)) != names[: len(categories)]:
        return False
    codes = column.cat.codes.to_numpy()
    return len(codes) == 0 or int(codes.min()) >= 0


def is_in(column: pd.Series, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Rows whose value is one of ``names``, tested once per category rather than per row."""
    column = categorical(column)
    return category_hits(column, names)[column.cat.codes.to_numpy()]


def category_hits(column: pd.Series, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Per category code of a categorical ``column``: is the category one of ``names``?

    One False is appended, which the code -1 (a missing value) reads when the table is
    indexed by the codes.
    """
    wanted = set(names)
    return np.array([str(c) in wanted for c in column.cat.categories] + [False])


def equals(column: pd.Series, name: str) -> np.ndarray:
    """Rows whose value is ``name``: ``is_in(column, (name,))`` as one comparison of codes."""
    column = categorical(column)
    found = np.flatnonzero(category_hits(column, (name,))[:-1])
    codes = column.cat.codes.to_numpy()
    return codes == found[0] if len(found) else np.zeros(len(codes), dtype=bool)


def time_rows(t: np.ndarray, start: float, end: float) -> slice | np.ndarray:
    """Rows with ``start <= t < end``: a slice if ``t`` is sorted (the ledger is), else a mask."""
    if t.dtype.kind == "f" and (t[1:] >= t[:-1]).all():
        return slice(int(np.searchsorted(t, start)), int(np.searchsorted(t, end)))
    return (t >= start) & (t < end)


def group_sums(key: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``values`` summed per key ``0..n-1`` (other keys left out), bit for bit as numpy would.

    Each group's values are added in their order with numpy's pairwise summation, so each
    sum equals ``values[key == k].sum()`` exactly (``np.bincount`` adds one by one, which
    differs in the last bits).
    """
    out = np.zeros(n)
    chosen = np.flatnonzero((key >= 0) & (key < n))
    if len(chosen) == 0:
        return out
    chosen = chosen[np.argsort(key[chosen], kind="stable")]
    keys, ordered = key[chosen], values[chosen]
    starts = np.flatnonzero(np.diff(keys, prepend=-1))
    ends = np.append(starts[1:], len(keys))
    for k, a, b in zip(keys[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[k] = ordered[a:b].sum()
    return out


#: Rows per block of :func:`running_sums`.
RUNNING_BLOCK_ROWS = 1 << 20


def running_sums(
    n: int, rows: int, block: Callable[[slice], tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Per key ``0..n-1``, its values added one by one in row order, a block of rows at a time.

    ``block(rows)`` gives the keys and values of the rows in the slice ``rows``. The sums
    are those of ``np.bincount(key, weights=values, minlength=n)`` bit for bit (both add
    each row's value to its key's sum in row order), but the keys and values of the whole
    ledger are never made at once: their working arrays (int64 keys, float values: 16
    bytes a row) are one block's.

    Raises:
        ValueError: If a key lies outside ``0..n-1`` (as ``np.bincount`` refuses negative keys).
    """
    out = np.zeros(n)
    for start in range(0, rows, RUNNING_BLOCK_ROWS):
        key, values = block(slice(start, min(start + RUNNING_BLOCK_ROWS, rows)))
        if len(key) and (key.min() < 0 or key.max() >= n):  # np.add.at would wrap a -1
            raise ValueError(f"running_sums: keys must lie in 0..{n - 1}")
        np.add.at(out, key, values)
    return out


#: Rows above which :func:`groupby_sums` groups a key of small whole numbers block by block.
BLOCK_ROWS = 1 << 22


def groupby_sums(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the sum of ``values`` per key, as pandas groupby sums them.

    pandas adds each group's values in row order with Kahan compensation; grouping by one
    integer key does the same additions as grouping by the columns it encodes, much faster.
    A key longer than :data:`BLOCK_ROWS` rows whose values are whole numbers from 0 to
    below :data:`BLOCK_ROWS` (firms' codes over the whole ledger) is grouped in blocks of
    consecutive keys (:func:`key_blocks`): each group's values are the same and added in the
    same order, and pandas' working arrays (int64 codes and more, ~20 bytes a row) are one
    block's, not the whole key's.
    """
    if len(key) <= BLOCK_ROWS or key.min() < 0 or key.max() >= BLOCK_ROWS:
        return _pandas_sums(key, values)
    blocks = key_blocks(np.bincount(key), BLOCK_ROWS)
    block = blocks.astype(narrowest_int(int(blocks[-1]) + 1))[key]
    parts = [_pandas_sums(key[rows], values[rows]) for rows in _rows_of_blocks(block)]
    return np.concatenate([k for k, _ in parts]), np.concatenate([v for _, v in parts])


def _pandas_sums(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sums = pd.Series(values, dtype="float64").groupby(key).sum()
    return sums.index.to_numpy(), sums.to_numpy()


def key_blocks(counts: np.ndarray, rows: int) -> np.ndarray:
    """The block of each key ``0..len(counts)-1``: consecutive keys, at most ``rows`` rows each.

    Args:
        counts: Rows of each key.
        rows: The most rows of a block, unless one key has more (then it is alone in one).
    """
    ends = np.cumsum(counts)
    out = np.empty(len(counts), dtype=np.int64)
    first, block = 0, 0
    while first < len(counts):
        start = int(ends[first] - counts[first])
        last = max(first + 1, int(np.searchsorted(ends, start + rows, side="right")))
        out[first:last] = block
        first, block = last, block + 1
    return out


def _rows_of_blocks(block: np.ndarray) -> Iterator[np.ndarray]:
    """Row numbers of each block, in row order, one block at a time."""
    for b in range(int(block.max()) + 1):
        yield np.flatnonzero(block == b)


def narrowest_int(n: int) -> np.dtype:
    """The narrowest signed integer type that holds ``-n`` to ``n`` (at least int8)."""
    return np.promote_types(np.int8, np.min_scalar_type(-max(n, 1)))
