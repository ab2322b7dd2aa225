"""The live state of a run: the arrays the engine's phases read and change day by day.

One :class:`State` per run, owned by the :class:`~mfcsim.engine.simulation.Simulation` and
handed to the modules that need it (kernel, transport, the regional agent), so none of them
holds the whole simulation. The arrays are changed in place; ``active`` is replaced each day
firms join.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mfcsim.engine.resources import MachinePlan
    from mfcsim.firms.base import Firm

#: A service row: (day, firm, material, ordered, regional, substituted, imported, short).
ServiceRow = tuple[float, int, int, float, float, float, float, float]


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(slots=True)
class State:
    """The run's live arrays (firms × materials unless said otherwise).

    Attributes:
        stock: Units held per node and material: the firms, then ``in_transit`` (last row).
        capacity: Storage capacity per firm and material (inf: unlimited).
        export_mask: Where a firm may export a material.
        reserved: Stock each firm holds back for its next contract deliveries (inf: all).
        accepts: Where a substitute may stand in for a material at a firm.
        join_day: The day each firm joins; ``active``: who takes part today.
        activity_planned, activity_realised: Each process's activity, a row per day.
        snapshots: Every node's stock at each whole day (the ``stocks`` frame).
        service_rows, service_blocks: Buyers' order lines, from the per-firm path (rows)
            and from the vectorised path ((8, rows) blocks of the same columns).
        touched: Firms an outage or shock has touched so far, by index.
        hook_version: Counts the calls of hooks that may change a firm's state
            (``after_produce``, ``on_delivery``, ``on_disruption``): a plan computed before
            one of them is not reused after it.
        machines: What the machine pools booked (None: the scenario has none).
    """

    stock: np.ndarray
    capacity: np.ndarray = field(default_factory=_empty)
    export_mask: np.ndarray = field(default_factory=_empty)
    reserved: np.ndarray = field(default_factory=_empty)
    accepts: np.ndarray = field(default_factory=_empty)
    join_day: np.ndarray = field(default_factory=_empty)
    active: np.ndarray = field(default_factory=_empty)
    activity_planned: np.ndarray = field(default_factory=_empty)
    activity_realised: np.ndarray = field(default_factory=_empty)
    snapshots: list[np.ndarray] = field(default_factory=list)
    service_rows: list[ServiceRow] = field(default_factory=list)
    service_blocks: list[np.ndarray] = field(default_factory=list)
    touched: dict[int, Firm] = field(default_factory=dict)
    hook_version: int = 0
    machines: MachinePlan | None = None
