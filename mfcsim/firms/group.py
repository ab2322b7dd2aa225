"""FirmGroup: the vectorised firms of one type, as the type's type-level hooks see them.

A firm type may implement its hooks once for all its firms, on arrays
(:data:`~mfcsim.firms.hooks.TYPE_HOOKS`: ``plan_many``, ``target_many``, ``yield_many``,
``produce_many``, ``after_produce_many``). They receive a group: rows are the type's firms on
the vectorised path (in firm order), columns their processes (every firm of the type has the
same process ids, in the same order). ``state`` is the type's own store of arrays across days.
A type's own ``produce_many`` moves goods with :meth:`FirmGroup.consume`,
:meth:`FirmGroup.make` and :meth:`FirmGroup.ship`, the array twins of ``Firm.consume``,
``Firm.make`` and ``Firm.ship``: the same rows, in the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mfcsim.errors import FirmHookError
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.firms.base import Firm


class FirmGroup:
    """The vectorised firms of one firm type.

    Attributes:
        firms: The firms, in firm order.
        index: Their firm indices (rows of the run's stock).
        process_ids: The processes, in the order of the columns.
        state: The type's arrays kept across days (set them in the first
            ``after_produce_many``; the engine never touches them).
        active: Which firms take part today (joined); the default ``after_produce_many``
            calls ``after_produce`` of these only, as the per-firm path does.
        planned: Today's planned activity (firms × processes), set before ``produce_many``.
    """

    def __init__(self, firms: Sequence[Firm]) -> None:
        self.firms = list(firms)
        first = self.firms[0]
        self.process_ids = tuple(p.id for p in first.processes)
        for firm in self.firms:
            if tuple(p.id for p in firm.processes) != self.process_ids:
                raise FirmHookError(
                    firm.id, "plan_many", f"has processes {[p.id for p in firm.processes]}, "
                    f"{first.id} of the same type {list(self.process_ids)} (accepted: the "
                    "same process ids in the same order for every firm of a type with "
                    "type-level hooks)", firm_type=firm.type_name,
                )  # fmt: skip
        self.index = np.array([f.index for f in self.firms], dtype=np.int64)
        self.state: dict[str, Any] = {}
        #: Which firms take part today (set by the engine before each type-level call).
        self.active = np.zeros(len(self.firms), dtype=bool)
        #: Today's plan (set by the engine before ``produce_many``).
        self.planned = np.zeros((len(self.firms), len(self.process_ids)))
        #: The simulation, as a firm sees it (a :class:`~mfcsim.firms.host.FirmHost`).
        self.sim = first.sim
        #: Each firm's origin label on the lots it ships itself (``firm:<id>``).
        self.labels = tuple(f"firm:{f.id}" for f in self.firms)
        self._params: dict[str, np.ndarray] = {}
        self._plain_of: dict[int, tuple[np.ndarray, tuple[Any, ...]]] = {}
        self._stock = first.sim.stock
        self._material_index = first.sim.material_index
        self.capacity = np.array([[p.capacity for p in f.processes] for f in self.firms])
        self._season = np.stack([np.stack([p.season for p in f.processes]) for f in self.firms])
        self._factor = np.stack([f.activity_factor for f in self.firms])

    def __len__(self) -> int:
        return len(self.firms)

    def material(self, material: str | int) -> int:
        """The index of a material given by id (an index is returned as it is)."""
        return material if isinstance(material, int) else self._material_index[material]

    def stock(self, material: str | int) -> np.ndarray:
        """Units of ``material`` each firm holds now (a copy)."""
        held: np.ndarray = self._stock[self.index, self.material(material)]
        return held

    def param(self, name: str) -> np.ndarray:
        """The parameter ``name`` of each firm, as a read-only array (built once)."""
        values = self._params.get(name)
        if values is None:
            values = np.array([f.params[name] for f in self.firms])
            values.flags.writeable = False
            self._params[name] = values
        return values

    def default_plan(self, day: int) -> np.ndarray:
        """The base ``planned_activity`` of every firm and process on ``day``.

        Capacity × seasonal factor × the firm's random daily factor (firms × processes).
        """
        plan: np.ndarray = self.capacity * self._season[:, :, day] * self._factor[:, day][:, None]
        return plan

    def default_target(self, day: int, planned: np.ndarray) -> dict[str | int, np.ndarray]:
        """What ``target_stock``'s default gives, for every firm: planned inputs plus demand.

        Args:
            day: The day planned (not read: the plan carries it).
            planned: That day's plan (firms × processes).
        """
        want: dict[str | int, np.ndarray] = {}
        for i, firm in enumerate(self.firms):
            for r, proc in enumerate(firm.processes):
                for m, q in proc.inputs:
                    want.setdefault(m, np.zeros(len(self.firms)))[i] += q * planned[i, r]
            scale = firm.shock_factor("demand_shock")
            for m, q in firm.demand:
                want.setdefault(m, np.zeros(len(self.firms)))[i] += q * scale
        return want

    # ---- moving goods, for a type's own produce_many -------------------------------------
    def _amounts(self, hook: str, material: str | int, quantity: np.ndarray) -> np.ndarray:
        """``quantity`` as one finite number >= 0 per firm.

        Raises:
            FirmHookError: Naming the type, what was passed and what is accepted.
        """
        amounts = np.asarray(quantity, dtype=float)
        if (
            amounts.shape != (len(self.firms),)
            or not np.all(np.isfinite(amounts))
            or np.any(amounts < 0.0)
        ):
            raise FirmHookError(
                "", f"group.{hook}", f"got {amounts.shape} values for {material!r} "
                f"(accepted: {len(self.firms)} finite numbers >= 0, one per firm)",
                firm_type=self.firms[0].type_name,
            )  # fmt: skip
        return amounts

    def consume(self, day: int, material: str | int, quantity: np.ndarray) -> None:
        """Take ``quantity[i]`` units of ``material`` from firm ``i``'s stock (as consumed)."""
        m, amounts = self.material(material), self._amounts("consume", material, quantity)
        self._stock[self.index, m] -= amounts
        self.sim.ledger.add_many(float(day), self.index, self.index, m, amounts,
                                   Kind.CONSUMPTION)  # fmt: skip

    def make(self, day: int, material: str | int, quantity: np.ndarray) -> None:
        """Add ``quantity[i]`` units of ``material`` to firm ``i``'s stock (as produced)."""
        m, amounts = self.material(material), self._amounts("make", material, quantity)
        self._stock[self.index, m] += amounts
        self.sim.ledger.add_many(float(day), self.index, self.index, m, amounts,
                                   Kind.PRODUCTION)  # fmt: skip

    def ship(
        self,
        day: int,
        material: str | int,
        quantity: np.ndarray,
        to: Sequence[str],
        mode: str | Sequence[str | None] | None = None,
    ) -> None:
        """Send ``quantity[i]`` of ``material`` from firm ``i`` to firm ``to[i]`` by road.

        As ``Firm.ship`` for every firm at once, in firm order; lots of 0 are not sent.

        Args:
            day: Dispatch day.
            material: Material id or index.
            quantity: Units per firm.
            to: Receiving firm id per firm.
            mode: Transport mode for all lots, or one per firm (None: the default mode).

        Raises:
            FirmHookError: If a receiver is no firm, a mode no road mode, or a stock short.
        """
        m, amounts = self.material(material), self._amounts("ship", material, quantity)
        modes = [mode] * len(self.firms) if mode is None or isinstance(mode, str) else mode
        if len(to) != len(self.firms) or len(modes) != len(self.firms):
            raise FirmHookError(
                "", "group.ship", f"got {len(to)} receivers and {len(modes)} modes (accepted: "
                f"one of each per firm, {len(self.firms)})", firm_type=self.firms[0].type_name,
            )  # fmt: skip
        self.sim.ship_lots(float(day), self.index, self._plain(to), m, amounts,
                             self._plain(modes), self.labels)  # fmt: skip

    def _plain(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """A tuple of plain Python values (an array's elements as ``str``, not ``numpy.str_``).

        Remembered for a read-only array (such as :meth:`param`'s), which cannot change.
        """
        if not isinstance(values, np.ndarray):
            return tuple(values)
        known = self._plain_of.get(id(values))
        if known is not None and known[0] is values:
            return known[1]
        plain = tuple(values.tolist())
        if not values.flags.writeable:
            self._plain_of[id(values)] = (values, plain)
        return plain
