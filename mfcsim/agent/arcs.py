"""Candidate arcs of the daily clearing: for each request, the nearest offers with a route.

Pure functions on columns (no SimPy, no simulation state): :func:`nearest_arc_columns` chooses,
for each request and each material it accepts (its own, then its substitutes), the k nearest
offers with a route, nearest by planar position (a k-d tree over the day's offers, or the
agent's :class:`~mfcsim.agent.neighbours.NeighbourIndex` kept across days), then orders them by
route distance. :mod:`mfcsim.agent.clearing` wraps it for its objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mfcsim.agent.neighbours import NeighbourIndex
from mfcsim.agent.order import sort_within_blocks

#: Routes of candidate deliveries, as columns: (offer rows, request rows) →
#: (routable?, cost per unit shipped, route km, shared-capacity index or -1).
RouteColumns = Callable[
    [np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
]


@dataclass(frozen=True)
class ArcColumns:
    """Candidate arcs as parallel columns (the fields of :class:`Arc`; capacity: index or -1)."""

    offer: np.ndarray
    request: np.ndarray
    factor: np.ndarray
    cost: np.ndarray
    km: np.ndarray
    capacity: np.ndarray


def _acceptances(
    request_material: np.ndarray,
    substitutes: dict[int, list[tuple[int, float]]],
    accepts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (request, accepted material, factor, slot), by request, own material first (slot 0).

    Substitutes are offered only to the requests ``accepts`` marks (all if None).
    """
    parts = []
    for m in np.unique(request_material).tolist():
        js = np.flatnonzero(request_material == m)
        parts.append((js, m, 1.0, 0))
        subs = js if accepts is None else js[accepts[js]]
        if not len(subs):
            continue
        for slot, (material, factor) in enumerate(substitutes.get(m, []), start=1):
            parts.append((subs, material, factor, slot))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0), empty
    j = np.concatenate([js for js, *_ in parts])
    slot = np.concatenate([np.full(len(js), slot, dtype=np.int64) for js, _, _, slot in parts])
    order = np.lexsort((slot, j))
    return (
        j[order],
        np.concatenate([np.full(len(js), mat, dtype=np.int64) for js, mat, _, _ in parts])[order],
        np.concatenate([np.full(len(js), fac) for js, _, fac, _ in parts])[order],
        slot[order],
    )


