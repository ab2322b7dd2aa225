"""Materials: their unit, kind, price, composition, and what they replace or become."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, model_validator

from mfcsim.ghg import GhgGas, IpccCategory
from mfcsim.scenario.convert import QUANTITY_JSON, Days, Money, convert_per_unit
from mfcsim.scenario.spec import FieldProblem, Fraction, Spec

MaterialUnit = Literal["t", "MWh", "m3"]
MaterialKind = Literal["product", "raw_material", "residue", "energy", "emission", "environmental"]
Sink = Literal["air", "water", "soil", "consumption"]


class ReplacementSpec(Spec):
    """A virgin material that one unit of this material replaces where it is used."""

    material: str = Field(description="id of the replaced (virgin) material")
    ratio: float = Field(gt=0.0, description="units of the replaced material per unit of this one")


class MaterialSpec(Spec):
    """A material: its unit, kind, price and composition.

    Prices and emission factors are per unit of the material (EUR/t, EUR/MWh, EUR/m3).
    """

    unit: MaterialUnit
    kind: MaterialKind
    density: Annotated[PositiveFloat, QUANTITY_JSON] | None = Field(
        None, description="t/m3; required for unit m3"
    )
    price: Money = Field(0.0, description="EUR per unit: the value used for revenue and costs")
    co2e: Money = Field(0.0, description="t CO2e per unit when emitted (GWP; 0 for biogenic)")
    composition: dict[str, Fraction] = Field(default_factory=dict)
    sink: Sink | None = Field(None, description="boundary node it goes to when released")
    disposal: str | None = Field(None, description="disposal route; default from boundary")
    shelf_life: Days | None = Field(
        None, description="days it keeps: the agent sends it on no longer trip (e.g. '3 d')"
    )
    replaces: list[ReplacementSpec] = Field(
        default_factory=list,
        description="virgin materials it stands in for when consumed (for avoided emissions)",
    )
    water: bool = Field(
        False, description="water: reported on its own, not as material input or emission"
    )
    harvested: bool = Field(
        False, description="a crop or fodder taken off the field: an output of the soil balance"
    )
    ghg: GhgGas | None = Field(
        None, description="the greenhouse gas it is (co2e from the scenario's gwp set)"
    )
    ghg_category: IpccCategory | None = Field(
        None, description="IPCC source category its releases are reported under"
    )
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _convert_per_unit(cls, data: Any) -> Any:
        return convert_per_unit(data)

    @model_validator(mode="after")
    def _check(self) -> MaterialSpec:
        if self.unit == "m3" and self.density is None:
            raise FieldProblem(("density",), "a material in m3 needs a density (e.g. '1.2 kg/m3')")
        if self.unit != "m3" and self.density is not None:
            raise FieldProblem(("density",), "density is only accepted for materials in m3")
        total = sum(self.composition.values())
        if total > 1.0 + 1e-9:
            raise FieldProblem(("composition",), f"mass fractions sum to {total:.4g} (> 1)")
        return self

    @property
    def dimension(self) -> Literal["mass", "energy"]:
        """``mass`` for t and m3 (with density), ``energy`` for MWh."""
        return "energy" if self.unit == "MWh" else "mass"

    @property
    def mass_t_per_unit(self) -> float:
        """Tonnes per unit: 1 for t, the density for m3, 0 for energy."""
        if self.unit == "t":
            return 1.0
        return self.density if self.unit == "m3" and self.density else 0.0
