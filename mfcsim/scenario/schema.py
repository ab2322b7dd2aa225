"""The scenario format: frozen, validated pydantic specs (what the user declares).

Quantities may be written with units (``12 t/d``) and are converted to base units
(:mod:`mfcsim.units`) during validation. Recipe amounts, stocks, storage and demand are in
the unit of their material, which is why they are converted by :class:`Scenario` once the
materials are known. Every spec forbids unknown fields, so a typo in a YAML file is an error.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    model_validator,
)

from mfcsim.ghg import GhgGas, GwpSet, IpccCategory
from mfcsim.scenario.agent_schema import (
    AgentSpec,
    Disruption,
    Group,
    check_disruptions,
    check_substitution,
)
from mfcsim.scenario.evaluation_schema import EvaluationSpec, check_evaluation
from mfcsim.scenario.ghg_schema import check_ghg
from mfcsim.scenario.schema_base import (
    QUANTITY_JSON,
    FieldProblem,
    Spec,
    convert,
    quantity,
)
from mfcsim.scenario.transfer_schema import check_transfer
from mfcsim.units import to_base

MaterialUnit = Literal["t", "MWh", "m3"]
MaterialKind = Literal["product", "raw_material", "residue", "energy", "emission", "environmental"]
Sink = Literal["air", "water", "soil", "consumption"]

#: Relative tolerance of the recipe mass-balance check at load.
RECIPE_RTOL = 1e-6


Days = Annotated[NonNegativeFloat, quantity("day")]
Km = Annotated[NonNegativeFloat, quantity("km")]
PerDay = Annotated[NonNegativeFloat, quantity("1/day")]
Speed = Annotated[PositiveFloat, quantity("km/day")]
EurPerTkm = Annotated[NonNegativeFloat, quantity("EUR/(t*km)")]
Co2ePerTkm = Annotated[NonNegativeFloat, quantity("t_CO2e/(t*km)")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Amounts = dict[str, Annotated[NonNegativeFloat, QUANTITY_JSON]]
#: A storage capacity: a finite amount, or unlimited ('unlimited', or infinity from Python).
StorageAmount = Annotated[float, Field(ge=0, allow_inf_nan=True), QUANTITY_JSON]
Money = Annotated[float, QUANTITY_JSON]


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
        if not isinstance(data, dict):
            return data
        unit = data.get("unit")
        if unit not in ("t", "MWh", "m3"):
            return data
        out = dict(data)
        for key, target in (("price", f"EUR/{unit}"), ("co2e", f"t_CO2e/{unit}")):
            if key in out:
                out[key] = convert(out[key], target, (key,))
        if out.get("density") is not None:  # null (as in a resolved scenario) is no density
            out["density"] = convert(out["density"], "t/m3", ("density",))
        return out

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


class SeasonalitySpec(Spec):
    """When a firm is active: monthly factors and/or a window of days of the year."""

    monthly: list[NonNegativeFloat] | None = Field(None, min_length=12, max_length=12)
    window: tuple[int, int] | None = Field(None, description="first and last day of year (1-366)")

    @model_validator(mode="after")
    def _window_days(self) -> SeasonalitySpec:
        if self.window and not all(1 <= d <= 366 for d in self.window):
            raise ValueError("window days must be days of the year, 1 to 366")
        return self


class ProcessSpec(Spec):
    """A recipe: inputs and outputs per unit of activity, and a capacity in activity per day.

    ``from_environment`` and ``to_environment`` declare what the process exchanges with the
    environment (water uptake, photosynthesis, evaporation, CO2 to air, food eaten): with them
    the recipe must close its mass balance.
    """

    capacity: PerDay = Field(description="activity units per day")
    inputs: Amounts = Field(default_factory=dict)
    outputs: Amounts = Field(default_factory=dict)
    from_environment: Amounts = Field(default_factory=dict)
    to_environment: Amounts = Field(default_factory=dict)
    seasonality: SeasonalitySpec | None = Field(None, description="overrides the firm's")
    transfer: dict[str, dict[str, Fraction]] = Field(
        default_factory=dict,
        description="substance -> {output material: share of the inputs' substance}",
    )
    note: str = Field("", description="where the coefficients come from")


class LocationSpec(Spec):
    """A position: geographic (lat/lon in degrees) or planar (x_km/y_km)."""

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    x_km: float | None = None
    y_km: float | None = None

    @model_validator(mode="after")
    def _one_system(self) -> LocationSpec:
        geo = self.lat is not None and self.lon is not None
        planar = self.x_km is not None and self.y_km is not None
        if geo == planar:
            raise ValueError("give either lat and lon, or x_km and y_km")
        return self

    @property
    def geographic(self) -> bool:
        """True for lat/lon positions."""
        return self.lat is not None


class VariabilitySpec(Spec):
    """Stochastic variation of a firm's daily activity (truncated normal factor)."""

    activity_cv: NonNegativeFloat = Field(0.0, description="coefficient of variation per day")


