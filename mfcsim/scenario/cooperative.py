"""The cooperative: joint purchase and sales for its members, and who pays its costs.

A cooperative moves money, not mass. Its members' imports of a declared material are bought
through it at a discount that depends on the cooperative's total volume of that material on
the day (price tiers); its members' sales of a declared product to the declared buyers are
sold jointly at the sale price × (1 + premium) (a regional brand), and the premium is paid
out to the members pro rata to the volume each delivered. The cooperative's operating cost
(staff per day, handling per tonne) is paid by a subsidy while one is in force and the rest by
fees from the members: equal shares, or shares by tonnes traded through it. The regional
agent's operating cost (``agent_costs``) is paid the same way, by the firms that use it. The
arithmetic is
in :mod:`mfcsim.indicators.cooperative`; docs/cooperative.md states the assumptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, model_validator

from mfcsim.scenario.convert import QUANTITY_JSON, quantity
from mfcsim.scenario.spec import FieldProblem, Spec

#: The buyer standing for sales outside the region (exports).
EXPORT = "export"

Tonnes = Annotated[NonNegativeFloat, quantity("t"), QUANTITY_JSON]
EurPerDay = Annotated[NonNegativeFloat, quantity("EUR/day"), QUANTITY_JSON]
EurPerTonne = Annotated[NonNegativeFloat, quantity("EUR/t"), QUANTITY_JSON]


class TierSpec(Spec):
    """A price tier: from this daily volume on, every unit bought that day has the discount."""

    from_volume: Tonnes = Field(
        description="the cooperative's total purchase of the material on a day (t) from which "
        "this tier applies, e.g. '20 t'"
    )
    discount: float = Field(
        ge=0.0, lt=1.0, description="share off the import price paid that day (0.05: 5 % less)"
    )


class PurchaseSpec(Spec):
    """Joint purchase of one material: its price tiers, in increasing volume."""

    tiers: list[TierSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> PurchaseSpec:
        for i in range(1, len(self.tiers)):
            if self.tiers[i].from_volume <= self.tiers[i - 1].from_volume:
                raise FieldProblem(
                    ("tiers", i, "from_volume"),
                    f"{self.tiers[i].from_volume:g} t is not above the previous tier's "
                    f"{self.tiers[i - 1].from_volume:g} t (accepted: tiers in increasing volume)",
                )
        return self


class SaleSpec(Spec):
    """Joint sale of one product under the regional brand."""

    premium: float = Field(ge=0.0, description="share added to the sale price (0.1: 10 % more)")


class SubsidySpec(Spec):
    """A subsidy towards an operating cost, in force on days ``start_day <= t < end_day``."""

    eur_per_day: EurPerDay
    start_day: int = Field(0, ge=0)
    end_day: int | None = Field(None, ge=1, description="first day without it (none: to the end)")

    @model_validator(mode="after")
    def _window(self) -> SubsidySpec:
        if self.end_day is not None and self.end_day <= self.start_day:
            raise FieldProblem(
                ("end_day",),
                f"{self.end_day} is not after start_day {self.start_day} (accepted: a later day)",
            )
        return self


class OperatingCostSpec(Spec):
    """An operating cost and who pays it: a subsidy first, then fees by ``fee``."""

    staff_eur_per_day: EurPerDay = 0.0
    handling_eur_per_t: EurPerTonne = Field(0.0, description="per tonne bought or sold through it")
    fee: Literal["per_member", "per_tonne"] = Field(
        "per_member",
        description="how the cost left after the subsidy is shared: equally among the members, "
        "or by the tonnes each traded through it",
    )
    subsidy: SubsidySpec | None = None


class AgentCostSpec(OperatingCostSpec):
    """The regional agent's operating cost; handling is per tonne it matched (its shipments)."""

    payers: list[str] = Field(
        default_factory=list,
        description="firm ids sharing the fees (empty: every firm but the households)",
    )


class CooperativeSpec(Spec):
    """A cooperative of firms buying inputs and selling products jointly."""

    members: list[str] = Field(min_length=1, description="firm ids")
    purchases: dict[str, PurchaseSpec] = Field(
        default_factory=dict, description="material -> price tiers of its joint purchase"
    )
    sales: dict[str, SaleSpec] = Field(
        default_factory=dict, description="product -> premium of its joint sale"
    )
    buyers: list[str] = Field(
        default_factory=lambda: [EXPORT],
        description=f"who buys the joint sales: firm ids, and '{EXPORT}' for exports",
    )
    costs: OperatingCostSpec = Field(default_factory=lambda: OperatingCostSpec.model_validate({}))


def check_cooperative(scn: Any) -> None:
    """Members, buyers and payers are firms; purchases are importable materials with a mass.

    Raises:
        FieldProblem: At the first member, buyer, payer or material that does not fit.
    """
    if scn.agent_costs is not None:
        for i, fid in enumerate(scn.agent_costs.payers):
            if fid not in scn.firms:
                raise FieldProblem(("agent_costs", "payers", i), _unknown("firm", fid, scn.firms))
    coop: CooperativeSpec | None = scn.cooperative
    if coop is None:
        return
    path: tuple[str | int, ...] = ("cooperative",)
    seen: set[str] = set()
    for i, fid in enumerate(coop.members):
        if fid not in scn.firms:
            raise FieldProblem((*path, "members", i), _unknown("firm", fid, scn.firms))
        if fid in seen:
            raise FieldProblem((*path, "members", i), f"{fid!r} is listed twice")
        seen.add(fid)
    for i, buyer in enumerate(coop.buyers):
        if buyer != EXPORT and buyer not in scn.firms:
            raise FieldProblem((*path, "buyers", i), _unknown("buyer", buyer, [EXPORT, *scn.firms]))
        if buyer in seen:
            raise FieldProblem(
                (*path, "buyers", i), f"{buyer!r} is a member (accepted: a firm outside it)"
            )
    for table in ("purchases", "sales"):
        for mid in getattr(coop, table):
            where = (*path, table, mid)
            if mid not in scn.materials:
                raise FieldProblem(where, _unknown("material", mid, scn.materials))
            if scn.materials[mid].mass_t_per_unit <= 0:
                raise FieldProblem(
                    where,
                    f"{mid!r} has no mass (accepted: a material in t, or in m3 with a density)",
                )
            if table == "purchases" and mid not in scn.boundary.imports:
                raise FieldProblem(
                    where,
                    f"{mid!r} cannot be imported (accepted: a material under "
                    f"boundary.imports: {', '.join(sorted(scn.boundary.imports)) or 'none'})",
                )


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    return f"unknown {kind} {value!r} (accepted: {', '.join(sorted(known))})"
