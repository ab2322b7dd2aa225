"""Prices, emission factors and routes of the outside world, as the run sees them today.

Built from the scenario's boundary; policy events (a landfill tax, a carbon price) change
them on a date, so the engine reads them here and never from the frozen scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mfcsim.scenario.boundary import MarketSpec
from mfcsim.scenario.root import Scenario


@dataclass(slots=True)
class Route:
    """A disposal route: its node index, gate fee (EUR/unit) and CO2e (t/unit)."""

    node: int
    gate_fee: float
    co2e: float


class Market:
    """Import, export and disposal terms per material index, plus the agent's prices.

    Attributes:
        import_price: EUR per unit, NaN where the material cannot be imported.
        import_co2e: t CO2e per unit imported (embodied).
        export_price: EUR per unit, NaN where the material cannot be exported.
        routes: Disposal routes by name.
        disposal_route: Route name per material index.
        carbon_price: EUR per t CO2e used by the agent's objective.
        import_penalty: EUR per unit added to imports in the agent's objective.
    """

    def __init__(self, scenario: Scenario, materials: list[str], node_index: dict[str, int]):
        b = scenario.boundary
        mats = scenario.materials

        def price(market: dict, m: str) -> float:
            if m not in market:
                return math.nan
            p = market[m].price
            return mats[m].price if p is None else p

        self.materials = materials
        self.import_price = [price(b.imports, m) for m in materials]
        self.import_co2e = [b.imports[m].co2e if m in b.imports else 0.0 for m in materials]
        self.export_price = [price(b.exports, m) for m in materials]
        self.routes = {
            name: Route(node_index[name], spec.gate_fee, spec.co2e)
            for name, spec in b.disposal.items()
        }
        self.disposal_route = [
            mats[m].disposal
            or (b.energy_disposal if mats[m].dimension == "energy" else b.default_disposal)
            for m in materials
        ]
        self.carbon_price = scenario.agent.carbon_price
        self.import_penalty = scenario.agent.import_penalty
        self._disposal_arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._limits_and_series(scenario)

    def _limits_and_series(self, scenario: Scenario) -> None:
        """Daily import and export limits, and the prices and limits that follow a series."""
        b, materials = scenario.boundary, self.materials

        def limit(market: dict[str, MarketSpec], m: str) -> float:
            value = market[m].limit if m in market else None
            return math.inf if value is None else value

        #: Units per day the region may buy, and sell, per material index (inf: no limit).
        self.import_limit = np.array([limit(b.imports, m) for m in materials], dtype=float)
        self.export_limit = np.array([limit(b.exports, m) for m in materials], dtype=float)
        #: What is left of today's limits (reset every day by :meth:`start_day`).
        self.import_left = self.import_limit.copy()
        self.export_left = self.export_limit.copy()
        #: (table, material index, daily values) of the boundary's series.
        self.daily: list[tuple[str, int, tuple[float, ...]]] = []
        for field, hit in scenario.series.items():
            parts = field.split(".")
            if parts[0] == "boundary":
                table = f"{parts[1][:-1]}_{parts[3]}"  # imports.price -> import_price
                self.daily.append((table, materials.index(parts[2]), hit.values))
        #: True if a limit or a series is in force (else the day needs no start).
        self.limited = bool(self.daily) or bool(
            np.isfinite(self.import_limit).any() or np.isfinite(self.export_limit).any()
        )

    def start_day(self, day: int) -> None:
        """Today's prices and limits from the series; today's limits in full again."""
        for table, m, values in self.daily:
            getattr(self, table)[m] = values[day]
        self.import_left[:] = self.import_limit
        self.export_left[:] = self.export_limit

    @staticmethod
    def grant(left: np.ndarray, materials: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """What each row may trade of ``wanted`` today, rows served in order (firm order).

        Each row takes what it wants while its material's ``left`` lasts; ``left`` is
        reduced by what it takes. Unlimited materials (inf) are granted in full.
        """
        out = np.array(wanted, dtype=float)
        for i in range(len(out)):
            m = int(materials[i])
            if left[m] != math.inf:
                out[i] = Market.grant_one(left, m, float(out[i]))
        return out

    @staticmethod
    def grant_one(left: np.ndarray, m: int, wanted: float) -> float:
        """What one firm may trade of ``wanted`` units of ``m`` today; ``left`` reduced."""
        granted = min(wanted, float(left[m]))
        left[m] = float(left[m]) - granted
        return granted

    def importable(self, m: int) -> bool:
        """True if material index ``m`` can be bought outside the region."""
        return not math.isnan(self.import_price[m])

    def exportable(self, m: int) -> bool:
        """True if material index ``m`` can be sold outside the region."""
        return not math.isnan(self.export_price[m])

    def disposal(self, m: int) -> Route:
        """The disposal route of material index ``m``."""
        return self.routes[self.disposal_route[m]]

    def disposal_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per material index: its disposal route's node, gate fee and CO2e, as arrays.

        Kept until :meth:`set` changes a term.
        """
        if self._disposal_arrays is None:
            routes = [self.disposal(m) for m in range(len(self.materials))]
            self._disposal_arrays = (
                np.array([r.node for r in routes], dtype=np.int64),
                np.array([r.gate_fee for r in routes], dtype=float),
                np.array([r.co2e for r in routes], dtype=float),
            )
        return self._disposal_arrays

    def set(self, path: str, value: float) -> None:
        """Apply one policy change, e.g. ``boundary.disposal.landfill.gate_fee``.

        The path was validated at load against the accepted patterns.
        """
        self._disposal_arrays = None
        parts = path.split(".")
        if parts[0] == "agent":
            setattr(self, parts[1], value)
        elif parts[1] == "disposal":
            setattr(self.routes[parts[2]], parts[3], value)
        else:
            m = self.materials.index(parts[2])
            table = f"{parts[1][:-1]}_{parts[3]}"  # imports.price -> import_price
            getattr(self, table)[m] = value