class FirmSpec(Spec):
    """A firm: its type, place, processes, storage, stocks, demand and behaviour."""

    type: str
    location: LocationSpec
    params: dict[str, Any] = Field(default_factory=dict)
    processes: dict[str, ProcessSpec] = Field(default_factory=dict)
    storage: dict[str, StorageAmount] = Field(
        default_factory=dict, description="capacity per material ('unlimited' for no limit)"
    )
    initial_stock: Amounts = Field(default_factory=dict)
    demand: Amounts = Field(default_factory=dict, description="daily orders per material")
    seasonality: SeasonalitySpec = Field(default_factory=SeasonalitySpec)
    variability: VariabilitySpec = Field(default_factory=VariabilitySpec)
    join_day: int = Field(0, ge=0)
    imports: bool = Field(True, description="import what processes and orders lack")
    exports: bool = Field(True, description="sell surplus products on the export market")
    buyer: bool = Field(False, description="its daily orders come first; fill rate recorded")
    fte: float = Field(0.0, ge=0.0, description="jobs at the firm, full-time equivalents")
    land_ha: float = Field(0.0, ge=0.0, description="land the firm farms or covers, hectares")
    soil_inputs_kg_per_ha_yr: dict[
        str, dict[Literal["deposition", "fixation"], NonNegativeFloat]
    ] = Field(
        default_factory=dict,
        description="substance -> {deposition, fixation}: kg per ha of land_ha per year that "
        "reach the farm's soil without a material carrying them (OECD balance inputs)",
    )
    markup: float | None = Field(
        None,
        ge=0.0,
        description="trade margin on goods it resells (not its recipes' outputs), as a share "
        "of their purchase cost; default: resold at the material's price",
    )
    description: str = ""


class ModeSpec(Spec):
    """A transport mode."""

    cost: EurPerTkm = 0.1
    co2e: Co2ePerTkm = 0.0001
    speed: Speed = 1200.0


class LinkSpec(Spec):
    """An explicit road distance between two firms (overrides the coordinate distance)."""

    source: str
    target: str
    distance: Km


class PipelineSpec(Spec):
    """A pipeline for heat, CO2 or another stream, with a daily capacity."""

    source: str
    target: str
    materials: list[str] = Field(min_length=1)
    capacity: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        description="units per day of the first material's unit"
    )
    distance: Km | None = None
    speed: Speed = 5000.0
    cost: float = Field(0.0, ge=0, description="EUR per unit delivered")


