"""FirmGroup: the vectorised firms of one type, as the type's type-level hooks see them.

A firm type may implement its hooks once for all its firms, on arrays
(:data:`~mfcsim.firms.hooks.TYPE_HOOKS`: ``plan_many``, ``yield_many``,
``after_produce_many``). They receive a group: rows are the type's firms on the vectorised
path (in firm order), columns their processes (every firm of the type has the same process
ids, in the same order). ``state`` is the type's own store of arrays across days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mfcsim.errors import FirmHookError

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
        """The parameter ``name`` of each firm, as an array."""
        return np.array([f.params[name] for f in self.firms])

    def default_plan(self, day: int) -> np.ndarray:
        """The base ``planned_activity`` of every firm and process on ``day``.

        Capacity × seasonal factor × the firm's random daily factor (firms × processes).
        """
        plan: np.ndarray = self.capacity * self._season[:, :, day] * self._factor[:, day][:, None]
        return plan
