"""The regional agent: how it clears offers and requests, and which materials substitute."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, NonNegativeFloat, PositiveFloat

from mfcsim.scenario.convert import QUANTITY_JSON, EurPerCo2e
from mfcsim.scenario.spec import Spec


class AgentSpec(Spec):
    """The regional agent: how it clears offers and requests every day.

    Policies: ``none`` (fixed contracts only; needs imported, unused residues disposed),
    ``greedy`` (nearest supplier first, a heuristic), ``augment`` (greedy in the order of
    gain, improved by augmenting paths: near optimal at about greedy's speed) and ``optimal``
    (a min-cost allocation solved as a sparse linear program with HiGHS).
    """

    policy: Literal["none", "greedy", "augment", "optimal"] = "none"
    k_nearest: int = Field(10, ge=1, description="candidate suppliers per request and material")
    carbon_price: EurPerCo2e = Field(0.0, description="EUR per t CO2e in the objective")
    import_penalty: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        1000.0, description="EUR per unit added to imports so they come last"
    )
    unmet_penalty: PositiveFloat = Field(1e6, description="EUR per unit of a need left unmet")


def _members_form(value: Any) -> Any:
    if isinstance(value, dict) and "members" not in value:
        return {"members": value}
    return value


class SubstitutionGroupSpec(Spec):
    """Materials that can stand in for one another, with conversion ratios.

    ``members`` maps a material to the group units one unit of it provides (e.g.
    ``{soybean_meal: 1.0, spent_grain: 0.25}``: four t of spent grain replace one of meal).
    When members differ in mass per group unit, ``balance`` names the material (in t) that
    takes up the difference as an exchange with the environment (e.g. water vapour).
    Written either as ``{members: {...}, balance: ...}`` or as the bare members mapping.
    """

    members: dict[str, PositiveFloat] = Field(min_length=2)
    balance: str | None = None


Group = Annotated[SubstitutionGroupSpec, BeforeValidator(_members_form)]