def nearest_arc_columns(
    offer_firm: np.ndarray,
    offer_material: np.ndarray,
    offer_quantity: np.ndarray,
    request_firm: np.ndarray,
    request_material: np.ndarray,
    routes: RouteColumns,
    substitutes: dict[int, list[tuple[int, float]]],
    k: int,
    positions_km: np.ndarray,
    neighbours: NeighbourIndex | None = None,
    accepts: np.ndarray | None = None,
) -> ArcColumns:
    """Candidate arcs: for each request and each acceptable material, the k nearest offers.

    Nearness is judged on planar positions, with a k-d tree (scipy ``cKDTree``) over today's
    offers, or with ``neighbours``, lists kept from day to day (the agent's way; the same
    neighbours, ties at equal distance by offer order). Among the k + 1 nearest offers (one
    may be the requester's own), those with a route are kept, by route distance (ties:
    offer order), k at most; where fewer than k of them have a route and more offers exist,
    the search widens for that request (twice as many neighbours each time). Arcs come out
    by request, then own material before substitutes (in the substitution group's order),
    then route distance.

    Args:
        offer_firm: Firm index of each offer.
        offer_material: Material index of each offer.
        offer_quantity: Units of each offer (offers of 0 are skipped).
        request_firm: Firm index of each request.
        request_material: Material index of each request.
        routes: Route columns for candidate (offer, request) pairs.
        substitutes: material → [(substitute material, request units per unit)], excluding
            the material itself.
        k: How many nearest offers per request and material to keep.
        positions_km: Planar position (x, y in km) of every firm, by firm index.
        neighbours: Nearest offering firms kept across days (at most one offer per firm and
            material); None: a k-d tree over today's offers.
        accepts: Per request: may a substitute serve it (the requesting firm's use of the
            material accepts its group)? None: every request accepts.
    """
    ask_j, ask_mat, ask_factor, _ = _acceptances(request_material, substitutes, accepts)
    live = np.flatnonzero(offer_quantity > 0.0)
    on_offer = np.bincount(offer_material[live], minlength=int(ask_mat.max(initial=-1)) + 1)
    asks = np.flatnonzero(on_offer[ask_mat] > 0) if len(ask_mat) else ask_mat
    if len(asks) == 0 or k < 1:
        e = np.empty(0, dtype=np.int64)
        return ArcColumns(e, e, np.empty(0), np.empty(0), np.empty(0), e)
    want = min(k + 1, len(live))
    if neighbours is None:
        near = _tree_nearest(
            positions_km, offer_firm[live], offer_material[live],
            request_firm[ask_j[asks]], ask_mat[asks], want,
        )  # fmt: skip
    else:
        near = neighbours.nearest(
            offer_firm[live], offer_material[live], request_firm[ask_j[asks]], ask_mat[asks], want
        )
    rows = np.repeat(asks, want)
    cand = live[np.minimum(near.ravel(), len(live) - 1)]
    same = (near.ravel() < len(live)) & (offer_material[cand] == ask_mat[rows])
    same &= offer_firm[cand] != request_firm[ask_j[rows]]
    rows, cand = rows[same], cand[same]
    ok, cost, km, cap = routes(cand, ask_j[rows])
    rows, cand, cost, km, cap = rows[ok], cand[ok], cost[ok], km[ok], cap[ok]
    short = asks[
        (np.bincount(np.searchsorted(asks, rows), minlength=len(asks)) < k)
        & (on_offer[ask_mat[asks]] > k + 1)
    ]
    if len(short):
        from scipy.spatial import cKDTree

        trees: dict[int, tuple[np.ndarray, Any]] = {}  # one tree per material, for its asks
        for m in np.unique(ask_mat[short]).tolist():
            idx = live[offer_material[live] == m]
            trees[m] = idx, cKDTree(positions_km[offer_firm[idx]])
        wider = [_k_routable(*trees[int(ask_mat[a])], offer_firm, int(request_firm[ask_j[a]]),
                             int(ask_j[a]), routes, k, positions_km)
                 for a in short.tolist()]  # fmt: skip
        keep = ~np.isin(rows, short)
        rows = np.concatenate(
            [rows[keep], *(np.full(len(w[0]), a) for a, w in zip(short, wider, strict=True))]
        )
        cand, cost, km, cap = (np.concatenate([col[keep], *parts]) for col, *parts in
                               zip((cand, cost, km, cap), *wider, strict=True))  # fmt: skip
    order = sort_within_blocks(rows, (cand, km))  # asks are in (request, slot) order
    rows, cand, cost, km, cap = rows[order], cand[order], cost[order], km[order], cap[order]
    start = np.r_[True, rows[1:] != rows[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(rows)), 0))
    keep = np.arange(len(rows)) - first < k
    rows = rows[keep]
    return ArcColumns(cand[keep], ask_j[rows], ask_factor[rows], cost[keep], km[keep], cap[keep])


def _tree_nearest(
    positions_km: np.ndarray,
    offer_firm: np.ndarray,
    offer_material: np.ndarray,
    ask_firm: np.ndarray,
    ask_material: np.ndarray,
    want: int,
) -> np.ndarray:
    """The nearest offers of each ask's material, by one k-d tree over all of today's offers.

    Returns (asks × want) offer rows; ``len(offer_firm)`` or another material's offer where
    fewer exist.
    """
    from scipy.spatial import cKDTree

    # One tree over all materials: the material is a third coordinate, so far apart that
    # the nearest neighbours of a point in its material's plane are that material's offers.
    planes = (np.ptp(positions_km, axis=0).max(initial=0.0) + 1.0) * 10.0
    tree = cKDTree(np.column_stack([positions_km[offer_firm], offer_material * planes]))
    query = np.column_stack([positions_km[ask_firm], ask_material * planes])
    _, near = tree.query(query, k=want)
    return np.asarray(near).reshape(len(ask_firm), want)


def _k_routable(
    idx: np.ndarray,
    tree: Any,
    offer_firm: np.ndarray,
    firm: int,
    j: int,
    routes: RouteColumns,
    k: int,
    positions_km: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The k nearest routable offers of ``idx`` for request ``j`` (not the requester's own).

    Asks ``tree`` (of the positions of ``idx``' firms) for k + 1 neighbours, then twice as
    many while fewer than k of them are routable and more exist. Returns (offer rows, cost,
    km, capacity), by route distance.
    """
    want, seen = min(k + 1, len(idx)), 0
    parts: list[tuple[np.ndarray, ...]] = []
    n_found = 0
    while True:
        _, near = tree.query(positions_km[firm], k=want)
        cand = idx[np.atleast_1d(near)[seen:]]
        cand = cand[offer_firm[cand] != firm]
        ok, cost, km, cap = routes(cand, np.full(len(cand), j, dtype=np.int64))
        parts.append((cand[ok], cost[ok], km[ok], cap[ok]))
        n_found += int(ok.sum())
        seen = want
        if n_found >= k or want >= len(idx):
            break
        want = min(2 * want, len(idx))
    cand, cost, km, cap = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.lexsort((cand, km))[:k]
    return cand[order], cost[order], km[order], cap[order]
