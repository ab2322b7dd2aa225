"""Fixed contracts: compiled once, shipped when due, substitutes where the receiver can use them.

Also here: which firms accept a substitute for which material
(:func:`substitute_acceptance`), since what a firm passes on by contract decides it as much
as what its processes use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mfcsim.engine.transport import Transport
    from mfcsim.firms.base import Firm
    from mfcsim.network import Route, TransportNetwork
    from mfcsim.scenario.contract import ContractSpec
    from mfcsim.world import World


def substitute_acceptance(
    world: World, firms: list[Firm], contracts: Mapping[str, ContractSpec]
) -> np.ndarray:
    """Per firm and material: may a substitute stand in for it at this firm?

    A firm accepts the members of a substitution group for a material ``m`` when what it
    does with ``m`` accepts them: one of its processes uses ``m`` (a process draws on the
    group's pool) or it passes ``m`` on by contract; and every receiver of its contracts for
    ``m`` accepts them in turn. An intermediary never takes a substitute for an order that
    its own buyer could not use. A material in no group accepts nothing.
    """
    accepts = np.zeros((len(firms), len(world.materials)), dtype=bool)
    onward: dict[tuple[int, int], list[int]] = {}
    by_id = {f.id: f.index for f in firms}
    for spec in contracts.values():
        key = (by_id[spec.supplier], world.material_index[spec.material])
        onward.setdefault(key, []).append(by_id[spec.receiver])
    for firm in firms:
        used = {m for proc in firm.processes for m, _ in proc.inputs}
        for m in world.group_of:
            accepts[firm.index, m] = m in used or (firm.index, m) in onward
    changed = True
    while changed:  # a receiver that refuses makes its suppliers refuse too
        changed = False
        for (f, m), receivers in onward.items():
            if accepts[f, m] and not all(accepts[r, m] for r in receivers):
                accepts[f, m], changed = False, True
    return accepts


@dataclass(slots=True)
class Contract:
    """A compiled fixed contract."""

    id: str
    supplier: Firm
    receiver: Firm
    material: int
    quantity: float | None  # None: the supplier's whole stock
    every: int
    start_day: int
    end_day: int | None
    route: Route
    requested: float = 0.0
    shipped: float = 0.0

    def due(self, day: int) -> bool:
        """True if a delivery is due on ``day`` and both parties take part."""
        if day < self.start_day or (self.end_day is not None and day > self.end_day):
            return False
        active = self.supplier.active and self.receiver.active
        return active and (day - self.start_day) % self.every == 0


def compile_contracts(
    specs: Mapping[str, ContractSpec], firms: list[Firm], world: World, network: TransportNetwork
) -> list[Contract]:
    """The scenario's contracts with their firms, material index and route."""
    by_id = {f.id: f for f in firms}
    out = []
    for cid, spec in specs.items():
        route = network.route(spec.supplier, spec.receiver, spec.material, spec.mode)
        out.append(Contract(
            cid, by_id[spec.supplier], by_id[spec.receiver], world.material_index[spec.material],
            None if spec.quantity == "all" else float(spec.quantity), int(spec.every),
            spec.start_day, spec.end_day, route,
        ))  # fmt: skip
    return out


def reserved_stock(contracts: list[Contract], shape: tuple[int, int]) -> np.ndarray:
    """Stock each firm holds back for its next contract deliveries (inf: ships it all)."""
    reserved = np.zeros(shape)
    for c in contracts:
        reserved[c.supplier.index, c.material] += math.inf if c.quantity is None else c.quantity
    return reserved


class Dispatch:
    """Ships the contracts due each day.

    Args:
        contracts: The compiled contracts, in scenario order.
        transport: Moves the goods.
        accepts: Per firm and material: may a substitute stand in (:func:`substitute_acceptance`).
        substitutes: Per material: its substitutes and units of it per unit of each.
    """

    def __init__(
        self,
        contracts: list[Contract],
        transport: Transport,
        accepts: np.ndarray,
        substitutes: dict[int, list[tuple[int, float]]],
    ) -> None:
        self.contracts, self.transport = contracts, transport
        self.accepts, self.substitutes = accepts, substitutes

    def ship_due(self, day: int) -> None:
        """Ship the contracts due: each its own material first, then substitutes.

        A fixed-quantity road contract whose supplier lacks the material may be served with
        a member of its substitution group, in group units, when the receiver can use it
        (``accepts``); this second pass runs after every contract has shipped its own
        material, so no contract takes what another's own delivery needs.
        """
        self.transport.new_day()
        due = [con for con in self.contracts if con.due(day)]
        short = [(con, self._deliver(day, con)) for con in due]
        for con, missing in short:
            if missing > 1e-12 and self._may_substitute(con):
                self._deliver_substitutes(day, con, missing)

    def _deliver(self, day: int, con: Contract) -> float:
        """Ship the contract's own material; return what it still lacks (units of it)."""
        m, route, transport = con.material, con.route, self.transport
        if con.quantity is not None:
            con.requested += con.quantity
        if transport.is_closed(con.supplier.index, con.receiver.index):
            return 0.0
        have = float(con.supplier.stock[m])
        amount = have if con.quantity is None else min(con.quantity, have)
        if route.mode == "pipeline":
            key = (con.supplier.index, con.receiver.index, m)
            amount = min(amount, transport.pipeline_room(*key, route))
            transport.use_pipeline(*key, amount)
        missing = 0.0 if con.quantity is None else con.quantity - max(amount, 0.0)
        if amount <= 0.0:
            return missing
        con.shipped += amount
        transport.ship(day, con.supplier.index, con.receiver.index, m, amount, route,
                       requested=m, origin=f"contract:{con.id}")  # fmt: skip
        return missing

    def _may_substitute(self, con: Contract) -> bool:
        """A fixed-quantity road contract whose receiver can use the material's substitutes."""
        return (
            con.quantity is not None
            and con.route.mode != "pipeline"
            and bool(self.accepts[con.receiver.index, con.material])
        )

    def _deliver_substitutes(self, day: int, con: Contract, missing: float) -> None:
        """Ship substitutes for ``missing`` units of the contract's material, group order."""
        supplier, receiver = con.supplier, con.receiver
        for alt, factor in self.substitutes.get(con.material, ()):
            if missing <= 0.0:
                break
            amount = min(float(supplier.stock[alt]), missing / factor)
            if amount <= 0.0:
                continue
            con.shipped += amount * factor
            missing -= amount * factor
            # a road route does not depend on what it carries: the contract's own
            self.transport.ship(day, supplier.index, receiver.index, alt, amount, con.route,
                                requested=con.material, origin=f"contract:{con.id}")  # fmt: skip
