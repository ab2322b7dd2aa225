"""The ledger: every movement of every material, in columnar buffers.

One row per movement: ``t_day, source, target, material, quantity, kind`` plus the
accounting attributes ``distance_km``, ``value_eur`` and ``co2e_t``. Nodes, materials and
kinds are small integer codes in the hot loop; :meth:`Ledger.frame` turns the buffers into a
pandas frame with categorical columns once, at the end.

Transformations inside a firm are rows whose source and target are the same firm: kind
``production`` adds to the firm's stock and kind ``consumption`` takes from it. Every other
row moves a quantity from its source to its target.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from enum import IntEnum

import numpy as np
import pandas as pd


class Kind(IntEnum):
    """What a ledger row records."""

    PRODUCTION = 0  # a process output appears in a firm's stock (source == target)
    CONSUMPTION = 1  # a process input leaves a firm's stock (source == target)
    SHIPMENT = 2  # firm -> in_transit (dispatch) or in_transit -> firm (arrival)
    IMPORT = 3  # import market -> firm
    EXPORT = 4  # firm -> export market
    DISPOSAL = 5  # firm -> a disposal route (landfill, incineration, dissipation)
    EMISSION = 6  # firm -> air, water or soil
    EXTRACTION = 7  # environment -> firm (water uptake, photosynthesis, oxygen)
    FINAL_CONSUMPTION = 8  # firm -> consumption (food eaten)


KIND_NAMES = [k.name.lower() for k in Kind]
FLOW_COLUMNS = [
    "t_day",
    "source",
    "target",
    "material",
    "quantity",
    "kind",
    "distance_km",
    "value_eur",
    "co2e_t",
]


#: Row layout of the buffers (54 bytes a row).
ROW_DTYPE = np.dtype([
    ("t_day", "f8"), ("phase", "i1"), ("source", "i4"), ("target", "i4"), ("material", "i4"),
    ("quantity", "f8"), ("kind", "i1"), ("distance_km", "f8"), ("value_eur", "f8"),
    ("co2e_t", "f8"),
])  # fmt: skip
#: Phase code of rows written between the daily ticks (shipment arrivals).
BETWEEN_TICKS = 9
_CHUNK_ROWS = 1 << 16


class Ledger:
    """Append-only buffers of flow rows: single rows and whole numpy chunks.

    Rows carry the code of the daily phase that wrote them (``phase``, set by the clock).
    :meth:`frame` returns them in the ledger's canonical order, a stable sort by
    ``(t_day, phase, source, target, material, kind)``, so the order does not depend on how
    an engine loops over firms, only on what it records.

    Args:
        nodes: Node names; row codes index into it.
        materials: Material ids; row codes index into it.
    """

    def __init__(self, nodes: list[str], materials: list[str]) -> None:
        self.nodes, self.materials = nodes, materials
        self.phase = 0
        self._rows: list[tuple[float, int, int, int, int, float, int, float, float, float]] = []
        self._chunks: list[np.ndarray] = []
        self._n_chunked = 0
        self._frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return self._n_chunked + len(self._rows)

    def add(
        self,
        t_day: float,
        source: int,
        target: int,
        material: int,
        quantity: float,
        kind: Kind,
        *,
        distance_km: float = 0.0,
        value_eur: float = 0.0,
        co2e_t: float = 0.0,
    ) -> None:
        """Append one row; a quantity of zero or less records nothing."""
        if quantity <= 0.0:
            return
        rows = self._rows
        rows.append(
            (
                t_day,
                self.phase,
                source,
                target,
                material,
                quantity,
                kind,
                distance_km,
                value_eur,
                co2e_t,
            )
        )
        if len(rows) >= _CHUNK_ROWS:
            self._flush()

    def add_many(
        self,
        t_day: np.ndarray | float,
        source: np.ndarray | int,
        target: np.ndarray | int,
        material: np.ndarray | int,
        quantity: np.ndarray,
        kind: Kind,
        *,
        distance_km: np.ndarray | float = 0.0,
        value_eur: np.ndarray | float = 0.0,
        co2e_t: np.ndarray | float = 0.0,
    ) -> None:
        """Append many rows of one kind at once; rows with quantity <= 0 are dropped."""
        keep = quantity > 0.0
        n = int(np.count_nonzero(keep))
        if n == 0:
            return
        self._flush()
        every = n == len(quantity)  # nothing to drop: arrays are copied in as they are
        chunk = np.zeros(n, dtype=ROW_DTYPE)  # fields left at zero need no assignment
        chunk["phase"] = self.phase
        for name, value in (
            ("t_day", t_day),
            ("distance_km", distance_km),
            ("source", source),
            ("target", target),
            ("material", material),
            ("value_eur", value_eur),
            ("co2e_t", co2e_t),
        ):
            if isinstance(value, np.ndarray):
                chunk[name] = value if every else value[keep]
            elif value != 0:
                chunk[name] = value
        chunk["quantity"] = quantity if every else quantity[keep]
        chunk["kind"] = kind
        self._chunks.append(chunk)
        self._n_chunked += n

    def _flush(self) -> None:
        if self._rows:
            self._chunks.append(np.array(self._rows, dtype=ROW_DTYPE))
            self._n_chunked += len(self._rows)
            self._rows = []

    def _column(self, name: str) -> np.ndarray:
        """One field of every row, in the order written."""
        if not self._chunks:
            return np.empty(0, dtype=ROW_DTYPE[name])
        return np.concatenate([chunk[name] for chunk in self._chunks])

    def frame(self, *, on_release: Callable[[], object] | None = None) -> pd.DataFrame:
        """The rows in canonical order as a frame with fixed columns and dtypes.

        The rows are sorted a segment at a time (segments end between (t_day, phase) groups,
        which the canonical order never crosses) straight into the frame's own arrays: one
        2-D float block and the category codes, which pandas takes without copying. Each
        buffer chunk is released as soon as its rows are in the frame: the frame is the
        ledger from here on (a second call returns the same frame).

        Args:
            on_release: Called after every ``_RELEASE_BYTES`` of chunks released (to hand the
                freed memory back to the system while the frame is filled, so the buffers
                and the frame are never both held whole).
        """
        if self._frame is not None:
            return self._frame
        self._flush()
        n = len(self)
        floats = np.empty((len(_FLOAT_COLUMNS), n))
        codes = {name: np.empty(n, _code_dtype(len(self._labels(name)))) for name in _CATEGORIES}
        ends = np.cumsum([len(chunk) for chunk in self._chunks])
        segments, in_order = self._segments()
        chunks: list[np.ndarray | None] = list(self._chunks)
        self._chunks = []
        done, released = 0, 0  # chunks wholly in the frame; their bytes since on_release
        for start, end in segments:
            rows = _slice(chunks, ends, start, end)
            order = _order_in_groups(rows) if in_order else canonical_order(rows)
            rows = as_bytes(rows)[order].view(ROW_DTYPE)
            for i, name in enumerate(_FLOAT_COLUMNS):
                floats[i, start:end] = rows[name]
            for name, out in codes.items():
                out[start:end] = rows[name]
            del rows
            while done < len(chunks) and ends[done] <= end:
                released += ROW_DTYPE.itemsize * int(ends[done] - (ends[done - 1] if done else 0))
                chunks[done], done = None, done + 1
            if on_release is not None and released >= _RELEASE_BYTES:
                on_release()
                released = 0
        if on_release is not None and released:
            on_release()
        frame = pd.DataFrame(floats.T, columns=_FLOAT_COLUMNS, copy=False)
        for name, out in codes.items():
            column = pd.Categorical.from_codes(out, self._labels(name))
            frame.insert(FLOW_COLUMNS.index(name), name, column)
        self._frame = frame
        return frame

    def _labels(self, name: str) -> list[str]:
        """The categories of a coded column."""
        names = _CATEGORIES[name]
        return getattr(self, names) if isinstance(names, str) else names

    def _segments(self) -> tuple[list[tuple[int, int]], bool]:
        """Row ranges of about ``_SEGMENT_ROWS`` rows, each made of whole (t_day, phase) groups.

        Read chunk by chunk (no column of the whole ledger is made: at 30 million rows its
        t_day and the differences of it took 0.5 GB while every chunk was still held).

        Returns:
            The ranges and whether the rows are in clock order (by t_day, then phase); if they
            are not, the canonical order may move any row and there is one range.
        """
        n = len(self)
        if n == 0:
            return [], True
        starts, offset = [], 0
        last: tuple[float, int] | None = None  # (t_day, phase) of the previous chunk's last row
        for chunk in self._chunks:
            if len(chunk) == 0:
                continue
            t_day, phase = chunk["t_day"], chunk["phase"]
            first = (float(t_day[0]), int(phase[0]))
            # a first row before the last one, or a NaN day (compares neither way): out of order
            if (last is not None and not first >= last) or not _in_clock_order(t_day, phase):
                return [(0, n)], False
            if last is not None and first != last:
                starts.append(np.array([offset]))
            changed = (t_day[1:] != t_day[:-1]) | (phase[1:] != phase[:-1])
            starts.append(np.flatnonzero(changed) + 1 + offset)
            last, offset = (float(t_day[-1]), int(phase[-1])), offset + len(chunk)
        group_starts = np.concatenate(starts)
        at = np.searchsorted(group_starts, np.arange(_SEGMENT_ROWS, n, _SEGMENT_ROWS))
        bounds = [0, *np.unique(group_starts[at[at < len(group_starts)]]).tolist(), n]
        return list(itertools.pairwise(bounds)), True


def _slice(chunks: list[np.ndarray | None], ends: np.ndarray, start: int, end: int) -> np.ndarray:
    """Rows ``start:end`` in the order written, as one array (``ends``: chunk ends).

    The chunks holding those rows must still be there (released chunks are None).
    """
    first, last = np.searchsorted(ends, [start, end - 1], side="right").tolist()
    pieces = []
    for i in range(first, last + 1):
        chunk = chunks[i]
        assert chunk is not None, "a chunk released before its rows were read"
        offset = int(ends[i]) - len(chunk)
        pieces.append(as_bytes(chunk[max(start - offset, 0) : end - offset]))
    return np.concatenate(pieces).view(ROW_DTYPE)


def as_bytes(rows: np.ndarray) -> np.ndarray:
    """Structured rows as opaque bytes: gathered and joined far faster than field by field.

    ``as_bytes(rows)[order].view(rows.dtype)`` is ``rows[order]``.
    """
    return rows.view(np.dtype((np.void, rows.dtype.itemsize)))


#: Rows sorted at a time by :meth:`Ledger.frame` (fewer when a segment boundary would split
#: a (t_day, phase) group).
_SEGMENT_ROWS = 1 << 15
#: Bytes of buffer chunks released by :meth:`Ledger.frame` between calls of its ``on_release``.
_RELEASE_BYTES = 64 * 2**20
#: Categories of the coded columns: a Ledger attribute's name, or the names themselves.
_CATEGORIES: dict[str, str | list[str]] = {
    "source": "nodes", "target": "nodes", "material": "materials", "kind": KIND_NAMES,
}  # fmt: skip
_FLOAT_COLUMNS = [name for name in FLOW_COLUMNS if name not in _CATEGORIES]


def _code_dtype(n_categories: int) -> np.dtype:
    """The integer type pandas keeps the codes of ``n_categories`` categories in."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _in_clock_order(t_day: np.ndarray, phase: np.ndarray) -> bool:
    """Whether the rows are sorted by t_day, and by phase within a t_day."""
    step = np.diff(t_day)
    return bool((step >= 0.0).all() and (np.diff(phase)[step == 0.0] >= 0).all())


