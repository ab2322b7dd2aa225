"""The root of a scenario file: the :class:`Scenario` spec and the order of its checks.

A scenario is data: frozen, validated pydantic specs (:mod:`mfcsim.scenario.material`,
``firm``, ``network``, ``contract``, ``boundary``, ``agent``, ``disruption``, ``evaluation``,
``machine``).
Quantities may be written with units (``12 t/d``) and are converted to base units
(:mod:`mfcsim.units`) during validation; recipe amounts, stocks, storage and demand are in
the unit of their material, which is why :class:`Scenario` converts them
(:mod:`mfcsim.scenario.convert`) once the materials are known, and then checks the
cross-references (:mod:`mfcsim.scenario.checks`). Every spec forbids unknown fields, so a
typo in a YAML file is an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, NonNegativeFloat, model_validator

from mfcsim.ghg import GwpSet
from mfcsim.scenario.agent import AgentSpec, Group
from mfcsim.scenario.boundary import BoundarySpec
from mfcsim.scenario.checks import (
    check_agent,
    check_boundary,
    check_contracts,
    check_disruptions,
    check_evaluation,
    check_firm_ids,
    check_firm_materials,
    check_ghg,
    check_markups,
    check_network,
    check_recipes,
    check_substitution,
)
from mfcsim.scenario.contract import ContractSpec
from mfcsim.scenario.convert import Days, convert_material_amounts
from mfcsim.scenario.cooperative import AgentCostSpec, CooperativeSpec, check_cooperative
from mfcsim.scenario.disruption import Disruption
from mfcsim.scenario.evaluation import EvaluationSpec
from mfcsim.scenario.firm import FirmSpec
from mfcsim.scenario.fleet import FleetSpec, check_fleets
from mfcsim.scenario.machine import MachinePoolSpec, check_machines
from mfcsim.scenario.material import MaterialSpec
from mfcsim.scenario.network import NetworkSpec
from mfcsim.scenario.provenance import Provenance
from mfcsim.scenario.rule import RuleSpec, check_rules
from mfcsim.scenario.series import ResolvedSeries, check_series
from mfcsim.scenario.spec import FieldProblem, Spec
from mfcsim.scenario.transfer import check_transfer

#: The longest horizon a scenario may have: 200 years of days.
MAX_HORIZON_DAY = 73_050


class Scenario(Spec):
    """A complete scenario: materials, firms, network, contracts, boundary, agent."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    horizon: Days = Field(description="whole days, e.g. '365 d'")
    seed: int = Field(0, ge=0)
    start_date: dt.date = dt.date(2026, 1, 1)
    materials: dict[str, MaterialSpec] = Field(min_length=1)
    firms: dict[str, FirmSpec] = Field(min_length=1)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    contracts: dict[str, ContractSpec] = Field(default_factory=dict)
    boundary: BoundarySpec = Field(default_factory=BoundarySpec)
    agent: AgentSpec = Field(default_factory=AgentSpec)
    substitution: dict[str, Group] = Field(default_factory=dict)
    disruptions: dict[str, Disruption] = Field(default_factory=dict)
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec)
    machine_pools: dict[str, MachinePoolSpec] = Field(
        default_factory=dict, description="shared machines processes ask for (docs/machine-pool.md)"
    )
    gwp: GwpSet = Field("AR6-GWP100", description="GWP set for the materials' ghg declarations")
    markups: dict[str, NonNegativeFloat] = Field(
        default_factory=dict,
        description="firm type -> markup on resold goods, for its firms without their own",
    )
    cooperative: CooperativeSpec | None = Field(
        None, description="joint purchase and sales of member firms (money, not mass)"
    )
    agent_costs: AgentCostSpec | None = Field(
        None, description="the regional agent's operating cost and who pays it"
    )
    fleets: dict[str, FleetSpec] | None = Field(
        None, description="vehicles by kind that carry road lots together (absent: each alone)"
    )
    rules: dict[str, RuleSpec] = Field(
        default_factory=dict,
        description="materials the cluster's firms must not use (an organic rule), checked "
        "after the run: rule_breach_t",
    )
    sources: dict[str, str] = Field(default_factory=dict, description="citations of coefficients")
    plausibility: dict[str, str] | None = Field(
        None,
        description="why a value outside its published reference range is kept: the row's key "
        "(quantity.subject of data/published/plausibility.csv) -> the argument "
        "(docs/plausibility.md)",
    )
    provenance: dict[str, Provenance] = Field(
        default_factory=dict,
        description="per number written in the scenario's files (by dotted path): its value as "
        "written, FILE:LINE, status (assumption, cited, noted, uncited), the source ids and the "
        "comment; written by the loader from the files' comments, not by hand",
    )
    series: dict[str, ResolvedSeries] = Field(
        default_factory=dict,
        description="daily values read at load from the CSV series of fields (by dotted path); "
        "written by the loader, not by hand",
    )

    @model_validator(mode="before")
    @classmethod
    def _convert_material_amounts(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return convert_material_amounts(data)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.horizon < 1 or not float(self.horizon).is_integer():
            raise FieldProblem(("horizon",), f"{self.horizon:g} days is not a whole number >= 1")
        if self.horizon > MAX_HORIZON_DAY:
            raise FieldProblem(
                ("horizon",),
                f"{self.horizon:.6g} days is too long (accepted: at most {MAX_HORIZON_DAY:,} "
                "days, 200 years)",
            )
        check_firm_ids(self)
        for check in (check_firm_materials, check_recipes, check_network, check_contracts):
            check(self)
        check_boundary(self)
        check_substitution(self)
        check_disruptions(self)
        check_agent(self)
        check_evaluation(self)
        check_transfer(self)
        check_ghg(self)
        check_markups(self)
        check_series(self)
        check_machines(self)
        check_cooperative(self)
        check_fleets(self)
        check_rules(self)
        return self

    @property
    def horizon_day(self) -> int:
        """The horizon in whole days."""
        return int(self.horizon)
