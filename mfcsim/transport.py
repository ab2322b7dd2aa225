"""Shipments: goods leave a supplier into ``in_transit`` and arrive as SimPy events.

Each shipment writes two ledger rows (dispatch: supplier → in_transit, with distance, cost
and transport CO2e; arrival: in_transit → receiver) and one row of the shipments table.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from simpy.events import Event

    from mfcsim.network import Route
    from mfcsim.simulation import Simulation

SHIPMENT_COLUMNS = [
    "dispatch_t_day", "arrival_t_day", "supplier", "receiver", "material", "requested",
    "quantity", "distance_km", "mode", "cost_eur", "co2e_t", "origin",
]  # fmt: skip


class Transport:
    """Dispatches shipments and tracks what is on the road.

    Attributes:
        pending: Units on the way to each firm, per material (firms × materials).
        closed: Pairs of firm indices whose link is closed (both directions).
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.pending = np.zeros((len(sim.scenario.firms), len(sim.materials)))
        self.closed: dict[frozenset[int], int] = {}
        self._rows: list[tuple[float, ...]] = []
        self._chunks: list[np.ndarray] = []
        self._labels: dict[str, int] = {}  # modes and origins, as small integer codes

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
        sim = self.sim
        mass_t = amount * float(sim.mass_t_per_unit[m])
        tkm = mass_t * route.distance_km
        cost = tkm * route.cost_eur_per_unit_km + amount * route.cost_eur_per_unit
        co2e = tkm * route.co2e_t_per_tkm
        sim.stock[source, m] -= amount
        sim.stock[sim.transit_node, m] += amount
        self.pending[target, m] += amount
        sim.ledger.add(
            t_day,
            source,
            sim.transit_node,
            m,
            amount,
            Kind.SHIPMENT,
            distance_km=route.distance_km,
            value_eur=cost,
            co2e_t=co2e,
        )
        arrival_t = t_day + route.duration_day
        asked = requested if isinstance(requested, int) else sim.material_index[requested]
        self._rows.append((t_day, arrival_t, source, target, m, asked, amount,
                           route.distance_km, self._code(route.mode), cost, co2e,
                           self._code(origin)))  # fmt: skip
        if len(self._rows) >= 1 << 15:
            self._flush()
        event = sim.env.timeout(arrival_t - sim.env.now)
        event.callbacks.append(partial(self._arrive, target, m, amount))

    def _arrive(self, target: int, m: int, amount: float, _event: Event) -> None:
        sim = self.sim
        sim.stock[sim.transit_node, m] -= amount
        sim.stock[target, m] += amount
        self.pending[target, m] -= amount
        sim.ledger.add(sim.env.now, sim.transit_node, target, m, amount, Kind.SHIPMENT)

    def _code(self, label: str) -> int:
        return self._labels.setdefault(label, len(self._labels))

    def _flush(self) -> None:
        if self._rows:
            self._chunks.append(np.array(self._rows, dtype=_ROW))
            self._rows = []

    def frame(self) -> pd.DataFrame:
        """One row per shipment (dispatched, whether or not it has arrived)."""
        sim = self.sim
        self._flush()
        data = np.concatenate(self._chunks) if self._chunks else np.empty(0, dtype=_ROW)
        firms = [f.id for f in sim.firms]
        labels = np.array(list(self._labels) or [""], dtype=object)
        materials = np.array(sim.materials, dtype=object)

        def cat(codes: np.ndarray, names: list[str]) -> pd.Categorical:
            return pd.Categorical.from_codes(codes.astype(np.int64), categories=names)

        return pd.DataFrame({
            "dispatch_t_day": data["dispatch"], "arrival_t_day": data["arrival"],
            "supplier": cat(data["supplier"], firms), "receiver": cat(data["receiver"], firms),
            "material": cat(data["material"], sim.materials),
            "requested": pd.array(materials[data["requested"]], dtype="string"),
            "quantity": data["quantity"], "distance_km": data["distance_km"],
            "mode": pd.array(labels[data["mode"]], dtype="string"),
            "cost_eur": data["cost_eur"], "co2e_t": data["co2e_t"],
            "origin": pd.array(labels[data["origin"]], dtype="string"),
        })  # fmt: skip


_ROW = np.dtype([
    ("dispatch", "f8"), ("arrival", "f8"), ("supplier", "i4"), ("receiver", "i4"),
    ("material", "i4"), ("requested", "i4"), ("quantity", "f8"), ("distance_km", "f8"),
    ("mode", "i4"), ("cost_eur", "f8"), ("co2e_t", "f8"), ("origin", "i4"),
])  # fmt: skip