class NetworkSpec(Spec):
    """The regional transport network."""

    detour_factor: float = Field(1.3, ge=1.0)
    default_mode: str = "truck"
    modes: dict[str, ModeSpec] = Field(default_factory=lambda: {"truck": ModeSpec()})
    links: list[LinkSpec] = Field(default_factory=list)
    pipelines: list[PipelineSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_mode_known(self) -> NetworkSpec:
        if self.default_mode not in self.modes:
            raise FieldProblem(
                ("default_mode",),
                f"unknown mode {self.default_mode!r} (accepted: {', '.join(sorted(self.modes))})",
            )
        return self


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


class MarketSpec(Spec):
    """A price and emission factor for trading a material with the outside world."""

    price: Money | None = Field(None, description="EUR per unit; default the material's price")
    co2e: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(
        0.0, description="t CO2e per unit (embodied, for imports)"
    )


class DisposalSpec(Spec):
    """A disposal route (landfill, incineration, ...): fee and emissions per unit."""

    gate_fee: Money = Field(0.0, description="EUR per unit")
    co2e: Annotated[NonNegativeFloat, QUANTITY_JSON] = Field(0.0, description="t CO2e per unit")


class BoundarySpec(Spec):
    """The outside world: import and export markets, disposal routes."""

    imports: dict[str, MarketSpec] = Field(default_factory=dict)
    exports: dict[str, MarketSpec] = Field(default_factory=dict)
    disposal: dict[str, DisposalSpec] = Field(
        default_factory=lambda: {"landfill": DisposalSpec(), "dissipation": DisposalSpec()}
    )
    default_disposal: str = "landfill"
    energy_disposal: str = "dissipation"


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
    gwp: GwpSet = Field("AR6-GWP100", description="GWP set for the materials' ghg declarations")
    markups: dict[str, NonNegativeFloat] = Field(
        default_factory=dict,
        description="firm type -> markup on resold goods, for its firms without their own",
    )
    sources: dict[str, str] = Field(default_factory=dict, description="citations of coefficients")

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
        _check_firm_ids(self)
        for check in (_check_firm_materials, _check_recipes, _check_network, _check_contracts):
            check(self)
        _check_boundary(self)
        check_substitution(self)
        check_disruptions(self)
        check_evaluation(self)
        check_transfer(self)
        check_ghg(self)
        _check_markups(self)
        return self

    @property
    def horizon_day(self) -> int:
        """The horizon in whole days."""
        return int(self.horizon)


#: The longest horizon a scenario may have: 200 years of days.
MAX_HORIZON_DAY = 73_050
#: Node names the engine uses for itself (the boundary), besides the disposal routes.
RESERVED_NODES = (
    "in_transit", "import", "export", "environment", "air", "water", "soil", "consumption",
)  # fmt: skip


def _check_firm_ids(scn: Scenario) -> None:
    """No firm may take the name of a node of the boundary or a disposal route."""
    reserved = (*RESERVED_NODES, *scn.boundary.disposal)
    for fid in scn.firms:
        if fid in reserved:
            raise FieldProblem(
                ("firms", fid),
                f"firm id {fid!r} is reserved (reserved: {', '.join(reserved)}; accepted: "
                "another id)",
            )


_FIRM_MATERIAL_MAPS = ("storage", "initial_stock", "demand")
_RECIPE_MAPS = ("inputs", "outputs", "from_environment", "to_environment")


def convert_material_amounts(data: dict[str, Any]) -> dict[str, Any]:
    """Convert firm amounts written with units into the unit of their material.

    Unknown materials are left for the cross-reference check to report.
    """
    materials = data.get("materials")
    firms = data.get("firms")
    if not isinstance(materials, dict) or not isinstance(firms, dict):
        return data
    units = {mid: spec.get("unit") for mid, spec in materials.items() if isinstance(spec, dict)}
    new_firms = {}
    for fid, firm in firms.items():
        if not isinstance(firm, dict):
            new_firms[fid] = firm
            continue
        firm = dict(firm)
        for key in _FIRM_MATERIAL_MAPS:
            firm[key] = _convert_map(
                firm.get(key), units, ("firms", fid, key), per_day=key == "demand"
            )
        if isinstance(firm.get("processes"), dict):
            firm["processes"] = {
                pid: _convert_recipe(proc, units, ("firms", fid, "processes", pid))
                for pid, proc in firm["processes"].items()
            }
        new_firms[fid] = {k: v for k, v in firm.items() if v is not None}
    return {
        **data,
        "firms": new_firms,
        **_convert_pipelines(data, units),
        **_convert_boundary(data, units),
        **_convert_contracts(data, units),
    }


def _convert_contracts(data: dict[str, Any], units: dict[str, Any]) -> dict[str, Any]:
    """Contract quantities written with a unit (``400 kg``) in the unit of their material."""
    contracts = data.get("contracts")
    if not isinstance(contracts, dict):
        return {}
    out = {}
    for cid, con in contracts.items():
        if isinstance(con, dict):
            value, mid = con.get("quantity"), con.get("material")
            unit = units.get(mid) if isinstance(mid, str) else None
            if isinstance(value, str) and value != "all" and unit in ("t", "MWh", "m3"):
                con = {**con, "quantity": convert(value, unit, ("contracts", cid, "quantity"))}
        out[cid] = con
    return {"contracts": out}


def _convert_boundary(data: dict[str, Any], units: dict[str, Any]) -> dict[str, Any]:
    boundary = data.get("boundary")
    if not isinstance(boundary, dict):
        return {}
    out = dict(boundary)
    for market in ("imports", "exports"):
        entries = boundary.get(market)
        if not isinstance(entries, dict):
            continue
        converted = {}
        for mid, spec in entries.items():
            unit = units.get(mid)
            if isinstance(spec, dict) and unit in ("t", "MWh", "m3"):
                spec = dict(spec)
                for key, num in (("price", "EUR"), ("co2e", "t_CO2e")):
                    if isinstance(spec.get(key), str):
                        path = ("boundary", market, mid, key)
                        spec[key] = convert(spec[key], f"{num}/{unit}", path)
            converted[mid] = spec
        out[market] = converted
    routes = boundary.get("disposal")
    if isinstance(routes, dict):
        out["disposal"] = {
            rid: _convert_route(spec, ("boundary", "disposal", rid)) for rid, spec in routes.items()
        }
    return {"boundary": out}


def _convert_route(spec: Any, path: tuple[str | int, ...]) -> Any:
    """Disposal fees and factors serve any material: accept them per t, MWh or m3."""
    if not isinstance(spec, dict):
        return spec
    spec = dict(spec)
    for key, num in (("gate_fee", "EUR"), ("co2e", "t_CO2e")):
        value = spec.get(key)
        if not isinstance(value, str):
            continue
        for unit in ("t", "MWh", "m3"):
            try:
                spec[key] = to_base(value, f"{num}/{unit}")
                break
            except ValueError:
                continue
        else:
            spec[key] = convert(value, f"{num}/t", (*path, key))
    return spec


def _convert_pipelines(data: dict[str, Any], units: dict[str, Any]) -> dict[str, Any]:
    network = data.get("network")
    if not isinstance(network, dict) or not isinstance(network.get("pipelines"), list):
        return {}
    pipes = []
    for i, pipe in enumerate(network["pipelines"]):
        if isinstance(pipe, dict):
            mats = pipe.get("materials")
            first = mats[0] if isinstance(mats, list) and mats else None
            unit = units.get(first) if isinstance(first, str) else None
            known = unit in ("t", "MWh", "m3")
            for key, target in (
                ("capacity", f"{unit}/day" if known else "1/day"),
                ("cost", f"EUR/{unit}" if known else "EUR"),  # EUR per unit delivered
            ):
                if isinstance(pipe.get(key), str):
                    path = ("network", "pipelines", i, key)
                    pipe = {**pipe, key: convert(pipe[key], target, path)}
        pipes.append(pipe)
    return {"network": {**network, "pipelines": pipes}}


def _convert_recipe(proc: Any, units: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    if not isinstance(proc, dict):
        return proc
    out = dict(proc)
    for key in _RECIPE_MAPS:
        if key in out:
            out[key] = _convert_map(out[key], units, (*path, key), per_day=False)
    return out


def _convert_map(
    amounts: Any, units: dict[str, Any], path: tuple[str | int, ...], *, per_day: bool
) -> Any:
    if not isinstance(amounts, dict):
        return amounts
    out = {}
    for mid, value in amounts.items():
        if mid not in units:
            known = ", ".join(sorted(units))
            raise FieldProblem((*path, mid), f"unknown material {mid!r} (accepted: {known})")
        unit = units.get(mid)
        if path[-1] == "storage" and value == "unlimited":
            value = math.inf
        elif isinstance(value, str) and unit in ("t", "MWh", "m3"):
            target = f"{unit}/day" if per_day else unit
            value = convert(value, target, (*path, mid))
        out[mid] = value
    return out


def _unknown_material(scn: Scenario, path: tuple[str | int, ...], mid: str) -> FieldProblem:
    known = ", ".join(sorted(scn.materials))
    return FieldProblem(path, f"unknown material {mid!r} (accepted: {known})")


def _check_firm_materials(scn: Scenario) -> None:
    for mid, mat in scn.materials.items():
        for i, rep in enumerate(mat.replaces):
            path = ("materials", mid, "replaces", i, "material")
            if rep.material == mid:
                others = ", ".join(sorted(m for m in scn.materials if m != mid))
                raise FieldProblem(
                    path, f"{mid!r} cannot replace itself (accepted: another material: {others})"
                )
            if rep.material not in scn.materials:
                raise _unknown_material(scn, path, rep.material)
    for fid, firm in scn.firms.items():
        for key in _FIRM_MATERIAL_MAPS:
            for mid in getattr(firm, key):
                if mid not in scn.materials:
                    raise _unknown_material(scn, ("firms", fid, key, mid), mid)
        for pid, proc in firm.processes.items():
            for key in _RECIPE_MAPS:
                for mid in getattr(proc, key):
                    if mid not in scn.materials:
                        raise _unknown_material(
                            scn, ("firms", fid, "processes", pid, key, mid), mid
                        )


def recipe_mass_difference_t(scn: Scenario, proc: ProcessSpec) -> float:
    """Mass in minus mass out of one unit of activity of a recipe (t), all four sides."""

    def mass(amounts: dict[str, float]) -> float:
        return math.fsum(q * scn.materials[m].mass_t_per_unit for m, q in amounts.items())

    mass_in = mass(proc.inputs) + mass(proc.from_environment)
    return mass_in - mass(proc.outputs) - mass(proc.to_environment)


def _recipe_masses(scn: Scenario, proc: ProcessSpec) -> str:
    """``in: feed 0.05 t, water 0.08 t; out: milk 0.028 t`` for an error message."""

    def side(*maps: dict[str, float]) -> str:
        items = [
            f"{m} {q * scn.materials[m].mass_t_per_unit:.6g} t"
            for amounts in maps
            for m, q in amounts.items()
            if scn.materials[m].mass_t_per_unit > 0
        ]
        return ", ".join(items) or "nothing"

    return (
        f"in: {side(proc.inputs, proc.from_environment)}; "
        f"out: {side(proc.outputs, proc.to_environment)}"
    )


def _check_recipes(scn: Scenario) -> None:
    for fid, firm in scn.firms.items():
        for pid, proc in firm.processes.items():
            if not proc.inputs and not proc.outputs:
                raise FieldProblem(
                    ("firms", fid, "processes", pid),
                    "a process with no inputs and no outputs (accepted: a recipe with inputs "
                    "or outputs; a misspelt process id in a --set or an override creates one)",
                )
            diff = recipe_mass_difference_t(scn, proc)
            scale = max(
                sum(q * scn.materials[m].mass_t_per_unit for m, q in proc.inputs.items()),
                sum(q * scn.materials[m].mass_t_per_unit for m, q in proc.outputs.items()),
                1e-12,
            )
            if abs(diff) > RECIPE_RTOL * scale:
                side = "inputs exceed outputs" if diff > 0 else "outputs exceed inputs"
                raise FieldProblem(
                    ("firms", fid, "processes", pid),
                    f"recipe does not close its mass balance: {side} by {abs(diff):.6g} t per "
                    f"unit of activity ({_recipe_masses(scn, proc)}; accepted: declare the "
                    f"difference in to_environment or from_environment)",
                )


def _check_network(scn: Scenario) -> None:
    geo = {f.location.geographic for f in scn.firms.values()}
    if len(geo) > 1:
        raise FieldProblem(("firms",), "mix of lat/lon and x_km/y_km locations (use one system)")
    for i, link in enumerate(scn.network.links):
        for end in ("source", "target"):
            if getattr(link, end) not in scn.firms:
                raise _unknown_firm(scn, ("network", "links", i, end), getattr(link, end))
    for i, pipe in enumerate(scn.network.pipelines):
        for end in ("source", "target"):
            if getattr(pipe, end) not in scn.firms:
                raise _unknown_firm(scn, ("network", "pipelines", i, end), getattr(pipe, end))
        for j, mid in enumerate(pipe.materials):
            if mid not in scn.materials:
                raise _unknown_material(scn, ("network", "pipelines", i, "materials", j), mid)


def _unknown_firm(scn: Scenario, path: tuple[str | int, ...], fid: str) -> FieldProblem:
    return FieldProblem(path, f"unknown firm {fid!r} (accepted: {', '.join(sorted(scn.firms))})")


def _check_contracts(scn: Scenario) -> None:
    for cid, con in scn.contracts.items():
        path: tuple[str | int, ...] = ("contracts", cid)
        for end in ("supplier", "receiver"):
            if getattr(con, end) not in scn.firms:
                raise _unknown_firm(scn, (*path, end), getattr(con, end))
        if con.supplier == con.receiver:
            raise FieldProblem((*path, "receiver"), "supplier and receiver are the same firm")
        if con.material not in scn.materials:
            raise _unknown_material(scn, (*path, "material"), con.material)
        if con.mode is not None and con.mode not in scn.network.modes:
            modes = ", ".join(sorted(scn.network.modes))
            raise FieldProblem((*path, "mode"), f"unknown mode {con.mode!r} (accepted: {modes})")
        piped = {(p.source, p.target, m) for p in scn.network.pipelines for m in p.materials}
        energy = scn.materials[con.material].dimension == "energy"
        if energy and (con.supplier, con.receiver, con.material) not in piped:
            raise FieldProblem(
                (*path, "material"),
                f"{con.material!r} is energy and needs a pipeline from {con.supplier!r} to "
                f"{con.receiver!r} carrying it (accepted: add one under network.pipelines)",
            )
        if con.every < 1 or not float(con.every).is_integer():
            raise FieldProblem((*path, "every"), f"{con.every:g} is not a whole number of days")


def _check_boundary(scn: Scenario) -> None:
    b = scn.boundary
    routes = ", ".join(sorted(b.disposal))
    for key in ("default_disposal", "energy_disposal"):
        if getattr(b, key) not in b.disposal:
            raise FieldProblem(
                ("boundary", key),
                f"unknown disposal route {getattr(b, key)!r} (accepted: {routes})",
            )
    for market in ("imports", "exports"):
        for mid in getattr(b, market):
            if mid not in scn.materials:
                raise _unknown_material(scn, ("boundary", market, mid), mid)
    for mid, mat in scn.materials.items():
        if mat.disposal is not None and mat.disposal not in b.disposal:
            raise FieldProblem(
                ("materials", mid, "disposal"),
                f"unknown disposal route {mat.disposal!r} (accepted: {routes})",
            )


def _check_markups(scn: Scenario) -> None:
    """Every firm type given a markup is the type of a firm of the scenario."""
    used = sorted({f.type for f in scn.firms.values()})
    for name in scn.markups:
        if name not in used:
            raise FieldProblem(
                ("markups", name),
                f"no firm of type {name!r} (accepted: a type in use: {', '.join(used)})",
            )
