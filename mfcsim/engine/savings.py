"""Clarke–Wright savings for tours that collect, then deliver (the fleets' ``tour: savings``).

A tour here is two chains of stops: the suppliers it collects from, in order, then the
receivers it delivers to, in order; the vehicle leaves the depot empty, collects everything,
delivers, and drives back empty. Its vehicle-km are

    depot → first pickup + pickup chain + last pickup → first drop + drop chain
    + last drop → depot.

The day's one-receiver tours of a fleet (:mod:`mfcsim.engine.fleets`, nearest-neighbour
collection) are merged greedily, as in the parallel savings method of Clarke and Wright
(1964, Operations Research 12(4), 568-581): merging tours A and B joins A's pickup chain to
B's (end to start) and A's drop chain to B's, in whichever of the four orders (A's pickups
or B's first; A's drops or B's first) is shortest; its *saving* is km(A) + km(B) − km(merged).
Repeatedly, the pair with the largest saving (ties: the lowest tour numbers) is merged, if

- the saving is positive (more than :data:`MIN_SAVING_KM`),
- the two loads fit the vehicle together (t and m3: all lots are on board before the
  first drop), and
- the merged tour fits in a working day (its driving time plus a stop time for every stop
  of both tours), and
- its pickup chain and its drop chain are each at most ``span_km`` long (the fleet's
  ``tour_span``): the suppliers it collects from are near each other, and so are the
  receivers it serves. A lot then rides at most four spans further than straight from its
  supplier to its receiver: the rest of the pickup chain (a span at most), from the last
  pickup to the first drop (at most the direct distance and two spans, by the triangle
  inequality), and the drops before its own (a span at most).

until no pair qualifies. Merges never add vehicle-km; they take out the empty run back to
the depot and out again, and share loaded kilometres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A merge must save more vehicle-km than this.
MIN_SAVING_KM = 1e-9
#: A load above the capacity by this share or less still fits (rounding of split lots).
ROUNDING = 1e-9


@dataclass(frozen=True)
class Vehicle:
    """What a merged tour must respect: capacity, speed, stop and working time (days)."""

    capacity_t: float
    capacity_m3: float
    speed_km_per_day: float
    stop_day: float
    working_day: float


@dataclass
class Chains:
    """The tours being merged, as arrays (one entry per tour; positions index ``km``).

    Attributes:
        km: Distances between the places involved (a square matrix, depot included).
        depot: The depot's position in ``km``.
        pf, pl, df, dl: First and last pickup, first and last drop of each tour.
        p_km, d_km: Length of each tour's pickup chain and drop chain.
        load_t, load_m3: Each tour's load.
        stops: Each tour's number of stops.
        span_km: The longest pickup chain and the longest drop chain a merged tour may have.
    """

    km: np.ndarray
    depot: int
    pf: np.ndarray
    pl: np.ndarray
    df: np.ndarray
    dl: np.ndarray
    p_km: np.ndarray
    d_km: np.ndarray
    load_t: np.ndarray
    load_m3: np.ndarray
    stops: np.ndarray
    span_km: float = np.inf

    def tour_km(self, i: np.ndarray | int | slice = slice(None)) -> np.ndarray:
        """Vehicle-km of tours ``i`` (default: all), depot to depot."""
        d, dep = self.km, self.depot
        km = d[dep, self.pf[i]] + self.p_km[i] + d[self.pl[i], self.df[i]] + self.d_km[i]
        return np.asarray(km + d[self.dl[i], dep], dtype=float)

    def merged_km(self, a: np.ndarray | int, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vehicle-km of tour(s) ``a`` merged with each of ``b``, and the best order (0-3).

        Order ``k``: bit 1 set when ``b``'s pickups come first, bit 0 when its drops do; of
        equal lengths the lowest ``k``. An order whose pickup or drop chain would be longer
        than :attr:`span_km` is not taken (inf km when none is left). ``a`` and ``b``
        broadcast (e.g. a column and a row).
        """
        d, dep = self.km, self.depot
        pf_a, pl_a, df_a, dl_a = self.pf[a], self.pl[a], self.df[a], self.dl[a]
        pf_b, pl_b, df_b, dl_b = self.pf[b], self.pl[b], self.df[b], self.dl[b]
        chains = self.p_km[a] + self.p_km[b] + self.d_km[a] + self.d_km[b]
        a_picks_first = d[dep, pf_a] + d[pl_a, pf_b] + chains  # then on from b's last pickup
        b_picks_first = d[dep, pf_b] + d[pl_b, pf_a] + chains  # then on from a's last pickup
        a_drops_first = d[dl_a, df_b] + d[dl_b, dep]  # after the first drop chain
        b_drops_first = d[dl_b, df_a] + d[dl_a, dep]
        # the merged chains' lengths: none may exceed the span
        pick_a_first = self.p_km[a] + d[pl_a, pf_b] + self.p_km[b] <= self.span_km
        pick_b_first = self.p_km[b] + d[pl_b, pf_a] + self.p_km[a] <= self.span_km
        drop_a_first = self.d_km[a] + d[dl_a, df_b] + self.d_km[b] <= self.span_km
        drop_b_first = self.d_km[b] + d[dl_b, df_a] + self.d_km[a] <= self.span_km
        options = (
            np.where(pick_a_first & drop_a_first,
                     a_picks_first + d[pl_b, df_a] + a_drops_first, np.inf),
            np.where(pick_a_first & drop_b_first,
                     a_picks_first + d[pl_b, df_b] + b_drops_first, np.inf),
            np.where(pick_b_first & drop_a_first,
                     b_picks_first + d[pl_a, df_a] + a_drops_first, np.inf),
            np.where(pick_b_first & drop_b_first,
                     b_picks_first + d[pl_a, df_b] + b_drops_first, np.inf),
        )  # fmt: skip
        best_km, best = options[0], np.zeros(np.shape(options[0]), dtype=np.int64)
        for k in (1, 2, 3):
            shorter = options[k] < best_km
            best_km, best = np.where(shorter, options[k], best_km), np.where(shorter, k, best)
        return best_km, best