def canonical_order(data: Mapping[str, np.ndarray] | np.ndarray) -> np.ndarray:
    """The permutation that sorts rows stably by (t_day, phase, source, target, material, kind).

    The daily clock appends rows in (t_day, phase) order, so the rows are usually sorted on
    those two already: then each (t_day, phase) group is sorted by one packed integer key,
    which gives the same permutation as the full six-key sort, much faster. Otherwise the
    full sort is done.
    """
    t_day, phase = data["t_day"], data["phase"]
    if len(t_day) < 2:
        return np.arange(len(t_day))
    if not _in_clock_order(t_day, phase):
        return np.lexsort((data["kind"], data["material"], data["target"], data["source"],
                           phase, t_day))  # fmt: skip
    return _order_in_groups(data)


def _order_in_groups(data: Mapping[str, np.ndarray] | np.ndarray) -> np.ndarray:
    """The canonical order of rows in clock order: each (t_day, phase) group by a packed key."""
    t_day, phase = data["t_day"], data["phase"]
    if len(t_day) < 2:
        return np.arange(len(t_day))
    group = np.concatenate([[0], np.cumsum((np.diff(t_day) != 0.0) | (np.diff(phase) != 0))])
    n_nodes = int(max(data["source"].max(), data["target"].max())) + 1
    n_kinds = len(Kind)
    key = data["source"].astype(np.int64) * n_nodes + data["target"]
    key = (key * (int(data["material"].max()) + 1) + data["material"]) * n_kinds + data["kind"]
    if int(group[-1]) + 1 > np.iinfo(np.int64).max // (int(key.max()) + 1):
        return np.lexsort((key, group))
    return np.argsort(group * (int(key.max()) + 1) + key, kind="stable")
