"""The regional agent: how it clears offers and requests, and which materials substitute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, NonNegativeFloat, PositiveFloat, field_validator

from mfcsim.scenario.convert import QUANTITY_JSON, EurPerCo2e
from mfcsim.scenario.spec import Spec

#: The registered policy names; set by :mod:`mfcsim.agent.policies` when it is imported (as
#: ``import mfcsim`` does), so that this package never imports the agent.
KnownPolicies = Callable[[], list[str]]
BUILT_IN_POLICIES = ("none", "greedy", "optimal")
_known_policies: list[KnownPolicies] = []


def use_policies(known: KnownPolicies) -> None:
    """Set where the accepted policy names come from (the policy registry's names)."""
    _known_policies[:] = [known]


def policy_names() -> list[str]:
    """The policy names a scenario may give: the registry's, else the built-in ones."""
    return _known_policies[0]() if _known_policies else list(BUILT_IN_POLICIES)


def _policy_schema(schema: dict[str, Any]) -> None:
    schema["enum"] = policy_names()  # built when the schema is printed: plug-ins included


class AgentSpec(Spec):
    """The regional agent: how it clears offers and requests every day.

    Policies: ``none`` (fixed contracts only; needs imported, unused residues disposed),
    ``greedy`` (nearest supplier first, a heuristic), ``augment`` (greedy in the order of
    gain, improved by augmenting paths: near optimal at about greedy's speed) and ``optimal``
    (a min-cost allocation solved as a sparse linear program with HiGHS), and any policy
    registered in :mod:`mfcsim.agent.policies` (plug-ins of the ``mfcsim.policies``
    entry-point group).
    """

    policy: str = Field(
        "none",
        description="clearing policy: a registered name (`mfcsim list policies`)",
        json_schema_extra=_policy_schema,
    )
    start_day: int = Field(
        0, ge=0, description="first day the agent clears (before it: contracts only, as `none`)"
    )
    k_nearest: int = Field(10, ge=1, description="candidate suppliers per request and material")
    carbon_price: EurPerCo2e = Field(0.0, description="EUR per t CO2e in the objective")
    import_penalty: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        1000.0, description="EUR per unit added to imports so they come last"
    )
    unmet_penalty: PositiveFloat = Field(1e6, description="EUR per unit of a need left unmet")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, name: str) -> str:
        known = policy_names()
        if name not in known:
            raise ValueError(f"unknown policy {name!r} (accepted: {', '.join(known)})")
        return name


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
