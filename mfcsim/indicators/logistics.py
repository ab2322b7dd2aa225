"""Logistics indicators of the fleets' trips (``trips`` table; :mod:`mfcsim.engine.fleets`).

Reported only by runs whose scenario has ``fleets:`` (their ``trips`` table exists), for
the trips planned in the period (by the day their lots were handed over). The comparison
with per-lot transport takes the same lots as the trips carried, each priced as if it had
travelled alone (t·km times the mode's EUR and CO2e per t·km): negative is a saving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from mfcsim.indicators.registry import Pillar, indicator, report_only_with

if TYPE_CHECKING:
    from mfcsim.indicators.window import Scoped, Window

#: Indicators reported only by runs with fleets.
FLEET_ONLY = frozenset(
    {
        "fleet_trips",
        "fleet_vehicle_km",
        "fleet_load_factor",
        "fleet_empty_km_share",
        "fleet_t_co2e_per_vehicle_km",
        "fleet_t_co2e_per_t",
        "fleet_eur_per_t",
        "fleet_vs_per_lot_t_co2e",
        "fleet_vs_per_lot_eur",
        "fleet_spoiled_t",
    }
)


def _trips(window: Window) -> pd.DataFrame | None:
    """The period's trips, or None for a run without fleets or without trips in the period."""
    if "trips" not in window.results.extra:
        return None
    trips = window.frame("trips")
    return trips if len(trips) else None


def _sums(window: Window) -> dict[str, float] | None:
    """The period's trips' column sums, with ``vehicle_km`` (loaded + empty); None: no trips."""
    trips = _trips(window)
    if trips is None:
        return None
    sums = {column: float(trips[column].sum()) for column in SUMMED}
    sums["vehicle_km"] = sums["km_loaded"] + sums["km_empty"]
    return sums


#: Columns of the trips table the ratios and differences below read.
SUMMED = (
    "km_loaded", "km_empty", "load_t", "co2e_t", "cost_eur", "per_lot_co2e_t", "per_lot_cost_eur",
)  # fmt: skip


def ratio(top: str, bottom: str) -> Callable[[Window], Scoped]:
    """An indicator function: the trips' sum of ``top`` over that of ``bottom``."""

    def values(window: Window) -> Scoped:
        sums = _sums(window)
        if sums is None or sums[bottom] <= 0.0:
            return {}
        return {"cluster": sums[top] / sums[bottom]}

    values.__doc__ = f"The fleets' {top} over their {bottom}."
    return values


def versus_per_lot(column: str) -> Callable[[Window], Scoped]:
    """An indicator function: the trips' ``column`` minus ``per_lot_<column>``, each lot alone."""

    def values(window: Window) -> Scoped:
        sums = _sums(window)
        return {} if sums is None else {"cluster": sums[column] - sums[f"per_lot_{column}"]}

    values.__doc__ = f"The fleets' {column} minus that of the same lots each travelling alone."
    return values


@indicator(
    "fleet_trips",
    unit="trips",
    pillar="planet",
    additive=False,
    definition="Tours the fleets drove (per-lot transport: one trip per shipment).",
)
def fleet_trips(window: Window) -> Scoped:
    """Number of trips."""
    trips = _trips(window)
    return {} if trips is None else {"cluster": float(len(trips))}


@indicator(
    "fleet_vehicle_km",
    unit="km",
    pillar="planet",
    additive=False,
    definition="Vehicle-km of the fleets' trips, loaded and empty.",
)
def fleet_vehicle_km(window: Window) -> Scoped:
    """Loaded plus empty vehicle-km."""
    sums = _sums(window)
    return {} if sums is None else {"cluster": sums["vehicle_km"]}


@indicator(
    "fleet_load_factor",
    unit="share",
    pillar="planet",
    definition="t·km carried over the t·km the loaded vehicle-km could carry "
    "(capacity in t × loaded km; trips of vehicles with a capacity in t).",
)
def fleet_load_factor(window: Window) -> Scoped:
    """Weight load factor on the loaded vehicle-km."""
    trips = _trips(window)
    if trips is None:
        return {}
    rated = trips[trips["capacity_t"] < float("inf")]
    possible = float((rated["capacity_t"] * rated["km_loaded"]).sum())
    return {} if possible <= 0.0 else {"cluster": float(rated["tkm"].sum()) / possible}


#: (name, unit, pillar, top, bottom, definition) of the ratios of trip sums.
RATIOS: tuple[tuple[str, str, Pillar, str, str, str], ...] = (
    ("fleet_empty_km_share", "share", "planet", "km_empty", "vehicle_km",
     "Empty vehicle-km (depot to first pickup, receiver back to depot) over all vehicle-km."),
    ("fleet_t_co2e_per_vehicle_km", "t CO2e/km", "planet", "co2e_t", "vehicle_km",
     "The fleets' CO2e (per loaded and empty vehicle-km) per vehicle-km."),
    ("fleet_t_co2e_per_t", "t CO2e/t", "planet", "co2e_t", "load_t",
     "The fleets' CO2e per tonne carried."),
    ("fleet_eur_per_t", "EUR/t", "profit", "cost_eur", "load_t",
     "The fleets' cost (per trip and per vehicle-km) per tonne carried."),
)  # fmt: skip
for _name, _unit, _pillar, _top, _bottom, _definition in RATIOS:
    indicator(_name, unit=_unit, pillar=_pillar, definition=_definition)(ratio(_top, _bottom))

#: (name, unit, pillar, column, definition) of the fleets against per-lot transport.
VERSUS_PER_LOT: tuple[tuple[str, str, Pillar, str, str], ...] = (
    ("fleet_vs_per_lot_t_co2e", "t CO2e", "planet", "co2e_t",
     "The fleets' CO2e minus that of the same lots each travelling alone (t·km × the mode's "
     "CO2e per t·km); negative: the fleets save."),
    ("fleet_vs_per_lot_eur", "EUR", "profit", "cost_eur",
     "The fleets' cost minus that of the same lots each travelling alone (t·km × the mode's "
     "EUR per t·km); negative: the fleets save."),
)  # fmt: skip
for _name, _unit, _pillar, _column, _definition in VERSUS_PER_LOT:
    indicator(_name, unit=_unit, pillar=_pillar, definition=_definition)(versus_per_lot(_column))


@indicator(
    "fleet_spoiled_t",
    unit="t",
    pillar="planet",
    definition="Lots that spoiled waiting for a fleet's vehicle (their suppliers sent "
    "them to disposal; table fleet_spoiled).",
)
def fleet_spoiled_t(window: Window) -> Scoped:
    """Mass of the lots that spoiled waiting."""
    if "trips" not in window.results.extra:
        return {}
    spoiled = window.frame("fleet_spoiled")
    if not len(spoiled):
        return {"cluster": 0.0}
    per_unit = window.materials["mass_t_per_unit"]
    mass = spoiled["quantity"].to_numpy() * per_unit.reindex(spoiled["material"]).to_numpy()
    return {"cluster": float(mass.sum())}


report_only_with("fleets", FLEET_ONLY)
