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
        self._rows: list[tuple[object, ...]] = []

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
        requested: str,
        origin: str,
    ) -> None:
        """Move ``amount`` of material ``m`` from firm ``source`` into transit to ``target``."""
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
        self._rows.append(
            (
                t_day,
                arrival_t,
                source,
                target,
                m,
                requested,
                amount,
                route.distance_km,
                route.mode,
                cost,
                co2e,
                origin,
            )
        )
        event = sim.env.timeout(arrival_t - sim.env.now)
        event.callbacks.append(partial(self._arrive, target, m, amount))

    def _arrive(self, target: int, m: int, amount: float, _event: Event) -> None:
        sim = self.sim
        sim.stock[sim.transit_node, m] -= amount
        sim.stock[target, m] += amount
        self.pending[target, m] -= amount
        sim.ledger.add(sim.env.now, sim.transit_node, target, m, amount, Kind.SHIPMENT)

    def frame(self) -> pd.DataFrame:
        """One row per shipment (dispatched, whether or not it has arrived)."""
        sim = self.sim
        frame = pd.DataFrame(self._rows, columns=SHIPMENT_COLUMNS)
        firms = [f.id for f in sim.firms]
        for col in ("supplier", "receiver"):
            frame[col] = pd.Categorical.from_codes(frame[col].astype("int64"), categories=firms)
        frame["material"] = pd.Categorical.from_codes(
            frame["material"].astype("int64"), categories=sim.materials
        )
        for col in ("requested", "mode", "origin"):
            frame[col] = frame[col].astype("string")
        for col in (
            "dispatch_t_day",
            "arrival_t_day",
            "quantity",
            "distance_km",
            "cost_eur",
            "co2e_t",
        ):
            frame[col] = frame[col].astype("float64")
        return frame
