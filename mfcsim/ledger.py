"""The ledger: every movement of every material, in columnar buffers.

One row per movement: ``t_day, source, target, material, quantity, kind`` plus the
accounting attributes ``distance_km``, ``value_eur`` and ``co2e_t``. Nodes, materials and
kinds are small integer codes in the hot loop; :meth:`Ledger.frame` turns the buffers into a
pandas frame with categorical columns once, at the end.

Transformations inside a firm are rows whose source and target are the same firm: kind
``production`` adds to the firm's stock and kind ``consumption`` takes from it. Every other
row moves a quantity from its source to its target.
"""

from __future__ import annotations

from array import array
from enum import IntEnum

import numpy as np
import pandas as pd


class Kind(IntEnum):
    """What a ledger row records."""

    PRODUCTION = 0  # a process output appears in a firm's stock (source == target)
    CONSUMPTION = 1  # a process input leaves a firm's stock (source == target)
    SHIPMENT = 2  # firm -> in_transit (dispatch) or in_transit -> firm (arrival)
    IMPORT = 3  # import market -> firm
    EXPORT = 4  # firm -> export market
    DISPOSAL = 5  # firm -> a disposal route (landfill, incineration, dissipation)
    EMISSION = 6  # firm -> air, water or soil
    EXTRACTION = 7  # environment -> firm (water uptake, photosynthesis, oxygen)
    FINAL_CONSUMPTION = 8  # firm -> consumption (food eaten)


KIND_NAMES = [k.name.lower() for k in Kind]
FLOW_COLUMNS = [
    "t_day",
    "source",
    "target",
    "material",
    "quantity",
    "kind",
    "distance_km",
    "value_eur",
    "co2e_t",
]


class Ledger:
    """Append-only columnar buffers of flow rows.

    Args:
        nodes: Node names; row codes index into it (it may grow while the ledger fills).
        materials: Material ids; row codes index into it.
    """

    def __init__(self, nodes: list[str], materials: list[str]) -> None:
        self.nodes, self.materials = nodes, materials
        self._t = array("d")
        self._src = array("l")
        self._dst = array("l")
        self._mat = array("l")
        self._qty = array("d")
        self._kind = array("b")
        self._km = array("d")
        self._value = array("d")
        self._co2e = array("d")

    def __len__(self) -> int:
        return len(self._t)

    def add(
        self,
        t_day: float,
        source: int,
        target: int,
        material: int,
        quantity: float,
        kind: Kind,
        *,
        distance_km: float = 0.0,
        value_eur: float = 0.0,
        co2e_t: float = 0.0,
    ) -> None:
        """Append one row; a quantity of zero or less records nothing."""
        if quantity <= 0.0:
            return
        self._t.append(t_day)
        self._src.append(source)
        self._dst.append(target)
        self._mat.append(material)
        self._qty.append(quantity)
        self._kind.append(kind)
        self._km.append(distance_km)
        self._value.append(value_eur)
        self._co2e.append(co2e_t)

    def frame(self) -> pd.DataFrame:
        """The rows as a frame with fixed columns and dtypes (also when empty)."""

        def cat(codes: array, names: list[str]) -> pd.Categorical:
            return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=names)

        return pd.DataFrame(
            {
                "t_day": np.asarray(self._t, dtype=np.float64),
                "source": cat(self._src, self.nodes),
                "target": cat(self._dst, self.nodes),
                "material": cat(self._mat, self.materials),
                "quantity": np.asarray(self._qty, dtype=np.float64),
                "kind": cat(self._kind, KIND_NAMES),
                "distance_km": np.asarray(self._km, dtype=np.float64),
                "value_eur": np.asarray(self._value, dtype=np.float64),
                "co2e_t": np.asarray(self._co2e, dtype=np.float64),
            }
        )
