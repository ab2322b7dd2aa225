"""Specs of the regional agent, substitution groups and disruptions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, NonNegativeFloat, PositiveFloat, model_validator

from mfcsim.scenario.schema_base import QUANTITY_JSON, Spec, quantity

Days = Annotated[NonNegativeFloat, quantity("day")]
PositiveDays = Annotated[PositiveFloat, quantity("day")]
EurPerCo2e = Annotated[NonNegativeFloat, quantity("EUR/t_CO2e")]


class AgentSpec(Spec):
    """The regional agent: how it clears offers and requests every day.

    Policies: ``none`` (fixed contracts only; needs imported, unused residues disposed),
    ``greedy`` (nearest supplier first, a heuristic) and ``optimal`` (a min-cost allocation
    solved as a sparse linear program with HiGHS).
    """

    policy: Literal["none", "greedy", "optimal"] = "none"
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


def _unknown(kind: str, value: str, known: Any) -> str:
    return f"unknown {kind} {value!r} (accepted: {', '.join(sorted(known))})"


def check_substitution(scn: Any) -> None:
    """Members and balance materials exist; a material is in one group; masses reconcile."""
    from mfcsim.scenario.schema_base import FieldProblem

    seen: dict[str, str] = {}
    for gid, group in scn.substitution.items():
        path = ("substitution", gid)
        for mid in group.members:
            if mid not in scn.materials:
                raise FieldProblem(
                    (*path, "members", mid), _unknown("material", mid, scn.materials)
                )
            if mid in seen:
                raise FieldProblem((*path, "members", mid), f"already in group {seen[mid]!r}")
            seen[mid] = gid
        per_unit = {scn.materials[m].mass_t_per_unit / ratio for m, ratio in group.members.items()}
        if group.balance is not None:
            mat = scn.materials.get(group.balance)
            if mat is None:
                raise FieldProblem(
                    (*path, "balance"), _unknown("material", group.balance, scn.materials)
                )
            if mat.unit != "t":
                raise FieldProblem((*path, "balance"), "the balance material must be in t")
        elif max(per_unit) - min(per_unit) > 1e-12 * max(max(per_unit), 1e-12):
            raise FieldProblem(
                (*path, "balance"),
                "members differ in mass per group unit; name a balance material (in t) that "
                "takes up the difference (e.g. water_vapour)",
            )


def _policy_path_ok(path: str, scn: Any) -> bool:
    parts = path.split(".")
    for pattern in POLICY_PATHS:
        pat = pattern.split(".")
        if len(pat) != len(parts):
            continue
        if all(p == "*" or p == q for p, q in zip(pat, parts, strict=True)):
            if "*" not in pat:
                return True
            ident = parts[pat.index("*")]
            table = {
                "disposal": scn.boundary.disposal,
                "imports": scn.boundary.imports,
                "exports": scn.boundary.exports,
            }[parts[1]]
            return ident in table
    return False


def check_disruptions(scn: Any) -> None:
    """Disruptions name known firms, and policy events name paths they may change."""
    from mfcsim.scenario.schema_base import FieldProblem

    for did, dis in scn.disruptions.items():
        path = ("disruptions", did)
        for end in ("firm", "source", "target"):
            fid = getattr(dis, end, None)
            if fid is not None and fid not in scn.firms:
                raise FieldProblem((*path, end), _unknown("firm", fid, scn.firms))
        if isinstance(dis, PolicySpec):
            for key in dis.set:
                if not _policy_path_ok(key, scn):
                    raise FieldProblem(
                        (*path, "set", key),
                        f"cannot be changed by a policy event (accepted: {', '.join(POLICY_PATHS)}"
                        f" with * an id defined in the boundary)",
                    )