def merge_order(chains: Chains, vehicle: Vehicle) -> list[tuple[int, int, int]]:
    """The merges of the savings method, in the order made: (kept tour, merged tour, order).

    The kept tour is the lower-numbered; ``order`` as in :meth:`Chains.merged_km`, with the
    merged tour as ``b``. The arrays of ``chains`` are updated to the merged tours.
    """
    n = len(chains.pf)
    if n < 2:
        return []
    alone = chains.tour_km()
    rows = np.arange(n)
    merged, order = chains.merged_km(rows[:, None], rows[None, :])
    fits = _fits(chains, vehicle, rows[:, None], rows[None, :], merged)
    upper = rows[:, None] < rows[None, :]  # each pair once, the lower-numbered tour first
    saving = np.where(fits & upper, alone[:, None] + alone[None, :] - merged, -np.inf)
    merges: list[tuple[int, int, int]] = []
    live = np.ones(n, dtype=bool)
    while True:
        k = int(np.argmax(saving))
        a, b = divmod(k, n)
        if not saving[a, b] > MIN_SAVING_KM:
            return merges
        merges.append((a, b, int(order[a, b])))
        _join(chains, a, b, int(order[a, b]))
        live[b] = False
        saving[b, :] = saving[:, b] = -np.inf
        alone[a] = chains.tour_km(a)
        room = (chains.load_t[a] + chains.load_t <= vehicle.capacity_t * (1.0 + ROUNDING)) & (
            chains.load_m3[a] + chains.load_m3 <= vehicle.capacity_m3 * (1.0 + ROUNDING)
        )
        others = np.flatnonzero(live & room & (rows != a))
        saving[a, :] = saving[:, a] = -np.inf
        if len(others):
            low, high = np.minimum(a, others), np.maximum(a, others)
            merged, order[low, high] = chains.merged_km(low, high)
            saving[low, high] = np.where(_fits(chains, vehicle, low, high, merged),
                                         alone[low] + alone[high] - merged, -np.inf)  # fmt: skip


def _fits(
    chains: Chains, vehicle: Vehicle, a: np.ndarray | int, b: np.ndarray, merged_km: np.ndarray
) -> np.ndarray:
    """Which merges of ``a`` with each of ``b`` fit the vehicle's capacity and working day."""
    load_t = chains.load_t[a] + chains.load_t[b]
    load_m3 = chains.load_m3[a] + chains.load_m3[b]
    hours = (
        merged_km / vehicle.speed_km_per_day
        + (chains.stops[a] + chains.stops[b]) * vehicle.stop_day
    )
    fits: np.ndarray = (
        (load_t <= vehicle.capacity_t * (1.0 + ROUNDING))
        & (load_m3 <= vehicle.capacity_m3 * (1.0 + ROUNDING))
        & (hours <= vehicle.working_day)
    )
    return fits


def _join(chains: Chains, a: int, b: int, order: int) -> None:
    """Tour ``a`` becomes ``a`` merged with ``b`` in ``order`` (see :meth:`Chains.merged_km`)."""
    d = chains.km
    x, y = (b, a) if order & 2 else (a, b)
    u, v = (b, a) if order & 1 else (a, b)
    pf, pl = chains.pf[x], chains.pl[y]
    p_km = chains.p_km[x] + d[chains.pl[x], chains.pf[y]] + chains.p_km[y]
    df, dl = chains.df[u], chains.dl[v]
    d_km = chains.d_km[u] + d[chains.dl[u], chains.df[v]] + chains.d_km[v]
    chains.pf[a], chains.pl[a], chains.p_km[a] = pf, pl, p_km
    chains.df[a], chains.dl[a], chains.d_km[a] = df, dl, d_km
    chains.load_t[a] += chains.load_t[b]
    chains.load_m3[a] += chains.load_m3[b]
    chains.stops[a] += chains.stops[b]
