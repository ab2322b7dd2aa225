"""Fleets: vehicles that carry road lots together, by kind, from a depot.

A scenario with ``fleets:`` hands the road lots of a mode (and, if listed, of some materials
only) to the fleet instead of letting each lot travel alone; see :mod:`mfcsim.engine.fleets`
for the tours and docs/fleets.md for the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from mfcsim.scenario.convert import QUANTITY_JSON, Days, Km, PositiveDays, Speed, quantity
from mfcsim.scenario.spec import FieldProblem, Spec

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario

Tonnes = Annotated[PositiveFloat, quantity("t"), QUANTITY_JSON]
CubicMetres = Annotated[PositiveFloat, quantity("m3"), QUANTITY_JSON]
EurPerKm = Annotated[NonNegativeFloat, quantity("EUR/km"), QUANTITY_JSON]
Co2ePerKm = Annotated[NonNegativeFloat, quantity("t_CO2e/km"), QUANTITY_JSON]
Eur = Annotated[NonNegativeFloat, quantity("EUR"), QUANTITY_JSON]


class FleetSpec(Spec):
    """Vehicles of one kind (the key of the fleet) based at a depot.

    A vehicle leaves the depot empty, collects lots bound for one receiver, delivers them
    and drives back empty. Its CO2e is per vehicle-km, loaded or empty (not per t·km).
    """

    depot: str = Field(description="firm id where the vehicles start and end their tours")
    count: PositiveInt = Field(1, description="number of vehicles")
    capacity_t: Tonnes | None = Field(None, description="payload in t (e.g. '24 t')")
    capacity_m3: CubicMetres | None = Field(
        None, description="load volume in m3; counts the lots of materials measured in m3"
    )
    cost_per_trip: Eur = Field(0.0, description="EUR per tour (driver's call-out, loading)")
    cost_per_km: EurPerKm = Field(0.0, description="EUR per vehicle-km, loaded or empty")
    co2e_loaded: Co2ePerKm = Field(description="t CO2e per loaded vehicle-km")
    co2e_empty: Co2ePerKm = Field(description="t CO2e per empty vehicle-km")
    speed: Speed | None = Field(None, description="average speed; default: the mode's speed")
    working_time: PositiveDays = Field(
        10 / 24, description="working time of a vehicle per day (e.g. '10 h'), at most 1 d"
    )
    stop_time: Days = Field(0.25 / 24, description="time at each stop, to load or unload")
    mode: str | None = Field(None, description="the road mode it replaces; default: the default")
    materials: list[str] = Field(
        default_factory=list, description="materials it carries; empty: all that go by its mode"
    )
    tour: Literal["receiver", "savings"] = Field(
        "savings",
        description="how the day's lots are put into tours: 'savings' (one-receiver tours "
        "merged into multi-drop tours by Clarke-Wright savings of vehicle-km, capacity and "
        "working day respected) or 'receiver' (one receiver a tour, nearest-neighbour "
        "collection); docs/fleets.md",
    )
    tour_span: Annotated[Km, QUANTITY_JSON] = Field(
        10.0,
        description="with tour: savings, the longest pickup chain and the longest drop chain "
        "of a merged tour (e.g. '10 km'): only suppliers near each other and receivers near "
        "each other share a tour; a lot rides at most 4 spans beyond its direct distance",
    )
    agent_load_factor: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        None,
        description="if given, the regional agent prices the lots this fleet carries at the "
        "fleet's EUR and CO2e per t·km at this load factor (t·km over capacity_t × loaded "
        "km) and agent_empty_share, not at the mode's; docs/fleets.md",
    )
    agent_empty_share: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="share of the vehicle-km driven empty, with agent_load_factor"
    )
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> FleetSpec:
        if self.capacity_t is None and self.capacity_m3 is None:
            raise FieldProblem(("capacity_t",), "give capacity_t, capacity_m3 or both")
        if self.agent_load_factor is not None and self.capacity_t is None:
            raise FieldProblem(
                ("agent_load_factor",), "needs capacity_t (accepted: with capacity_t only)"
            )
        if self.working_time > 1.0:
            raise FieldProblem(
                ("working_time",), f"{self.working_time * 24:g} h a day (accepted: at most 24 h)"
            )
        return self


def check_fleets(scn: Scenario) -> None:
    """Depots are firms; modes and materials are known; one fleet per mode and material."""
    if scn.fleets is None:
        return
    taken: dict[tuple[str, str], str] = {}
    for name, fleet in scn.fleets.items():
        path: tuple[str | int, ...] = ("fleets", name)
        if fleet.depot not in scn.firms:
            known = ", ".join(sorted(scn.firms))
            raise FieldProblem(
                (*path, "depot"), f"unknown firm {fleet.depot!r} (accepted: {known})"
            )
        mode = fleet.mode or scn.network.default_mode
        if mode not in scn.network.modes:
            known = ", ".join(sorted(scn.network.modes))
            raise FieldProblem((*path, "mode"), f"unknown mode {mode!r} (accepted: {known})")
        for i, mid in enumerate(fleet.materials):
            if mid not in scn.materials:
                known = ", ".join(sorted(scn.materials))
                raise FieldProblem(
                    (*path, "materials", i), f"unknown material {mid!r} (accepted: {known})"
                )
        for mid in fleet.materials or ["*"]:
            other = taken.setdefault((mode, mid), name)
            if other != name:
                raise FieldProblem(
                    (*path, "materials"),
                    f"fleet {other!r} carries {mid if mid != '*' else 'every material'} by "
                    f"{mode!r} already (accepted: one fleet per mode and material)",
                )
