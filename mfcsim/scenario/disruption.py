"""Disruptions: outages, yield and demand shocks, link closures and policy events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NonNegativeFloat, model_validator

from mfcsim.scenario.convert import PositiveDays
from mfcsim.scenario.spec import Spec


class _Window(Spec):
    start_day: int = Field(0, ge=0)
    duration: PositiveDays = 1.0


class OutageSpec(Spec):
    """A firm stops producing: from ``start_day`` for ``duration`` days, or at random."""

    kind: Literal["outage"]
    firm: str
    start_day: int | None = Field(None, ge=0)
    duration: PositiveDays | None = None
    mtbf: PositiveDays | None = Field(None, description="mean time between failures (random)")
    mttr: PositiveDays | None = Field(None, description="mean time to repair (random)")

    @model_validator(mode="after")
    def _one_form(self) -> OutageSpec:
        fixed = self.start_day is not None and self.duration is not None
        random = self.mtbf is not None and self.mttr is not None
        if fixed == random:
            raise ValueError("give either start_day and duration, or mtbf and mttr")
        return self


class ShockSpec(_Window):
    """A yield or demand shock: the firm's activity times ``factor`` for a while."""

    kind: Literal["yield_shock", "demand_shock"]
    firm: str
    factor: NonNegativeFloat


class ClosureSpec(_Window):
    """A road link or pipeline between two firms is closed (both directions)."""

    kind: Literal["link_closure"]
    source: str
    target: str


#: Policy paths a ``policy`` event may set, as patterns (``*`` is an id).
POLICY_PATHS = (
    "agent.carbon_price",
    "agent.import_penalty",
    "boundary.disposal.*.gate_fee",
    "boundary.disposal.*.co2e",
    "boundary.imports.*.price",
    "boundary.imports.*.co2e",
    "boundary.exports.*.price",
)


class PolicySpec(Spec):
    """A price or policy change on a date: landfill tax, carbon price, import price."""

    kind: Literal["policy"]
    day: int = Field(ge=0)
    set: dict[str, float] = Field(min_length=1, description="path -> new value (base units)")


Disruption = Annotated[
    OutageSpec | ShockSpec | ClosureSpec | PolicySpec, Field(discriminator="kind")
]
