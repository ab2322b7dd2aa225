"""Lots that firms ship themselves (``Firm.ship``, ``FirmGroup.ship``), by road.

A firm type's own ``produce`` (or ``produce_many``) may send goods to another firm: the lot
travels like the agent's (``shipment`` rows, lead time from the distance and the mode's
speed, cost and CO2e per t·km) and arrives in the receiver's stock. The road route of each
(supplier, receiver, material, mode) is looked up once; a type that ships the same lots
every day (same suppliers, receivers and modes) has the route columns of the whole batch
looked up once too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.errors import FirmHookError

if TYPE_CHECKING:
    from mfcsim.engine.transport import Transport
    from mfcsim.firms.base import Firm
    from mfcsim.network import Route, TransportNetwork
    from mfcsim.world import World


@dataclass(frozen=True, slots=True)
class LotColumns:
    """The routes of a batch of lots, one entry per lot."""

    receiver: np.ndarray
    distance_km: np.ndarray
    duration_day: np.ndarray
    cost_eur_per_unit_km: np.ndarray
    co2e_t_per_tkm: np.ndarray
    mode: np.ndarray
    origin: np.ndarray


class Lots:
    """Ships the lots firms send themselves, with their road routes cached.

    Args:
        world: The run's catalogue.
        network: Distances and modes.
        transport: Where the lots travel.
        firms: Every firm, by index.
    """

    def __init__(
        self, world: World, network: TransportNetwork, transport: Transport, firms: list[Firm]
    ) -> None:
        self.world, self.network, self.transport, self.firms = world, network, transport, firms
        self._row = {fid: i for i, fid in enumerate(world.firm_ids)}
        self._routes: dict[tuple[int, str, int, str | None], tuple[Route, int]] = {}
        self._batches: dict[tuple[bytes, tuple[str, ...], int, tuple[str | None, ...]],
                            LotColumns] = {}  # fmt: skip

    def _route(self, source: int, target: str, m: int, mode: str | None) -> tuple[Route, int]:
        """The road route of one lot and the receiver's index (cached).

        Raises:
            FirmHookError: If ``target`` is no firm or ``mode`` no road mode.
        """
        known = self._routes.get((source, target, m, mode))
        if known is None:
            modes = self.network.spec.modes
            if target not in self._row or (mode is not None and mode not in modes):
                firm = self.firms[source]
                problem = (f"to {target!r} by {mode!r} (accepted: a firm id, and "
                           f"{', '.join(modes)} or None)")  # fmt: skip
                raise FirmHookError(firm.id, "ship", problem, firm_type=firm.type_name)
            # the road, even where a pipeline joins the two
            route = self.network.route(self.firms[source].id, target, self.world.materials[m],
                                       mode or "")  # fmt: skip
            known = (route, self._row[target])
            self._routes[(source, target, m, mode)] = known
        return known

    def _short(self, source: int, m: int, quantity: float) -> FirmHookError:
        firm, held = self.firms[source], float(self.transport.stock[source, m])
        problem = f"{quantity!r} of {self.world.materials[m]!r} (accepted: 0 to {held!r})"
        return FirmHookError(firm.id, "ship", problem, firm_type=firm.type_name)

    def ship_one(self, t_day: float, source: int, target: str, m: int, quantity: float,
                 mode: str | None, origin: str) -> None:  # fmt: skip
        """Ship one lot of ``quantity`` units of material ``m`` (nothing if it is 0).

        Raises:
            FirmHookError: If ``target`` is no firm, ``mode`` no road mode, or the firm
                does not hold ``quantity``.
        """
        route, receiver = self._route(source, target, m, mode)
        if not 0.0 <= quantity <= float(self.transport.stock[source, m]) or math.isnan(quantity):
            raise self._short(source, m, quantity)
        if quantity > 0.0:
            self.transport.ship(t_day, source, receiver, m, quantity, route, requested=m,
                                origin=origin)  # fmt: skip

    def ship_batch(
        self,
        t_day: float,
        sources: np.ndarray,
        targets: tuple[str, ...],
        m: int,
        quantities: np.ndarray,
        modes: tuple[str | None, ...],
        origins: tuple[str, ...],
    ) -> None:
        """Ship one lot per supplier, in the given order, as :meth:`ship_one` each would.

        Lots of 0 are not sent.

        Raises:
            FirmHookError: As :meth:`ship_one`, for the first lot at fault.
        """
        columns = self._columns(sources, targets, m, modes, origins)
        held = self.transport.stock[sources, m]
        if np.any(quantities > held):
            first = int(np.flatnonzero(quantities > held)[0])
            raise self._short(int(sources[first]), m, float(quantities[first]))
        go = quantities > 0.0
        if not go.any():
            return
        every = bool(go.all())

        def pick(values: np.ndarray) -> np.ndarray:
            return values if every else values[go]

        materials = np.full(int(np.count_nonzero(go)), m, dtype=np.int64)
        zero = np.zeros(len(materials))
        self.transport.ship_many(
            t_day, pick(sources), pick(columns.receiver), materials, pick(quantities),
            distance_km=pick(columns.distance_km), duration_day=pick(columns.duration_day),
            cost_eur_per_unit_km=pick(columns.cost_eur_per_unit_km), cost_eur_per_unit=zero,
            co2e_t_per_tkm=pick(columns.co2e_t_per_tkm), mode=pick(columns.mode),
            requested=materials, origin=pick(columns.origin),
        )  # fmt: skip

    def _columns(
        self,
        sources: np.ndarray,
        targets: tuple[str, ...],
        m: int,
        modes: tuple[str | None, ...],
        origins: tuple[str, ...],
    ) -> LotColumns:
        """The routes of a batch (looked up once per distinct batch)."""
        key = (sources.tobytes(), targets, m, modes)
        known = self._batches.get(key)
        if known is None:
            lots = zip(sources.tolist(), targets, modes, strict=True)
            pairs = [self._route(int(s), t, m, mode) for s, t, mode in lots]
            routes = [route for route, _ in pairs]
            code = self.transport.code
            known = LotColumns(
                receiver=np.array([r for _, r in pairs], dtype=np.int64),
                distance_km=np.array([r.distance_km for r in routes], dtype=float),
                duration_day=np.array([r.duration_day for r in routes], dtype=float),
                cost_eur_per_unit_km=np.array([r.cost_eur_per_unit_km for r in routes]),
                co2e_t_per_tkm=np.array([r.co2e_t_per_tkm for r in routes], dtype=float),
                mode=np.array([code(r.mode) for r in routes], dtype=np.int64),
                origin=np.array([code(o) for o in origins], dtype=np.int64),
            )
            self._batches[key] = known
        return known
