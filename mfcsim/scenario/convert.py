"""Units at load: quantity fields, and amounts converted into the unit of their material.

A field typed with :func:`quantity` (``Days``, ``Km``, ...) takes a number in base units or a
quantity string (``12 t/d``) and converts it (:mod:`mfcsim.units`). Recipe amounts, stocks,
storage, demand, contract quantities, pipeline capacities and market prices are in the unit of
their material, so :func:`convert_material_amounts` converts them once the materials are
known, before the specs validate. The hot loop never sees a unit.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, NonNegativeFloat, PositiveFloat, WithJsonSchema

from mfcsim.scenario.spec import FieldProblem
from mfcsim.units import to_base


def quantity(target: str) -> Any:
    """An annotated float that accepts a number in ``target`` or a quantity string."""
    return BeforeValidator(lambda value: to_base(value, target), json_schema_input_type=float | str)


#: JSON Schema of a field that takes a number or a quantity string (converted by a validator).
QUANTITY_JSON = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "description": "e.g. '12 t' or '3 EUR/t'"}]}
)

Days = Annotated[NonNegativeFloat, quantity("day")]
PositiveDays = Annotated[PositiveFloat, quantity("day")]
Km = Annotated[NonNegativeFloat, quantity("km")]
PerDay = Annotated[NonNegativeFloat, quantity("1/day")]
Speed = Annotated[PositiveFloat, quantity("km/day")]
EurPerTkm = Annotated[NonNegativeFloat, quantity("EUR/(t*km)")]
Co2ePerTkm = Annotated[NonNegativeFloat, quantity("t_CO2e/(t*km)")]
EurPerCo2e = Annotated[NonNegativeFloat, quantity("EUR/t_CO2e")]
Amounts = dict[str, Annotated[NonNegativeFloat, QUANTITY_JSON]]
#: A storage capacity: a finite amount, or unlimited ('unlimited', or infinity from Python).
StorageAmount = Annotated[float, Field(ge=0, allow_inf_nan=True), QUANTITY_JSON]
Money = Annotated[float, QUANTITY_JSON]


def convert(value: Any, target: str, path: tuple[str | int, ...]) -> float:
    """Convert ``value`` to ``target`` or raise a FieldProblem at ``path``."""
    try:
        return to_base(value, target)
    except ValueError as exc:
        raise FieldProblem(path, str(exc)) from None


def convert_per_unit(data: Any) -> Any:
    """A material's price, co2e and density written with units, per unit of the material."""
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


#: The maps of a firm, and of a recipe, whose keys are materials.
FIRM_MATERIAL_MAPS = ("storage", "initial_stock", "demand")
RECIPE_MAPS = ("inputs", "outputs", "from_environment", "to_environment")


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
        for key in FIRM_MATERIAL_MAPS:
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
                for key, target in (
                    ("price", f"EUR/{unit}"),
                    ("co2e", f"t_CO2e/{unit}"),
                    ("limit", f"{unit}/day"),
                ):
                    if isinstance(spec.get(key), str):
                        path = ("boundary", market, mid, key)
                        spec[key] = convert(spec[key], target, path)
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
    for key in RECIPE_MAPS:
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
