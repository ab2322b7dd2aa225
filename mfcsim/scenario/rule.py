"""Rules a cluster sets itself: materials its firms must not use, checked after the run.

An organic farming cluster forbids mineral nitrogen fertiliser on its farms (Regulation (EU)
2018/848, Annex II, Part I, 1.9.3); a cluster may ban other inputs the same way. A rule
names the forbidden materials, the firms it binds (none named: every firm) and its source.
The engine does not enforce it: the firms' recipes and the agent decide what they use, and
the run reports what the rule's firms used of the forbidden materials
(:mod:`mfcsim.indicators.rules`), so a scenario that breaks its own rule says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from mfcsim.scenario.spec import FieldProblem, Spec

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario


class RuleSpec(Spec):
    """A rule of the cluster: its firms use none of the forbidden materials."""

    forbid: list[str] = Field(min_length=1, description="material ids the firms must not use")
    firms: list[str] = Field(
        default_factory=list, description="firm ids the rule binds; empty: every firm"
    )
    source: str = Field(min_length=1, description="the regulation or agreement it comes from")
    description: str = ""


def check_rules(scn: Scenario) -> None:
    """Every forbidden material and every bound firm is defined, each named once."""
    for rid, rule in scn.rules.items():
        for field, known, kind in (
            ("forbid", scn.materials, "material"),
            ("firms", scn.firms, "firm"),
        ):
            seen: set[str] = set()
            for i, name in enumerate(getattr(rule, field)):
                path: tuple[str | int, ...] = ("rules", rid, field, i)
                if name not in known:
                    accepted = ", ".join(sorted(known))
                    raise FieldProblem(path, f"unknown {kind} {name!r} (accepted: {accepted})")
                if name in seen:
                    raise FieldProblem(path, f"{kind} {name!r} named twice (accepted: once)")
                seen.add(name)


def bound_firms(scn: Scenario, rule: RuleSpec) -> list[str]:
    """The firms a rule binds: those it names, else every firm of the scenario."""
    return list(rule.firms) if rule.firms else list(scn.firms)
