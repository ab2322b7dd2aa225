"""The regional network: firm locations, transport modes, explicit links and pipelines."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeFloat, model_validator

from mfcsim.scenario.convert import QUANTITY_JSON, Co2ePerTkm, EurPerTkm, Km, Speed
from mfcsim.scenario.spec import FieldProblem, Spec


class LocationSpec(Spec):
    """A position: geographic (lat/lon in degrees) or planar (x_km/y_km)."""

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    x_km: float | None = None
    y_km: float | None = None

    @model_validator(mode="after")
    def _one_system(self) -> LocationSpec:
        geo = self.lat is not None and self.lon is not None
        planar = self.x_km is not None and self.y_km is not None
        if geo == planar:
            raise ValueError("give either lat and lon, or x_km and y_km")
        return self

    @property
    def geographic(self) -> bool:
        """True for lat/lon positions."""
        return self.lat is not None


class ModeSpec(Spec):
    """A transport mode."""

    cost: EurPerTkm = 0.1
    co2e: Co2ePerTkm = 0.0001
    speed: Speed = 1200.0


class LinkSpec(Spec):
    """An explicit road distance between two firms (overrides the coordinate distance)."""

    source: str
    target: str
    distance: Km


class PipelineSpec(Spec):
    """A pipeline for heat, CO2 or another stream, with a daily capacity."""

    source: str
    target: str
    materials: list[str] = Field(min_length=1)
    capacity: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        description="units per day of the first material's unit"
    )
    distance: Km | None = None
    speed: Speed = 5000.0
    cost: float = Field(0.0, ge=0, description="EUR per unit delivered")


class NetworkSpec(Spec):
    """The regional transport network."""

    detour_factor: float = Field(1.3, ge=1.0)
    default_mode: str = "truck"
    modes: dict[str, ModeSpec] = Field(default_factory=lambda: {"truck": ModeSpec()})
    links: list[LinkSpec] = Field(default_factory=list)
    pipelines: list[PipelineSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_mode_known(self) -> NetworkSpec:
        if self.default_mode not in self.modes:
            raise FieldProblem(
                ("default_mode",),
                f"unknown mode {self.default_mode!r} (accepted: {', '.join(sorted(self.modes))})",
            )
        return self
