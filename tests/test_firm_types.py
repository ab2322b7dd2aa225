"""Built-in firm types: closed recipes, cited coefficients, parameter errors, small runs.

Coefficients checked by hand cite data/published/conversion_coefficients.csv (CC, row source
id) or data/published/agrifood_symbiosis_flows.csv (AF, row id).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mfcsim.errors import ScenarioError
from mfcsim.firms.registry import known_firm_types, resolve_firm_type
from mfcsim.scenario.checks import recipe_mass_difference_t
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.scenario.root import Scenario
from mfcsim.testing import run_scenario

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "scenarios" / "default.yaml"

ENERGY = {"heat", "electricity", "heat_loss"}
BIOGAS_T_PER_M3 = (0.6 * 0.717 + 0.4 * 1.977) / 1000.0  # 60 % CH4 (CC C1), rest CO2

#: Parameters per case: every built-in type, with its required parameters, plus variants
#: that switch on optional processes (fertilising, crop residue, refuse, extra inputs).
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "city": ("city", {"population": 1000, "diet_kg_per_person_day": {"bread": 0.1, "milk": 0.3}}),
    "anaerobic_digester": (
        "anaerobic_digester",
        {
            "capacity_t_per_day": 100,
            "substrates": {"cattle_manure": 0.6, "pig_slurry": 0.2, "food_waste": 0.2},
        },
    ),
    "chp": ("chp", {"capacity_m3_per_day": 5000}),
    "arable_farm": ("arable_farm", {"area_ha": 100}),
    "arable_farm_fertilised": (
        "arable_farm",
        {
            "area_ha": 300,
            "crop": "potatoes",
            "yield_t_per_ha": 45,
            "residue_t_per_ha": 2.0,
            "harvest_window": [244, 288],
            "fertiliser_rates_t_per_ha": {"digestate": 30, "compost": 5},
            "n_need_kg_per_ha": 250,
        },
    ),
    "greenhouse": ("greenhouse", {"area_ha": 15}),
    "greenhouse_pepper": (
        "greenhouse",
        {
            "area_ha": 10,
            "crop": "sweet_peppers",
            "crop_t_per_ha_year": 300,
            "dry_matter_share": 0.08,
        },
    ),
    "dairy_farm": ("dairy_farm", {"cows": 400}),
    "dairy_farm_grassland": (
        "dairy_farm",
        {
            "cows": 400,
            "grassland_ha": 180,
            "fertiliser_rates_t_per_ha": {"digestate": 25},
            "n_need_kg_per_ha": 300,
            "feed_kg_per_cow_day": {"compound_feed": 5.0, "brewers_spent_grain": 4.0},
        },
    ),
    "pig_farm": ("pig_farm", {"pigs": 8000}),
    "food_processor": (
        "food_processor",
        {"capacity_t_per_day": 70, "raw": "potatoes", "product": "fries", "product_yield": 0.5},
    ),
    "food_processor_bakery": (
        "food_processor",
        {
            "capacity_t_per_day": 15,
            "raw": "wheat",
            "product": "bread",
            "product_yield": 1.0,
            "residue": "wheat_bran",
            "residue_yield": 0.22,
            "extra_inputs": {"water": 0.45},
            "loss": "water_vapour",
        },
    ),
    "brewery": ("brewery", {"capacity_hl_per_day": 1000}),
    "feed_mill": (
        "feed_mill",
        {
            "capacity_t_per_day": 80,
            "ingredients": {
                "wheat": 30,
                "soy_meal": 18,
                "brewers_spent_grain": 20,
                "wheat_bran": 3,
            },
        },
    ),
    "retailer": ("retailer", {"throughput_t_per_day": {"bread": 20, "tomatoes": 5}}),
    "composter": ("composter", {"capacity_t_per_day": 20}),
    "composter_refuse": (
        "composter",
        {
            "capacity_t_per_day": 20,
            "substrates": {"green_waste": 2, "food_waste": 1},
            "refuse_share": 0.1,
        },
    ),
}
#: A minimal valid parameter set per type (its first case; for the parameter-error checks).
REQUIRED: dict[str, dict[str, Any]] = {}
for _type, _params in CASES.values():
    REQUIRED.setdefault(_type, _params)


def built_in_types() -> list[str]:
    return [t for t in known_firm_types() if resolve_firm_type(t).__module__.startswith("mfcsim.")]


def material_ids(spec: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for proc in spec.get("processes", {}).values():
        for side in ("inputs", "outputs", "from_environment", "to_environment"):
            ids.update(proc.get(side, {}))
    ids.update(spec.get("storage", {}))
    ids.update(spec.get("demand", {}))
    return ids


def material_spec(mid: str) -> dict[str, Any]:
    if mid in ENERGY:
        return {"unit": "MWh", "kind": "energy"}
    if mid == "biogas":
        return {"unit": "m3", "kind": "energy", "density": BIOGAS_T_PER_M3}
    return {"unit": "t", "kind": "product"}


def one_firm(type_name: str, params: dict[str, Any]) -> Scenario:
    """A valid one-firm scenario around ``type_name`` (materials made up from its recipes)."""
    spec = resolve_firm_type(type_name).defaults(params)
    return scenario_from_dict(
        {
            "name": "one",
            "horizon": 1,
            "materials": {m: material_spec(m) for m in sorted(material_ids(spec))},
            "firms": {
                "f": {"type": type_name, "location": {"x_km": 0, "y_km": 0}, "params": params}
            },
        }
    )


def recipe(type_name: str, params: dict[str, Any], process: str) -> dict[str, Any]:
    return resolve_firm_type(type_name).defaults(params)["processes"][process]


# ---- every type is covered ------------------------------------------------------------------
def test_every_built_in_type_has_a_case() -> None:
    covered = {t for t, _ in CASES.values()}
    assert set(built_in_types()) - {"generic"} == covered


# ---- recipes close their mass balance --------------------------------------------------------
@pytest.mark.parametrize("case", sorted(CASES))
def test_default_recipes_close_their_mass_balance(case: str) -> None:
    type_name, params = CASES[case]
    scn = one_firm(type_name, params)
    processes = scn.firms["f"].processes
    assert processes, f"{case}: no default processes"
    for pid, proc in processes.items():
        mass_in = sum(
            q * scn.materials[m].mass_t_per_unit
            for side in (proc.inputs, proc.from_environment)
            for m, q in side.items()
        )
        diff = recipe_mass_difference_t(scn, proc)
        assert abs(diff) <= 1e-12 * max(mass_in, 1.0), (case, pid, diff)


@pytest.mark.parametrize("case", sorted(CASES))
def test_recipe_amounts_are_finite_and_non_negative(case: str) -> None:
    type_name, params = CASES[case]
    spec = resolve_firm_type(type_name).defaults(params)
    for pid, proc in spec["processes"].items():
        assert math.isfinite(proc["capacity"]), (case, pid)
        assert proc["capacity"] >= 0, (case, pid)
        for side in ("inputs", "outputs", "from_environment", "to_environment"):
            for m, q in proc.get(side, {}).items():
                assert math.isfinite(q), (case, pid, side, m, q)
                assert q >= 0, (case, pid, side, m, q)


# ---- hand-computed coefficients --------------------------------------------------------------
def test_digester_biogas_per_t_cattle_manure_is_c1() -> None:
    proc = recipe("anaerobic_digester", {"capacity_t_per_day": 100}, "digest_cattle_manure")
    assert proc["outputs"]["biogas"] == pytest.approx(25.0)  # CC biogas_yield cattle, C1
    # digestate = 1 t - 25 m3 x 1.221 kg/m3 (C21: substrate minus biogas mass)
    assert proc["outputs"]["digestate"] == pytest.approx(1.0 - 25.0 * 1.221e-3, rel=1e-3)


def test_chp_electricity_per_m3_biogas() -> None:
    proc = recipe("chp", {"capacity_m3_per_day": 1000}, "burn")
    # 0.6 m3 CH4 x 9.97 kWh/m3 (CC energy C1) x 40 % electrical efficiency
    assert proc["outputs"]["electricity"] == pytest.approx(0.6 * 9.97 * 0.40 / 1000.0)


def test_city_food_waste_per_inhabitant_day() -> None:
    params = {
        "population": 10,
        "diet_kg_per_person_day": {"bread": 1.0, "milk": 0.5},
        "waste_share": 0.1,
    }
    proc = recipe("city", params, "eat_bread")
    assert proc["inputs"] == {"bread": pytest.approx(1e-3)}
    assert proc["outputs"]["food_waste"] == pytest.approx(0.1e-3)
    assert proc["to_environment"]["consumed_food"] == pytest.approx(0.9e-3)
    assert recipe("city", params, "eat_milk")["to_environment"]["consumed_food"] == (
        pytest.approx(0.45e-3)
    )


def test_city_eats_each_declared_food_group_by_its_own_process() -> None:
    params = {
        "population": 10,
        "diet_kg_per_person_day": {"bread": 1.0, "tomatoes": 0.2, "peppers": 0.1},
        "food_groups": {"cereals": ["bread"], "vegetables": ["tomatoes", "peppers"]},
    }
    spec = resolve_firm_type("city").defaults(params)
    assert list(spec["processes"]) == ["eat_cereals", "eat_vegetables"]
    veg = spec["processes"]["eat_vegetables"]
    assert veg["inputs"] == {"tomatoes": pytest.approx(2e-4), "peppers": pytest.approx(1e-4)}
    assert veg["capacity"] == 10


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"veg": ["tomatoes"]}, "diet materials in no food group: bread"),
        ({"veg": ["tomatoes", "bread"], "b": ["bread"]}, "'bread' is in food groups"),
        ({"veg": ["tomatoes", "kale"], "b": ["bread"]}, "names 'kale', not in the diet"),
        ({"veg": [], "b": ["bread", "tomatoes"]}, "must list one or more"),
        ({"2veg": ["tomatoes"], "b": ["bread"]}, "is not a name"),
    ],
)
def test_city_food_groups_are_checked(groups: dict, message: str) -> None:
    params = {
        "population": 10,
        "diet_kg_per_person_day": {"bread": 1.0, "tomatoes": 0.2},
        "food_groups": groups,
    }
    with pytest.raises(ValueError, match=message):
        resolve_firm_type("city").defaults(params)


def test_greenhouse_heat_and_co2_per_ha_day_are_warmco2() -> None:
    spec = resolve_firm_type("greenhouse").defaults({"area_ha": 15})
    # AF W01 1,800 TJ/yr and W02 55,000 t CO2/yr for AF W07 ~150 ha
    heat = spec["processes"]["heating"]["inputs"]["heat"]
    co2 = spec["processes"]["grow"]["inputs"]["co2"]
    assert heat == pytest.approx(1800e6 / 3600 / 150 / 365)  # MJ -> MWh, per ha-day
    assert heat == pytest.approx(9.1324, rel=1e-4)
    assert co2 == pytest.approx(55000 / 150 / 365)
    # monthly profiles keep the yearly totals: day-weighted mean factor 1
    days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    for pid in ("heating", "grow"):
        monthly = spec["processes"][pid]["seasonality"]["monthly"]
        assert sum(f * d for f, d in zip(monthly, days, strict=True)) == pytest.approx(365)


def test_greenhouse_photosynthesis_fixes_co2_of_the_organic_dry_matter() -> None:
    proc = recipe("greenhouse", {"area_ha": 1}, "grow")
    crop = 500 / 365
    biomass = crop * 1.1  # + 10 % green waste
    organic_dm = biomass * 0.06 - 5.5 / 365
    vented = proc["to_environment"]["co2_vented"]
    assert proc["inputs"]["co2"] - vented == pytest.approx(organic_dm * 44 / 30)
    assert proc["to_environment"]["oxygen"] == pytest.approx(organic_dm * 32 / 30)


def test_dairy_respiration_is_the_balance_per_cow_day() -> None:
    proc = recipe("dairy_farm", {"cows": 1}, "keep_cows")
    # 6 feed + 45 roughage + 80 water - 24 milk - 65 manure - 0.35 CH4 (kg)
    assert proc["to_environment"]["respiration"] == pytest.approx(41.65e-3)
    assert proc["outputs"]["raw_milk"] == pytest.approx(24e-3)


def test_pig_respiration_is_the_balance_per_pig_day() -> None:
    proc = recipe("pig_farm", {"pigs": 1}, "keep_pigs")
    assert proc["to_environment"]["respiration"] == pytest.approx((2.4 + 6.0 - 0.8 - 3.2) / 1000)
    assert proc["outputs"]["pig_slurry"] == pytest.approx(3.2e-3)


def test_arable_harvest_capacity_spreads_the_area_over_the_window() -> None:
    _, params = CASES["arable_farm_fertilised"]
    spec = resolve_firm_type("arable_farm").defaults(params)
    harvest = spec["processes"]["harvest"]
    assert harvest["capacity"] == pytest.approx(300 / 45)  # 1 Sep - 15 Oct = 45 days
    assert harvest["outputs"] == {"potatoes": 45.0, "straw": 2.0}
    assert harvest["seasonality"] == {"window": [244, 288]}
    assert spec["processes"]["fertilise_digestate"]["capacity"] == pytest.approx(30 * 300 / 90)
    # mineral: 250 kg N/ha x 300 ha / 27 % N over 90 days
    mineral = spec["processes"]["fertilise_mineral_fertiliser"]["capacity"]
    assert mineral == pytest.approx(250 * 300 / 1000 / 0.27 / 90)
    assert spec["storage"] == {"straw": 600.0}


def test_food_processor_loss_is_the_balance() -> None:
    _, params = CASES["food_processor_bakery"]
    proc = recipe("food_processor", params, "process")
    assert proc["to_environment"]["water_vapour"] == pytest.approx(1 + 0.45 - 1.0 - 0.22)


def test_brewery_by_products_per_hl_are_c10_to_c14() -> None:
    proc = recipe("brewery", {"capacity_hl_per_day": 1}, "brew")
    assert proc["outputs"]["brewers_spent_grain"] == pytest.approx(0.020)  # CC brewery C12
    assert proc["inputs"]["malt"] == pytest.approx(0.020 / 1.15)  # C11 midpoint
    assert proc["outputs"]["brewers_yeast"] == pytest.approx(0.020 * 0.15 / 0.85)  # C10
    assert proc["inputs"]["water"] == pytest.approx(0.33)  # C14: 3.3 hL/hL
    co2 = 0.1 * 0.05 * 0.789 * 44 / 46
    assert proc["to_environment"]["fermentation_co2"] == pytest.approx(co2)
    wastewater = proc["to_environment"]["wastewater"] / proc["inputs"]["water"]
    assert 0.6 < wastewater < 0.75  # C14: ~7 of 10 L taken in end up as wastewater


def test_feed_mill_dries_spent_grain_to_feed_moisture() -> None:
    _, params = CASES["feed_mill"]
    spec = resolve_firm_type("feed_mill").defaults(params)
    bsg = spec["processes"]["mill_brewers_spent_grain"]
    # 78 % moisture (CC brewery C13) to 12 %: (1 - 0.78) / (1 - 0.12) t feed per t wet BSG
    assert bsg["outputs"]["compound_feed"] == pytest.approx(0.25)
    assert bsg["to_environment"]["water_vapour"] == pytest.approx(0.75)
    assert bsg["inputs"]["heat"] == pytest.approx(0.75 * 0.9)
    assert bsg["capacity"] == pytest.approx(80 * 20 / 71)
    assert spec["processes"]["mill_soy_meal"]["outputs"]["compound_feed"] == 1.0


def test_retailer_orders_its_throughput_and_spoils_a_share() -> None:
    spec = resolve_firm_type("retailer").defaults({"throughput_t_per_day": {"bread": 100}})
    assert spec["demand"] == {"bread": 100.0}
    assert spec["processes"]["spoil_bread"]["capacity"] == pytest.approx(2.0)
    assert spec["processes"]["spoil_bread"]["outputs"] == {"food_waste": 1.0}


def test_composter_keeps_32_percent_as_compost() -> None:
    proc = recipe("composter", {"capacity_t_per_day": 10}, "compost_green_waste")
    assert proc["outputs"]["compost"] == pytest.approx(0.32)  # 68 % mass loss, CC C15
    assert proc["to_environment"]["composting_losses"] == pytest.approx(0.68)


# ---- parameter errors ------------------------------------------------------------------------
@pytest.mark.parametrize("type_name", sorted(REQUIRED))
def test_unknown_parameter_names_the_accepted_ones(type_name: str) -> None:
    cls = resolve_firm_type(type_name)
    with pytest.raises(ValueError, match="unknown parameter 'capacityy'") as info:
        cls.defaults({**REQUIRED[type_name], "capacityy": 1})
    message = str(info.value)
    assert "accepted:" in message
    for name in cls.PARAMETERS or {}:
        assert name in message, name


def test_unknown_parameter_in_a_scenario_points_at_the_params() -> None:
    data = {
        "name": "bad",
        "horizon": 1,
        "materials": {"wheat": {"unit": "t", "kind": "product"}},
        "firms": {
            "farm": {
                "type": "arable_farm",
                "location": {"x_km": 0, "y_km": 0},
                "params": {"area_ha": 10, "yeild_t_per_ha": 8},
            }
        },
    }
    with pytest.raises(ScenarioError, match="yield_t_per_ha") as info:
        scenario_from_dict(data)
    assert info.value.field == "firms.farm.params.yeild_t_per_ha"


@pytest.mark.parametrize(
    ("type_name", "params", "needle"),
    [
        ("arable_farm", {}, "needs parameter 'area_ha'"),
        ("greenhouse", {"area_ha": 1, "co2_t_per_ha_year": 1.0}, "below the CO2"),
        ("dairy_farm", {"cows": 1, "manure_kg_per_cow_day": 500}, "exceed feed and water"),
        ("food_processor", {**REQUIRED["food_processor"], "product_yield": 1.2}, "exceed"),
        ("brewery", {"capacity_hl_per_day": 1, "water_hl_per_hl": 0.5}, "too small"),
        ("feed_mill", {"capacity_t_per_day": 1, "ingredients": {"lupins": 1}}, "no moisture"),
        ("composter", {"capacity_t_per_day": 1, "refuse_share": 0.5}, "sum to at most 1"),
        ("arable_farm", {"area_ha": 1, "harvest_window": [0, 10]}, "days of the year"),
    ],
)
def test_impossible_parameters_are_rejected(
    type_name: str, params: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ValueError, match=needle):
        resolve_firm_type(type_name).defaults(params)


# ---- small runs, one per family ---------------------------------------------------------------
def _flows(results: Any) -> pd.DataFrame:
    flows = results.flows.copy()
    for col in ("kind", "material", "source", "target"):
        flows[col] = flows[col].astype(str)
    return flows


def _total(flows: pd.DataFrame, kind: str, material: str, node: str | None = None) -> float:
    rows = flows[(flows.kind == kind) & (flows.material == material)]
    if node is not None:
        rows = rows[(rows.source == node) | (rows.target == node)]
    return float(rows["quantity"].sum())


def _materials(*ids: str, **special: dict[str, Any]) -> dict[str, Any]:
    out = {m: material_spec(m) for m in ids}
    out.update(special)
    return out


def test_agriculture_family_runs_harvests_in_its_window_and_tops_up_nitrogen() -> None:
    # 2026-07-15 is day of year 196: fertilising 15 Jul - 13 Aug, wheat harvest from 20 Jul.
    data = {
        "name": "agri",
        "horizon": 30,
        "start_date": "2026-07-15",
        "materials": _materials(
            "wheat",
            "straw",
            "crop_uptake",
            "water",
            "compound_feed",
            "raw_milk",
            "cattle_manure",
            "enteric_methane",
            "respiration",
            "homegrown_roughage",
            "live_pigs",
            "pig_slurry",
            "tomatoes",
            "green_waste",
            "co2",
            "water_vapour",
            "co2_vented",
            "oxygen",
            "heat",
            "heat_loss",
            "mineral_fertiliser",
            digestate={"unit": "t", "kind": "residue", "composition": {"N": 0.005}},
            applied_to_soil={"unit": "t", "kind": "environmental", "sink": "soil"},
        ),
        "firms": {
            "farm": {
                "type": "arable_farm",
                "location": {"x_km": 0, "y_km": 0},
                "params": {
                    "area_ha": 100,
                    "residue_t_per_ha": 3.0,
                    "fertiliser_rates_t_per_ha": {"digestate": 20},
                    "n_need_kg_per_ha": 200,
                    "fertilising_window": [196, 225],
                },
                "initial_stock": {"digestate": 666.0 + 2.0 / 3.0},  # 10 days at capacity
            },
            "dairy": {
                "type": "dairy_farm",
                "location": {"x_km": 5, "y_km": 0},
                "params": {"cows": 100},
            },
            "pigs": {
                "type": "pig_farm",
                "location": {"x_km": 0, "y_km": 5},
                "params": {"pigs": 1000},
            },
            "glass": {
                "type": "greenhouse",
                "location": {"x_km": 5, "y_km": 5},
                "params": {"area_ha": 2},
            },
        },
        "boundary": {
            "imports": {
                m: {} for m in ("water", "compound_feed", "co2", "heat", "mineral_fertiliser")
            },
            "exports": {m: {} for m in ("raw_milk", "live_pigs", "tomatoes", "wheat")},
        },
    }
    flows = _flows(run_scenario(data))
    harvest = flows[(flows.kind == "production") & (flows.material == "wheat")]
    assert harvest["t_day"].min() == 5  # 20 Jul = day of year 201
    assert _total(flows, "production", "wheat") == pytest.approx(100 / 32 * 25 * 9.0)
    assert _total(flows, "production", "straw") == pytest.approx(100 / 32 * 25 * 3.0)
    # N need 200 kg/ha x 100 ha over 30 days = 666.7 kg N/d. Digestate at 66.7 t/d x 5 kg N/t x
    # 0.6 covers 200 kg N/d for the 10 days it lasts; the rest is CAN at 27 % N.
    daily_need = 200 * 100 / 30
    expected = (10 * (daily_need - 200) + 20 * daily_need) / 270
    assert _total(flows, "import", "mineral_fertiliser", "farm") == pytest.approx(expected)
    assert _total(flows, "consumption", "digestate") == pytest.approx(666.0 + 2.0 / 3.0)
    assert _total(flows, "production", "raw_milk") == pytest.approx(30 * 100 * 0.024)
    assert _total(flows, "production", "pig_slurry") == pytest.approx(30 * 1000 * 0.0032)
    assert _total(flows, "extraction", "homegrown_roughage") == pytest.approx(30 * 100 * 0.045)
    assert _total(flows, "production", "tomatoes") > 0


def test_processing_family_runs_brewery_to_feed_mill_and_retail() -> None:
    data = {
        "name": "proc",
        "horizon": 10,
        "materials": _materials(
            "malt",
            "water",
            "beer",
            "brewers_spent_grain",
            "brewers_yeast",
            "wastewater",
            "fermentation_co2",
            "compound_feed",
            "water_vapour",
            "heat",
            "soy_meal",
            "potatoes",
            "fries",
            "processing_residue",
            "process_losses",
            "bread",
            "food_waste",
        ),
        "firms": {
            "brewery": {
                "type": "brewery",
                "location": {"x_km": 0, "y_km": 0},
                "params": {"capacity_hl_per_day": 500},
            },
            "mill": {
                "type": "feed_mill",
                "location": {"x_km": 10, "y_km": 0},
                "params": {
                    "capacity_t_per_day": 20,
                    "ingredients": {"brewers_spent_grain": 10, "soy_meal": 10},
                },
            },
            "fries": {
                "type": "food_processor",
                "location": {"x_km": 0, "y_km": 10},
                "params": {
                    "capacity_t_per_day": 10,
                    "raw": "potatoes",
                    "product": "fries",
                    "product_yield": 0.5,
                    "residue_yield": 0.3,
                },
            },
            "shop": {
                "type": "retailer",
                "location": {"x_km": 5, "y_km": 5},
                "params": {"throughput_t_per_day": {"beer": 20, "bread": 4}},
            },
        },
        "contracts": {
            "bsg": {
                "supplier": "brewery",
                "receiver": "mill",
                "material": "brewers_spent_grain",
                "quantity": "all",
            },
            "beer": {"supplier": "brewery", "receiver": "shop", "material": "beer", "quantity": 20},
        },
        "boundary": {
            "imports": {
                m: {} for m in ("malt", "water", "heat", "soy_meal", "potatoes", "bread", "beer")
            },
            "exports": {m: {} for m in ("beer", "compound_feed", "fries")},
        },
    }
    flows = _flows(run_scenario(data))
    assert _total(flows, "production", "brewers_spent_grain") == pytest.approx(10 * 500 * 0.020)
    # BSG shipped each day is milled the next: 9 days of 10 t, dried to a quarter of its mass
    assert _total(flows, "consumption", "brewers_spent_grain") == pytest.approx(90.0)
    bsg_feed = 90.0 * 0.25
    soy_feed = 10 * 10.0
    assert _total(flows, "production", "compound_feed") == pytest.approx(bsg_feed + soy_feed)
    assert _total(flows, "production", "food_waste") == pytest.approx(10 * 24 * 0.02)
    assert _total(flows, "production", "fries") == pytest.approx(10 * 10 * 0.5)
    assert _total(flows, "emission", "process_losses") == pytest.approx(10 * 10 * 0.2)


def test_energy_and_waste_family_runs_digester_chp_composter() -> None:
    data = {
        "name": "energy",
        "horizon": 10,
        "materials": _materials(
            "cattle_manure",
            "digestate",
            "electricity",
            "heat",
            "co2",
            "oxygen",
            "water_vapour",
            "green_waste",
            "compost",
            "composting_losses",
            biogas={"unit": "m3", "kind": "energy", "density": BIOGAS_T_PER_M3},
        ),
        "firms": {
            "digester": {
                "type": "anaerobic_digester",
                "location": {"x_km": 0, "y_km": 0},
                "params": {"capacity_t_per_day": 40},
                "initial_stock": {"cattle_manure": 400},
            },
            "chp": {
                "type": "chp",
                "location": {"x_km": 0.1, "y_km": 0},
                "params": {"capacity_m3_per_day": 2000},
            },
            "composter": {
                "type": "composter",
                "location": {"x_km": 3, "y_km": 0},
                "params": {"capacity_t_per_day": 5},
                "initial_stock": {"green_waste": 50},
            },
        },
        "network": {
            "pipelines": [
                {"source": "digester", "target": "chp", "materials": ["biogas"], "capacity": 5000}
            ]
        },
        "contracts": {
            "gas": {
                "supplier": "digester",
                "receiver": "chp",
                "material": "biogas",
                "quantity": "all",
            }
        },
        "boundary": {"exports": {m: {} for m in ("electricity", "digestate", "compost", "co2")}},
    }
    flows = _flows(run_scenario(data))
    assert _total(flows, "production", "biogas") == pytest.approx(400 * 25.0)  # C1
    # 9 days of biogas reach the CHP the day after: 9 x 1,000 m3 x 0.6 x 9.97 kWh x 40 %
    assert _total(flows, "production", "electricity") == pytest.approx(9000 * 0.6 * 9.97e-3 * 0.4)
    assert _total(flows, "production", "compost") == pytest.approx(50 * 0.32)  # C15


def test_city_runs_eats_and_wastes() -> None:
    data = {
        "name": "town",
        "horizon": 7,
        "materials": _materials(
            "bread",
            "food_waste",
            consumed_food={"unit": "t", "kind": "environmental", "sink": "consumption"},
        ),
        "firms": {
            "town": {
                "type": "city",
                "location": {"x_km": 0, "y_km": 0},
                "params": {"population": 1000, "diet_kg_per_person_day": {"bread": 0.2}},
            }
        },
        "boundary": {"imports": {"bread": {}}},
    }
    flows = _flows(run_scenario(data))
    assert _total(flows, "import", "bread") == pytest.approx(7 * 0.2)
    assert _total(flows, "final_consumption", "consumed_food") == pytest.approx(7 * 0.2 * 0.9)


# ---- the default scenario ---------------------------------------------------------------------
def test_default_scenario_runs_30_days_and_balances() -> None:
    results = run_scenario(DEFAULT, days=30)
    assert results.kpis["mass_balance_max_rel_error"] < 1e-9
    flows = _flows(results)
    # residues flow between firms: all manure to the digester, spent grain to the feed mill
    manure = _total(flows, "production", "cattle_manure")
    assert manure == pytest.approx(30 * 1700 * 0.065, rel=0.02)
    assert _total(flows, "consumption", "cattle_manure", "digester") > 0.95 * manure
    assert _total(flows, "consumption", "brewers_spent_grain", "feed_mill") > 0.9 * 30 * 20
    # in January no digestate is spread: it is stored for spring, none disposed
    assert _total(flows, "consumption", "digestate") == 0.0
    assert _total(flows, "disposal", "digestate") == 0.0
    stocks = results.stocks
    digestate = stocks[(stocks.node == "digester") & (stocks.material == "digestate")]
    assert digestate.quantity.iloc[-1] > digestate.quantity.iloc[0] + 25 * 170
    assert 0.3 < results.kpis["residues_consumed_t"] / results.kpis["residues_generated_t"] <= 1.0


def test_default_scenario_is_a_realistic_cluster() -> None:
    from mfcsim.scenario.load import load_scenario

    scn = load_scenario(DEFAULT)
    assert 20 <= len(scn.firms) <= 40
    assert scn.horizon_day == 365
    types = {f.type for f in scn.firms.values()}
    assert set(built_in_types()) - {"generic"} <= types
    assert all(f.location.geographic for f in scn.firms.values())
    for key in ("C1", "C12", "C13", "C15", "W01", "W02", "G01"):
        assert key in scn.sources
    # the digester's cattle-manure capacity matches the manure of the dairy farms
    manure = sum(
        f.processes["keep_cows"].outputs["cattle_manure"] * f.processes["keep_cows"].capacity
        for f in scn.firms.values()
        if f.type == "dairy_farm"
    )
    digest = scn.firms["digester"].processes["digest_cattle_manure"].capacity
    assert manure <= digest <= 1.1 * manure
    assert manure * 365 == pytest.approx(40000, rel=0.05)  # AF G01
