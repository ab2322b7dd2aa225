"""Nearest offers by planar distance, remembered from day to day.

Each day the agent asks, for every request and every material it accepts, for the few
nearest offers of that material. A k-d tree answers that from scratch each day; but the
firms offering a material change little from one day to the next (a firm's surplus comes
and goes, the firm stays where it is). :class:`NeighbourIndex` keeps, per material, the firms
that have offered it so far and, for each requesting firm, the nearest of them in order of
distance; a day's query then only skips the firms without an offer today. When a new firm
offers the material, that material's lists are made anew.

Order: by squared planar distance (as a k-d tree compares them), ties by firm index.
"""

from __future__ import annotations

import numpy as np

#: How many nearest offering firms are kept per requesting firm and material; a request
#: that finds fewer than it wants among them, while more firms exist, is answered from the
#: whole list.
KEPT_NEIGHBOURS = 32
#: Firm pairs whose distances are computed at once when lists are made (bounds memory).
CHUNK_PAIRS = 1 << 20


class NeighbourIndex:
    """Offering firms of each material, by distance from each requesting firm.

    Args:
        positions_km: Planar position (x, y in km) of every firm, by firm index.
        kept: How many nearest offering firms to keep per requesting firm and material.
    """

    def __init__(self, positions_km: np.ndarray, kept: int = KEPT_NEIGHBOURS) -> None:
        self.positions_km = np.asarray(positions_km, dtype=float)
        self.kept = kept
        n_firms = len(self.positions_km)
        self._offerers: dict[int, np.ndarray] = {}  # material → firms that offered it, sorted
        self._lists: dict[int, np.ndarray] = {}  # material → (firms × kept) nearest offerers
        self._known: dict[int, np.ndarray] = {}  # material → bool per firm: its list is made
        self._is_offerer: dict[int, np.ndarray] = {}  # material → bool per firm
        self._live_row = np.full(n_firms, -1, dtype=np.int64)

    def _by_distance(self, candidates: np.ndarray, firms: np.ndarray, width: int) -> np.ndarray:
        """For each of ``firms``, the ``width`` nearest of ``candidates`` (each row its own).

        Args:
            candidates: Firm indices, ascending (ties at equal distance keep this order), as
                one row for all or a row per firm.
            firms: The firms measured from.
            width: How many to keep per firm.
        """
        width = min(width, candidates.shape[-1])
        out = np.empty((len(firms), width), dtype=np.int64)
        step = max(1, CHUNK_PAIRS // max(1, candidates.shape[-1]))
        for start in range(0, len(firms), step):
            part = slice(start, start + step)
            cand = candidates if candidates.ndim == 1 else candidates[part]
            cand = np.broadcast_to(cand, (len(firms[part]), candidates.shape[-1]))
            fx, fy = self.positions_km[firms[part]].T
            dx = self.positions_km[cand, 0] - fx[:, None]
            dy = self.positions_km[cand, 1] - fy[:, None]
            out[part] = np.take_along_axis(cand, _nearest_columns(dx * dx + dy * dy, width), 1)
        return out

    def _lists_for(self, m: int, firms: np.ndarray) -> np.ndarray:
        """The kept nearest offerers of ``m`` for ``firms`` (made where not yet known)."""
        width = min(self.kept, len(self._offerers[m]))
        lists, known = self._lists[m], self._known[m]
        new = np.unique(firms[~known[firms]])
        if len(new):
            lists[new, :width] = self._by_distance(self._offerers[m], new, width)
            known[new] = True
        return lists[firms, :width]

    def _learn(self, m: int, firms: np.ndarray) -> None:
        """Note today's offering firms of ``m``; new ones are merged into the kept lists."""
        n_firms = len(self.positions_km)
        if m not in self._offerers:
            self._offerers[m] = np.empty(0, dtype=np.int64)
            self._is_offerer[m] = np.zeros(n_firms, dtype=bool)
            self._lists[m] = np.full((n_firms, self.kept), -1, dtype=np.int64)
            self._known[m] = np.zeros(n_firms, dtype=bool)
        is_offerer = self._is_offerer[m]
        new = np.unique(firms[~is_offerer[firms]])
        if not len(new):
            return
        width = min(self.kept, len(self._offerers[m]))
        is_offerer[new] = True
        self._offerers[m] = np.flatnonzero(is_offerer)
        known = np.flatnonzero(self._known[m])
        if len(known):
            # the nearest among old and new offerers are among the kept old ones and the new
            cand = np.concatenate(
                [self._lists[m][known, :width], np.broadcast_to(new, (len(known), len(new)))],
                axis=1,
            )
            wider = min(self.kept, len(self._offerers[m]))
            self._lists[m][known, :wider] = self._by_distance(np.sort(cand, axis=1), known, wider)

    def nearest(
        self,
        offer_firm: np.ndarray,
        offer_material: np.ndarray,
        ask_firm: np.ndarray,
        ask_material: np.ndarray,
        want: int,
    ) -> np.ndarray:
        """The ``want`` nearest offers of each ask's material, nearest first.

        Args:
            offer_firm: Firm of each of today's offers (at most one per firm and material).
            offer_material: Material of each offer.
            ask_firm: Firm asking, per ask.
            ask_material: Material asked for, per ask.
            want: How many offers per ask.

        Returns:
            An (asks × want) array of offer rows; ``len(offer_firm)`` where fewer exist.
        """
        near = np.full((len(ask_firm), want), len(offer_firm), dtype=np.int64)
        for m in np.unique(ask_material).tolist():
            rows_m = np.flatnonzero(offer_material == m)
            if not len(rows_m) or want < 1:
                continue
            firms_m = offer_firm[rows_m]
            self._learn(m, firms_m)
            asks = np.flatnonzero(ask_material == m)
            self._live_row[firms_m] = rows_m
            found = self._fill(near, asks, self._lists_for(m, ask_firm[asks]), want)
            short = asks[found < min(want, len(rows_m))]
            if len(short):  # today's offers are sparse among the kept: look at all of them
                self._fill(
                    near, short, self._by_distance(np.sort(firms_m), ask_firm[short], want), want
                )
            self._live_row[firms_m] = -1
        return near

    def _fill(self, near: np.ndarray, asks: np.ndarray, lists: np.ndarray, want: int) -> np.ndarray:
        """Write the first ``want`` of today's offers in each list into ``near``.

        Returns how many each ask found.
        """
        rows = self._live_row[lists]
        live = rows >= 0
        rank = np.cumsum(live, axis=1)
        r, c = np.nonzero(live & (rank <= want))
        near[asks[r], rank[r, c] - 1] = rows[r, c]
        return rank[:, -1] if rank.shape[1] else np.zeros(len(asks), dtype=np.int64)


def _nearest_columns(d2: np.ndarray, width: int) -> np.ndarray:
    """Per row, the columns of the ``width`` smallest ``d2``, ascending, ties by column.

    What ``np.argsort(d2, axis=1, kind="stable")[:, :width]`` gives, without sorting whole
    rows: a partition finds each row's ``width``-th smallest value, and only the columns up
    to it (ties included) are sorted. That pays for long rows only (measured: 400 × 300,
    width 32: 3.0 against 5.1 ms; 500 × 50, width 11: 0.85 against 0.51 ms).
    """
    n_rows, n_cols = d2.shape
    if n_cols <= 4 * width:
        return np.argsort(d2, axis=1, kind="stable")[:, :width]
    kth = np.partition(d2, width - 1, axis=1)[:, width - 1 : width]
    r, c = np.nonzero(d2 <= kth)  # row by row, columns ascending
    order = np.lexsort((d2[r, c], r))
    r, c = r[order], c[order]
    start = np.searchsorted(r, np.arange(n_rows))
    rank = np.arange(len(r)) - start[r]
    keep = rank < width
    out = np.empty((n_rows, width), dtype=np.int64)
    out[r[keep], rank[keep]] = c[keep]
    return out
