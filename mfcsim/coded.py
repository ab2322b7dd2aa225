"""Columns on integer codes: coding, membership tests and per-group sums as pandas and numpy do.

The indicators and nutrient balances sum ledger rows per firm, material or period many times
over. These helpers work on category codes (no strings compared per row) and add each group's
values in the same order and by the same method as the plain pandas or numpy expression they
replace, so every sum is identical to the last bit.
"""

from __future__ import annotations

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
        narrow: Where the column's categories are the first of ``names``, in order, and no
            value is missing, return its category codes as they are (int8 or int16: no int64
            copy of a long column; the caller widens before arithmetic that could overflow).
    """
    column = categorical(column)
    if narrow and _numbered_alike(column, names):
        return column.cat.codes.to_numpy()
    position = pd.Index(names).get_indexer([str(c) for c in column.cat.categories])
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
    return np.array([str(c) in names for c in column.cat.categories] + [False])


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


def groupby_sums(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the sum of ``values`` per key, as pandas groupby sums them.

    pandas adds each group's values in row order with Kahan compensation; grouping by one
    integer key does the same additions as grouping by the columns it encodes, much faster.
    """
    sums = pd.Series(values, dtype="float64").groupby(key).sum()
    return sums.index.to_numpy(), sums.to_numpy()
