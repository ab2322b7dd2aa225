"""Logistics indicators of the fleets' trips (``trips`` table; :mod:`mfcsim.engine.fleets`).

Reported only by runs whose scenario has ``fleets:`` (their ``trips`` table exists), for
the trips planned in the period (by the day their lots were handed over). The comparison
with per-lot transport takes the same lots as the trips carried, each priced as if it had
travelled alone (t·km times the mode's EUR and CO2e per t·km): negative is a saving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mfcsim.indicators.registry import indicator, report_only_with

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


def _ratio(window: Window, top: str, bottom: str) -> Scoped:
    trips = _trips(window)
    if trips is None or float(trips[bottom].sum()) <= 0.0:
        return {}
    return {"cluster": float(trips[top].sum()) / float(trips[bottom].sum())}


def _vs_per_lot(window: Window, column: str) -> Scoped:
    """The trips' ``column`` minus ``per_lot_<column>``, the same lots each alone."""
    trips = _trips(window)
    if trips is None:
        return {}
    return {"cluster": float(trips[column].sum() - trips[f"per_lot_{column}"].sum())}


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
    trips = _trips(window)
    if trips is None:
        return {}
    return {"cluster": float(trips["km_loaded"].sum() + trips["km_empty"].sum())}


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


@indicator(
    "fleet_empty_km_share",
    unit="share",
    pillar="planet",
    definition="Empty vehicle-km (depot to first pickup, receiver back to depot) over "
    "all vehicle-km.",
)
def fleet_empty_km_share(window: Window) -> Scoped:
    """Share of the vehicle-km driven empty."""
    trips = _trips(window)
    if trips is None:
        return {}
    km = float(trips["km_loaded"].sum() + trips["km_empty"].sum())
    return {} if km <= 0.0 else {"cluster": float(trips["km_empty"].sum()) / km}


@indicator(
    "fleet_t_co2e_per_vehicle_km",
    unit="t CO2e/km",
    pillar="planet",
    definition="The fleets' CO2e (per loaded and empty vehicle-km) per vehicle-km.",
)
def fleet_co2e_per_vehicle_km(window: Window) -> Scoped:
    """CO2e per vehicle-km."""
    trips = _trips(window)
    if trips is None:
        return {}
    km = float(trips["km_loaded"].sum() + trips["km_empty"].sum())
    return {} if km <= 0.0 else {"cluster": float(trips["co2e_t"].sum()) / km}


@indicator(
    "fleet_t_co2e_per_t",
    unit="t CO2e/t",
    pillar="planet",
    definition="The fleets' CO2e per tonne carried.",
)
def fleet_co2e_per_t(window: Window) -> Scoped:
    """CO2e per tonne carried."""
    return _ratio(window, "co2e_t", "load_t")


@indicator(
    "fleet_eur_per_t",
    unit="EUR/t",
    pillar="profit",
    definition="The fleets' cost (per trip and per vehicle-km) per tonne carried.",
)
def fleet_cost_per_t(window: Window) -> Scoped:
    """Logistics cost per tonne carried."""
    return _ratio(window, "cost_eur", "load_t")


@indicator(
    "fleet_vs_per_lot_t_co2e",
    unit="t CO2e",
    pillar="planet",
    definition="The fleets' CO2e minus that of the same lots each travelling alone "
    "(t·km × the mode's CO2e per t·km); negative: the fleets save.",
)
def fleet_vs_per_lot_co2e(window: Window) -> Scoped:
    """Fleet CO2e minus per-lot CO2e of the same lots."""
    return _vs_per_lot(window, "co2e_t")


@indicator(
    "fleet_vs_per_lot_eur",
    unit="EUR",
    pillar="profit",
    definition="The fleets' cost minus that of the same lots each travelling alone "
    "(t·km × the mode's EUR per t·km); negative: the fleets save.",
)
def fleet_vs_per_lot_cost(window: Window) -> Scoped:
    """Fleet cost minus per-lot cost of the same lots."""
    return _vs_per_lot(window, "cost_eur")


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
