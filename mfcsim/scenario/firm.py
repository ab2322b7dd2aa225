"""Firms: their type, place, recipes (processes), storage, stocks, demand and behaviour."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, NonNegativeFloat, model_validator

from mfcsim.scenario.convert import Amounts, PerDay, StorageAmount
from mfcsim.scenario.machine import MachineNeedSpec
from mfcsim.scenario.network import LocationSpec
from mfcsim.scenario.spec import Fraction, Spec


class SeasonalitySpec(Spec):
    """When a firm is active: monthly factors and/or a window of days of the year."""

    monthly: list[NonNegativeFloat] | None = Field(None, min_length=12, max_length=12)
    window: tuple[int, int] | None = Field(None, description="first and last day of year (1-366)")

    @model_validator(mode="after")
    def _window_days(self) -> SeasonalitySpec:
        if self.window and not all(1 <= d <= 366 for d in self.window):
            raise ValueError("window days must be days of the year, 1 to 366")
        return self


class ProcessSpec(Spec):
    """A recipe: inputs and outputs per unit of activity, and a capacity in activity per day.

    ``from_environment`` and ``to_environment`` declare what the process exchanges with the
    environment (water uptake, photosynthesis, evaporation, CO2 to air, food eaten): with them
    the recipe must close its mass balance.
    """

    capacity: PerDay = Field(description="activity units per day")
    inputs: Amounts = Field(default_factory=dict)
    outputs: Amounts = Field(default_factory=dict)
    from_environment: Amounts = Field(default_factory=dict)
    to_environment: Amounts = Field(default_factory=dict)
    seasonality: SeasonalitySpec | None = Field(None, description="overrides the firm's")
    yield_balance: str | None = Field(
        None,
        description="an output that takes the mass difference when the firm type's "
        "yield_factor scales the other outputs (the recipe still closes)",
    )
    transfer: dict[str, dict[str, Fraction]] = Field(
        default_factory=dict,
        description="substance -> {output material: share of the inputs' substance}",
    )
    note: str = Field("", description="where the coefficients come from")
    machine: MachineNeedSpec | None = Field(
        None,
        description="a machine of a machine pool the process needs, once a year in a window "
        "(its activity is then the machine's work; see docs/machine-pool.md)",
    )


class VariabilitySpec(Spec):
    """Stochastic variation of a firm's daily activity (truncated normal factor)."""

    activity_cv: NonNegativeFloat = Field(0.0, description="coefficient of variation per day")


class FirmSpec(Spec):
    """A firm: its type, place, processes, storage, stocks, demand and behaviour."""

    type: str
    location: LocationSpec
    params: dict[str, Any] = Field(default_factory=dict)
    processes: dict[str, ProcessSpec] = Field(default_factory=dict)
    storage: dict[str, StorageAmount] = Field(
        default_factory=dict, description="capacity per material ('unlimited' for no limit)"
    )
    initial_stock: Amounts = Field(default_factory=dict)
    demand: Amounts = Field(default_factory=dict, description="daily orders per material")
    seasonality: SeasonalitySpec = Field(default_factory=SeasonalitySpec)
    variability: VariabilitySpec = Field(default_factory=VariabilitySpec)
    join_day: int = Field(0, ge=0)
    imports: bool = Field(True, description="import what processes and orders lack")
    exports: bool = Field(True, description="sell surplus products on the export market")
    buyer: bool = Field(False, description="its daily orders come first; fill rate recorded")
    fte: float = Field(0.0, ge=0.0, description="jobs at the firm, full-time equivalents")
    land_ha: float = Field(0.0, ge=0.0, description="land the firm farms or covers, hectares")
    soil_inputs_kg_per_ha_yr: dict[
        str, dict[Literal["deposition", "fixation"], NonNegativeFloat]
    ] = Field(
        default_factory=dict,
        description="substance -> {deposition, fixation}: kg per ha of land_ha per year that "
        "reach the farm's soil without a material carrying them (OECD balance inputs)",
    )
    markup: float | None = Field(
        None,
        ge=0.0,
        description="trade margin on goods it resells (not its recipes' outputs), as a share "
        "of their purchase cost; default: resold at the material's price",
    )
    description: str = ""
