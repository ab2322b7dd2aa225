"""Shipments: goods leave a supplier into ``in_transit`` and arrive at their lead time.

Each shipment writes two ledger rows (dispatch: supplier → in_transit, with distance, cost
and transport CO2e; arrival: in_transit → receiver) and one row of the shipments table.

Arrivals are kept in arrays and applied in bulk by :meth:`Transport.deliver_due` at the
start of each daily tick (and at the horizon), rather than as one SimPy event each: nothing
reads stocks between ticks, so the outcome is the one a timeout per shipment would give.
Arrivals are applied in the order SimPy would fire them (arrival time, then dispatch
order), each recorded at its own arrival time; an arrival at exactly day d comes after the
day-d tick (the tick is urgent), so it counts from day d + 1, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mfcsim.engine.kernel.plans import flat_cells
from mfcsim.ledger import BETWEEN_TICKS, Kind, as_bytes

if TYPE_CHECKING:
    from mfcsim.engine.fleets import Fleets
    from mfcsim.engine.state import State
    from mfcsim.firms.base import Firm
    from mfcsim.ledger import Ledger
    from mfcsim.network import Route, TransportNetwork
    from mfcsim.world import World


def leg_costs(
    amount: Any,
    mass_t_per_unit: Any,
    distance_km: Any,
    cost_eur_per_unit_km: Any,
    cost_eur_per_unit: Any,
    co2e_t_per_tkm: Any,
) -> tuple[Any, Any]:
    """(transport cost EUR, CO2e t) of shipping ``amount`` units: numbers or arrays alike."""
    tkm = amount * mass_t_per_unit * distance_km
    return tkm * cost_eur_per_unit_km + amount * cost_eur_per_unit, tkm * co2e_t_per_tkm


class Transport:
    """Dispatches shipments and tracks what is on the road.

    Attributes:
        pending: Units on the way to each firm, per material (firms × materials).
        closed: Pairs of firm indices whose link is closed (both directions).
    """

    def __init__(
        self, world: World, state: State, ledger: Ledger, network: TransportNetwork
    ) -> None:
        self.world, self.state, self.ledger, self.network = world, state, ledger, network
        self.stock = state.stock
        self.pending = np.zeros((len(world.firm_ids), len(world.materials)))
        self._routes: dict[tuple[int, int, int], Route] = {}
        self._pipe_used: dict[tuple[int, int, int], float] = {}
        self.closed: dict[frozenset[int], int] = {}
        #: The fleets that carry road lots together (:mod:`mfcsim.engine.fleets`), if any.
        self.fleets: Fleets | None = None
        #: Firms whose type reacts to deliveries (``on_delivery``), by index.
        self.listeners: dict[int, Firm] = {}

        self._chunks: list[np.ndarray] = []
        self._labels: dict[str, int] = {}  # modes and origins, as small integer codes
        self._n_shipped = 0
        self._rows: list[tuple[float, ...]] = []  # single shipments, before _flush
        self._road_rows: list[tuple[float, int, int, int, float]] = []
        # goods on the road: (arrival, dispatch sequence, target, material, quantity)
        self._road = np.empty(0, dtype=_ROAD)
        self._new: list[np.ndarray] = []
        self._frame: pd.DataFrame | None = None

    def route(self, source: int, target: int, m: int) -> Route:
        """The (cached) route for material ``m`` between two firms: a pipeline or the road."""
        key = (source, target, m)
        route = self._routes.get(key)
        if route is None:
            ids = self.world.firm_ids
            route = self.network.route(ids[source], ids[target], self.world.materials[m])
            self._routes[key] = route
        return route

    def pipeline_room(self, source: int, target: int, m: int, route: Route) -> float:
        """What a pipeline can still carry of material ``m`` today, after today's use."""
        return max(route.capacity_per_day - self._pipe_used.get((source, target, m), 0.0), 0.0)

    def use_pipeline(self, source: int, target: int, m: int, amount: float) -> None:
        """Count ``amount`` of today's room of the pipeline from ``source`` to ``target``."""
        key = (source, target, m)
        self._pipe_used[key] = self._pipe_used.get(key, 0.0) + amount

    def new_day(self) -> None:
        """Every pipeline's room is whole again (called before the day's contracts ship)."""
        self._pipe_used.clear()

    def is_closed(self, a: int, b: int) -> bool:
        """True if the link between firms ``a`` and ``b`` is closed today."""
        return self.closed.get(frozenset((a, b)), 0) > 0

    def ship(
        self,
        t_day: float,
        source: int,
        target: int,
        m: int,
        amount: float,
        route: Route,
        *,
        requested: str | int,
        origin: str,
    ) -> None:
        """Move ``amount`` of material ``m`` from firm ``source`` into transit to ``target``.

        Args:
            t_day: Dispatch time.
            source: Supplier's firm index.
            target: Receiver's firm index.
            m: Material index of what is shipped.
            amount: Units shipped.
            route: The route (mode or pipeline, distance, lead time, costs).
            requested: The material asked for (index or id): ``m`` itself, or what ``m``
                stands in for.
            origin: ``contract:<id>``, ``agent`` or another label.
        """
        if self.fleets is not None and self.fleets.carries(route.mode, m):
            asked_m = (
                requested if isinstance(requested, int) else self.world.material_index[requested]
            )
            self.fleets.hand_over_one(t_day, source, target, m, amount, route, asked_m, origin)
            return
        cost, co2e = leg_costs(amount, float(self.world.mass_t_per_unit[m]), route.distance_km,
                               route.cost_eur_per_unit_km, route.cost_eur_per_unit,
                               route.co2e_t_per_tkm)  # fmt: skip
        self.stock[source, m] -= amount
        self.stock[self.world.transit_node, m] += amount
        self.pending[target, m] += amount
        self.ledger.add(
            t_day, source, self.world.transit_node, m, amount, Kind.SHIPMENT,
            distance_km=route.distance_km, value_eur=cost, co2e_t=co2e,
        )  # fmt: skip
        arrival_t = t_day + route.duration_day
        asked = requested if isinstance(requested, int) else self.world.material_index[requested]
        self._rows.append((t_day, arrival_t, source, target, m, asked, amount,
                           route.distance_km, self._code(route.mode), cost, co2e,
                           self._code(origin)))  # fmt: skip
        self._road_rows.append((arrival_t, self._n_shipped, target, m, amount))
        self._n_shipped += 1
        if len(self._rows) >= 1 << 15:
            self._flush()

    def ship_many(
        self,
        t_day: float,
        source: np.ndarray,
        target: np.ndarray,
        m: np.ndarray,
        amount: np.ndarray,
        *,
        distance_km: np.ndarray,
        duration_day: np.ndarray,
        cost_eur_per_unit_km: np.ndarray,
        cost_eur_per_unit: np.ndarray,
        co2e_t_per_tkm: np.ndarray,
        mode: np.ndarray,
        requested: np.ndarray,
        origin: str | np.ndarray,
    ) -> None:
        """Dispatch many shipments at once, in the given order (as many :meth:`ship` calls).

        Args:
            t_day: Dispatch time.
            source: Suppliers' firm indices.
            target: Receivers' firm indices.
            m: Material indices of what is shipped.
            amount: Units shipped (each > 0).
            distance_km: Route lengths.
            duration_day: Lead times.
            cost_eur_per_unit_km: Route costs per t·km (0 for pipelines).
            cost_eur_per_unit: Route costs per unit delivered (pipelines).
            co2e_t_per_tkm: Route emission factors.
            mode: Codes of the modes (see :meth:`code`).
            requested: Material indices asked for (``m``, or what ``m`` stands in for).
            origin: ``contract:<id>``, ``agent`` or another label, or the codes (see
                :meth:`code`) of one label per shipment.
        """
        n = len(amount)
        if n == 0:
            return
        self._flush()
        cost, co2e = leg_costs(amount, self.world.mass_t_per_unit[m].astype(float), distance_km,
                               cost_eur_per_unit_km, cost_eur_per_unit, co2e_t_per_tkm)  # fmt: skip
        if self.fleets is not None:
            carried = self.fleets.carriers(mode, m)
            if (carried >= 0).any():
                kept = self.fleets.hand_over_many(
                    t_day, source, target, m, amount, carried, cost_eur=cost, co2e_t=co2e,
                    requested=requested, origin=origin,
                )  # fmt: skip
                if not kept.any():
                    return
                source, target, m, amount = source[kept], target[kept], m[kept], amount[kept]
                distance_km, duration_day = distance_km[kept], duration_day[kept]
                cost, co2e, mode, requested = cost[kept], co2e[kept], mode[kept], requested[kept]
                origin = origin[kept] if isinstance(origin, np.ndarray) else origin
        self.hand_over(source, target, m, amount)
        self.record(
            t_day, source, target, m, amount, distance_km=distance_km, arrival=t_day + duration_day,
            cost_eur=cost, co2e_t=co2e, mode=mode, requested=requested,
            origin=origin if isinstance(origin, np.ndarray) else self._code(origin),
        )  # fmt: skip

    def hand_over(
        self, source: np.ndarray, target: np.ndarray, m: np.ndarray, amount: np.ndarray
    ) -> None:
        """Move lots from their suppliers into ``in_transit``, on their way to ``target``."""
        n_mat = len(self.world.materials)
        np.subtract.at(flat_cells(self.stock), source.astype(np.int64) * n_mat + m, amount)
        np.add.at(self.stock[self.world.transit_node], m, amount)
        np.add.at(flat_cells(self.pending), target.astype(np.int64) * n_mat + m, amount)

    def record(
        self,
        t_day: float,
        source: np.ndarray,
        target: np.ndarray,
        m: np.ndarray,
        amount: np.ndarray,
        *,
        distance_km: np.ndarray,
        arrival: np.ndarray,
        cost_eur: np.ndarray,
        co2e_t: np.ndarray,
        mode: np.ndarray | int,
        requested: np.ndarray,
        origin: np.ndarray | int,
    ) -> None:
        """Write the dispatch rows and shipments of lots handed over, and put them on the road.

        The goods have left their suppliers already (:meth:`hand_over`); each arrives at
        ``arrival`` (applied by :meth:`deliver_due`).
        """
        n = len(amount)
        self._flush()
        self.ledger.add_many(
            t_day, source, self.world.transit_node, m, amount, Kind.SHIPMENT,
            distance_km=distance_km, value_eur=cost_eur, co2e_t=co2e_t,
        )  # fmt: skip
        rows = np.empty(n, dtype=_ROW)
        for name, value in (
            ("dispatch", t_day), ("arrival", arrival), ("supplier", source),
            ("receiver", target), ("material", m), ("requested", requested),
            ("quantity", amount), ("distance_km", distance_km), ("mode", mode),
            ("cost_eur", cost_eur), ("co2e_t", co2e_t), ("origin", origin),
        ):  # fmt: skip
            rows[name] = value
        self._chunks.append(rows)
        road = np.empty(n, dtype=_ROAD)
        road["arrival"], road["seq"] = arrival, np.arange(self._n_shipped, self._n_shipped + n)
        road["target"], road["material"], road["quantity"] = target, m, amount
        self._new.append(road)
        self._n_shipped += n

    def _flush(self) -> None:
        if self._rows:
            self._chunks.append(np.array(self._rows, dtype=_ROW))
            self._new.append(np.array(self._road_rows, dtype=_ROAD))
            self._rows, self._road_rows = [], []

    def deliver_due(self, now: float) -> None:
        """Apply every arrival before ``now`` (strictly), in the order SimPy would fire them."""
        self._flush()
        if self._new:
            self._road = np.concatenate([as_bytes(c) for c in (self._road, *self._new)]).view(_ROAD)
            self._new = []
        road = self._road
        if len(road) == 0 or road["arrival"].min() >= now:
            return
        due = road["arrival"] < now
        self._road = as_bytes(road)[~due].view(_ROAD)
        arrived = as_bytes(road)[due].view(_ROAD)
        order = np.lexsort((arrived["seq"], arrived["arrival"]))
        arrived = as_bytes(arrived)[order].view(_ROAD)
        target, m, amount = arrived["target"], arrived["material"], arrived["quantity"]
        cell = target.astype(np.int64) * len(self.world.materials) + m
        np.subtract.at(self.stock[self.world.transit_node], m, amount)
        np.add.at(flat_cells(self.stock), cell, amount)
        np.subtract.at(flat_cells(self.pending), cell, amount)
        phase = self.ledger.phase
        self.ledger.phase = BETWEEN_TICKS
        self.ledger.add_many(
            arrived["arrival"], self.world.transit_node, target, m, amount, Kind.SHIPMENT
        )
        self.ledger.phase = phase
        if self.listeners:
            self._tell_receivers(arrived)

    def _tell_receivers(self, arrived: np.ndarray) -> None:
        """Call ``on_delivery`` of the receivers that listen, arrival by arrival."""
        for row in np.flatnonzero(np.isin(arrived["target"], list(self.listeners))).tolist():
            firm = self.listeners[int(arrived["target"][row])]
            t_day, m = float(arrived["arrival"][row]), int(arrived["material"][row])
            firm.call_hook("on_delivery", t_day, m, float(arrived["quantity"][row]))
            self.state.hook_version += 1

    def label(self, code: int) -> str:
        """The mode or origin label of a code (the reverse of :meth:`code`)."""
        return list(self._labels)[code]

    def code(self, label: str) -> int:
        """The small integer code of a mode or origin label (for :meth:`ship_many`)."""
        return self._code(label)

    def _code(self, label: str) -> int:
        return self._labels.setdefault(label, len(self._labels))

    def frame(self) -> pd.DataFrame:
        """One row per shipment (dispatched, whether or not it has arrived).

        The shipment records are released once the frame is built: the frame is the record
        from here on (a second call returns the same frame). The columns are filled chunk
        by chunk, each chunk released once copied, the floats straight into one 2-D block
        that pandas takes without a copy: the records and the frame are never both held
        whole (at 4 million shipments a joined copy of the records and pandas' own
        consolidation of the float columns had added about 500 MB).
        """
        if self._frame is not None:
            return self._frame
        self._flush()
        chunks: list[np.ndarray | None] = list(self._chunks)
        self._chunks = []
        n = sum(len(chunk) for chunk in chunks if chunk is not None)
        floats = np.empty((len(_FRAME_FLOATS), n))
        codes = {field: np.empty(n, dtype=_ROW[field]) for field in _FRAME_CODES}
        at = 0
        for i in range(len(chunks)):
            chunk, chunks[i] = chunks[i], None
            assert chunk is not None
            end = at + len(chunk)
            for row, field in enumerate(_FRAME_FLOATS.values()):
                floats[row, at:end] = chunk[field]
            for field, out in codes.items():
                out[at:end] = chunk[field]
            at = end
        chunk = None  # the last chunk, released too
        firms, labels = pd.Index(self.world.firm_ids), list(self._labels) or [""]
        columns: dict[str, Any] = {
            "supplier": pd.Categorical.from_codes(codes.pop("supplier"), categories=firms),
            "receiver": pd.Categorical.from_codes(codes.pop("receiver"), categories=firms),
            "material": pd.Categorical.from_codes(
                codes.pop("material"), categories=pd.Index(self.world.materials)
            ),
            "requested": _categories(codes.pop("requested"), self.world.materials),
            "mode": _categories(codes.pop("mode"), labels),
            "origin": _categories(codes.pop("origin"), labels),
        }
        frame = pd.DataFrame(floats.T, columns=list(_FRAME_FLOATS), copy=False)
        for name in SHIPMENT_COLUMNS:
            if name in columns:
                frame.insert(SHIPMENT_COLUMNS.index(name), name, columns[name])
        self._frame = frame
        return frame


