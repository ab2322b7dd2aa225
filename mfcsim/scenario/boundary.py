"""The boundary: import and export markets with the outside world, and disposal routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeFloat

from mfcsim.scenario.convert import QUANTITY_JSON, Money
from mfcsim.scenario.spec import Spec


class MarketSpec(Spec):
    """A price and emission factor for trading a material with the outside world."""

    price: Money | None = Field(None, description="EUR per unit; default the material's price")
    co2e: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        0.0, description="t CO2e per unit (embodied, for imports)"
    )
    limit: Annotated[NonNegativeFloat, QUANTITY_JSON] | None = Field(
        None,
        description="units per day the whole region may buy (imports) or sell (exports); "
        "none: unlimited. Firms are served in scenario order",
    )


class DisposalSpec(Spec):
    """A disposal route (landfill, incineration, ...): fee and emissions per unit."""

    gate_fee: Money = Field(0.0, description="EUR per unit")
    co2e: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(0.0, description="t CO2e per unit")


class BoundarySpec(Spec):
    """The outside world: import and export markets, disposal routes.

    ``energy_disposal`` is the route of unused energy; it must name a route only if the
    scenario has a material in MWh.
    """

    imports: dict[str, MarketSpec] = Field(default_factory=dict)
    exports: dict[str, MarketSpec] = Field(default_factory=dict)
    disposal: dict[str, DisposalSpec] = Field(
        default_factory=lambda: {"landfill": DisposalSpec(), "dissipation": DisposalSpec()}
    )
    default_disposal: str = "landfill"
    energy_disposal: str = "dissipation"
