"""Contracts: fixed bilateral deliveries between two firms of the region."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat

from mfcsim.scenario.convert import Days
from mfcsim.scenario.spec import Spec


class ContractSpec(Spec):
    """A fixed bilateral delivery: ``quantity`` of ``material`` every ``every`` days."""

    supplier: str
    receiver: str
    material: str
    quantity: NonNegativeFloat | Literal["all"] = Field(
        description="units per delivery, or 'all' for the supplier's whole stock"
    )
    every: Days = 1.0
    start_day: int = Field(0, ge=0)
    end_day: int | None = Field(None, ge=0)
    mode: str | None = None
