"""What the farm types share: fertilising their land, day-of-year windows, amount checks.

Fertilising (arable land and grassland): organic fertilisers on hand (digestate, manure,
compost) are spread first, during a spring window, at up to a rate per hectare; mineral
fertiliser tops up each day's nitrogen need that the organic fertilisers spread that day do
not cover. The nitrogen of an organic fertiliser is its material's ``composition: {N: ...}``
times ``organic_n_availability``; a material without an N fraction is spread but counts for
no nitrogen. Farm types that fertilise subclass :class:`FertilisingFarm` and add
:func:`fertilising_parameters` and :func:`fertilising_processes` to their own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mfcsim.errors import FirmHookError
from mfcsim.firms.base import Firm, Param

if TYPE_CHECKING:
    from mfcsim.firms.process import Process


def window_days(window: tuple[int, int] | list[int]) -> int:
    """Number of days in a day-of-year window ``[first, last]`` of a 365-day year."""
    first, last = int(window[0]), int(window[1])
    if not (1 <= first <= 366 and 1 <= last <= 366):
        raise ValueError(f"window {list(window)} is not two days of the year (1-366)")
    return last - first + 1 if first <= last else 365 - first + 1 + last


def check_non_negative(params: dict[str, Any], *names: str) -> None:
    """Refuse a parameter among ``names`` that is not a finite number >= 0.

    Raises:
        ValueError: Naming the parameter and its value.
    """
    for name in names:
        value = float(params[name])
        if not value >= 0 or math.isinf(value):
            raise ValueError(f"parameter {name!r} must be a finite number >= 0, not {value!r}")


def fertilising_parameters(window: tuple[int, int], area_param: str) -> dict[str, Param]:
    """The parameters of the optional fertilising processes (spread on ``area_param`` ha)."""
    return {
        "fertiliser_rates_t_per_ha": Param(
            {},
            "organic fertiliser material -> largest yearly rate spread, t per ha per year "
            f"(on {area_param}); each gets a fertilise_<material> process; {{}} = none",
        ),
        "n_need_kg_per_ha": Param(
            0.0,
            "kg N per ha per year the land needs; mineral fertiliser covers what the organic "
            "fertilisers spread each day do not (0 = no mineral fertiliser process)",
        ),
        "mineral_fertiliser": Param("mineral_fertiliser", "material id of mineral fertiliser (t)"),
        "mineral_n_share": Param(
            0.27,
            "N mass fraction of the mineral fertiliser (0-1); assumption: calcium ammonium "
            "nitrate, 27 % N",
        ),
        "organic_n_availability": Param(
            0.6,
            "share of an organic fertiliser's N that counts against the need (0-1); "
            "assumption: order of the Dutch N efficiency coefficients of slurry and digestate",
        ),
        "fertilising_window": Param(
            list(window), "[first, last] day of year when fertiliser may be spread"
        ),
        "applied": Param(
            "applied_to_soil",
            "material id of fertiliser worked into the soil (t; give it sink: soil)",
        ),
    }


def fertilising_processes(params: dict[str, Any], area_ha: float) -> dict[str, Any]:
    """``fertilise_<material>`` processes: organic ones first, mineral last (1 t spread each).

    Capacities spread the yearly amount evenly over the window: an organic fertiliser's rate
    × area, and for the mineral fertiliser the whole N need (the planning hook lowers it by
    the organic N spread on the day).
    """
    rates = params["fertiliser_rates_t_per_ha"]
    need = float(params["n_need_kg_per_ha"])
    if not rates and need <= 0:
        return {}
    window = params["fertilising_window"]
    days = window_days(window)
    n_share = float(params["mineral_n_share"])
    availability = float(params["organic_n_availability"])
    if not 0 < n_share <= 1:
        raise ValueError(f"mineral_n_share {n_share} is not in (0, 1]")
    if not 0 <= availability <= 1:
        raise ValueError(f"organic_n_availability {availability} is not between 0 and 1")
    if need < 0:
        raise ValueError(f"n_need_kg_per_ha {need} is negative")
    mineral = params["mineral_fertiliser"]
    if mineral in rates:
        raise ValueError(
            f"{mineral!r} is the mineral fertiliser; leave it out of fertiliser_rates_t_per_ha"
        )
    season = {"window": [int(window[0]), int(window[1])]}
    processes: dict[str, Any] = {}
    for material, rate in rates.items():
        if float(rate) < 0:
            raise ValueError(f"fertiliser rate of {material!r} is negative ({rate})")
        processes[f"fertilise_{material}"] = {
            "capacity": float(rate) * area_ha / days,
            "inputs": {material: 1.0},
            "to_environment": {params["applied"]: 1.0},
            "seasonality": season,
            "note": "organic fertiliser spread on the land when on hand (t per t)",
        }
    if need > 0:
        processes[f"fertilise_{mineral}"] = {
            "capacity": need * area_ha / 1000.0 / n_share / days,
            "inputs": {mineral: 1.0},
            "to_environment": {params["applied"]: 1.0},
            "seasonality": season,
            "note": "mineral fertiliser: the day's N need not covered by organic fertilisers",
        }
    return processes


class FertilisingFarm(Firm):
    """Planning of the fertilise_<material> processes (a base for farm types, not a type)."""

    def setup(self) -> None:
        """Find the fertilising processes and the N content of each organic fertiliser."""
        params = self.params
        materials = self.sim.scenario.materials
        self._organic: dict[str, tuple[int, float]] = {}
        self._mineral_id = f"fertilise_{params['mineral_fertiliser']}"
        availability = float(params["organic_n_availability"])
        for material in params["fertiliser_rates_t_per_ha"]:
            if material not in materials:
                raise FirmHookError(self.id, "setup", f"unknown fertiliser material {material!r}")
            n_kg_per_t = 1000.0 * materials[material].composition.get("N", 0.0) * availability
            self._organic[f"fertilise_{material}"] = (
                self.sim.material_index[material],
                n_kg_per_t,
            )
        self._by_id = {p.id: p for p in self.processes}
        self._n_share = float(params["mineral_n_share"])

    def _expected(self, day: int, process: Process, m: int) -> float:
        """Tonnes of organic fertiliser ``m`` the process will spread on ``day``."""
        plan = process.capacity * float(process.season[day])
        if self.spec.imports and self.sim.market.importable(m):
            return plan
        return min(plan, self.available(m))

    def planned_activity(self, day: int, process: Process) -> float:
        """Organic fertilisers: their rate in the window; mineral: the N still lacking."""
        if process.id in self._organic:
            return process.capacity * float(process.season[day])
        if process.id != self._mineral_id or process.id not in self._by_id:
            return super().planned_activity(day, process)
        season = float(process.season[day])
        if season <= 0.0:
            return 0.0
        organic_n_kg = 0.0
        for pid, (m, n_kg_per_t) in self._organic.items():
            proc = self._by_id.get(pid)
            if proc is not None and n_kg_per_t > 0.0:
                organic_n_kg += self._expected(day, proc, m) * n_kg_per_t
        need_t = process.capacity * season
        return max(0.0, need_t - organic_n_kg / (1000.0 * self._n_share))