def _categories(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """``names[codes]`` as a categorical of the names used, sorted, of dtype ``string``.

    One byte a row instead of an Arrow string per row; the categories are those a string
    column read back from the run folder is given when made categorical
    (:data:`mfcsim.results.STRING_ON_FILE`), so a run and its folder read back are equal.
    """
    used = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    labels = sorted((names[i], i) for i in used.tolist())
    position = np.zeros(len(names), dtype=np.int64)
    position[[i for _, i in labels]] = np.arange(len(labels))
    categories = pd.Index([name for name, _ in labels], dtype="string")
    return pd.Categorical.from_codes(position[codes], categories=categories)


_ROW = np.dtype([
    ("dispatch", "f8"), ("arrival", "f8"), ("supplier", "i4"), ("receiver", "i4"),
    ("material", "i4"), ("requested", "i4"), ("quantity", "f8"), ("distance_km", "f8"),
    ("mode", "i4"), ("cost_eur", "f8"), ("co2e_t", "f8"), ("origin", "i4"),
])  # fmt: skip
#: The shipments frame's columns, in order.
SHIPMENT_COLUMNS = (
    "dispatch_t_day", "arrival_t_day", "supplier", "receiver", "material", "requested",
    "quantity", "distance_km", "mode", "cost_eur", "co2e_t", "origin",
)  # fmt: skip
#: Its float columns and the record fields they come from.
_FRAME_FLOATS = {
    "dispatch_t_day": "dispatch", "arrival_t_day": "arrival", "quantity": "quantity",
    "distance_km": "distance_km", "cost_eur": "cost_eur", "co2e_t": "co2e_t",
}  # fmt: skip
#: Its coded columns' record fields.
_FRAME_CODES = ("supplier", "receiver", "material", "requested", "mode", "origin")
_ROAD = np.dtype([
    ("arrival", "f8"), ("seq", "i8"), ("target", "i4"), ("material", "i4"), ("quantity", "f8"),
])  # fmt: skip
