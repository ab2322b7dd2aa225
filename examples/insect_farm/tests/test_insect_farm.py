"""The insect farm plug-in, tested with mfcsim.testing as any researcher's firm type would be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import ScenarioError
from mfcsim.firms.registry import FIRM_TYPES, installed_entry_points
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.testing import assert_mass_balanced, assert_same_on_both_paths, flow_rows, run_scenario

from insect_farm.firm import InsectFarm, mix_quality

HERE = Path(__file__).resolve().parents[1]
TINY = HERE.parents[1] / "scenarios" / "tiny.yaml"


def cluster(days: int = 20, **farm: Any) -> dict[str, Any]:
    """scenarios/tiny.yaml with two insect farms on the town's food waste and spent grain."""
    data = yaml.safe_load(TINY.read_text())
    data["horizon"] = days
    data["agent"] = {"policy": "greedy"}
    data["materials"].update(
        larvae_meal={"unit": "t", "kind": "product", "price": "1200 EUR/t"},
        frass={"unit": "t", "kind": "residue"},
        ammonia={"unit": "t", "kind": "emission"},
        brewers_spent_grain={"unit": "t", "kind": "raw_material", "price": "20 EUR/t"},
    )
    data["materials"]["food_waste"]["composition"] = {"N": 0.0089, "P": 0.0011}
    data["boundary"]["imports"]["brewers_spent_grain"] = {}
    data["boundary"]["exports"].update(larvae_meal={}, frass={})
    for i, (x, mix) in enumerate(((12.0, (1.0, 0.0)), (14.0, (0.5, 0.5)))):
        data["firms"][f"insects_{i}"] = {
            "type": "bsf_farm",
            "location": {"x_km": x, "y_km": 8.0},
            "params": {
                "capacity_t_per_day": 0.7,
                "substrates": {"food_waste": mix[0], "brewers_spent_grain": mix[1]},
            },
            "initial_stock": {"food_waste": "1 t"},
            **farm,
        }
    return data


def test_the_type_is_found_through_its_entry_point() -> None:
    """Installed with pip, the package names its type in the group mfcsim.firms."""
    (ep,) = [ep for ep in installed_entry_points("mfcsim.firms") if ep.name == "bsf_farm"]
    assert ep.load() is InsectFarm
    assert FIRM_TYPES["bsf_farm"] is InsectFarm


def test_both_paths_give_the_same_ledger_and_the_farms_run_vectorised() -> None:
    sim = Simulation(scenario_from_dict(cluster()))
    farms = [f for f in sim.firms if isinstance(f, InsectFarm)]
    assert len(farms) == 2
    assert all(f.vectorised for f in farms)
    results = assert_same_on_both_paths(cluster())
    assert_mass_balanced(results)
    assert len(flow_rows(results, kind="production", material="larvae_meal")) > 0


def test_a_new_colony_fills_its_crates_over_the_first_cycle() -> None:
    """Day 0 runs 1/14 of capacity (the food waste in stock suffices), day 1 2/14."""
    results = run_scenario(cluster(days=3))
    eaten = flow_rows(results, source="insects_0", kind="consumption", material="food_waste")
    by_day = eaten.groupby(eaten["t_day"].astype(int))["quantity"].sum()
    assert by_day[0] == pytest.approx(0.7 / 14)
    assert by_day[1] == pytest.approx(0.7 * 2 / 14)


def test_the_larvae_yield_follows_the_substrate_mix_of_the_last_cycle() -> None:
    """On food waste alone (quality 1) a t gives 0.04 t meal; half spent grain (0.7) less."""
    results = run_scenario(cluster(days=20))
    for farm, quality in (("insects_0", 1.0), ("insects_1", None)):
        eaten = flow_rows(results, source=farm, kind="consumption")
        meal = flow_rows(results, source=farm, kind="production", material="larvae_meal")
        day = 19
        fed = eaten[eaten["t_day"].astype(int).between(day - 14, day - 1)]
        by_material = fed.groupby(fed["material"].astype(str))["quantity"].sum()
        if quality is None:  # the mass-weighted quality of what the colony ate
            quality = (
                by_material.get("food_waste", 0.0)
                + 0.7 * by_material.get("brewers_spent_grain", 0.0)
            ) / by_material.sum()
        today = eaten[eaten["t_day"].astype(int) == day]["quantity"].sum()
        made = meal[meal["t_day"].astype(int) == day]["quantity"].sum()
        assert made == pytest.approx(0.04 * quality * today)
    assert quality < 0.99  # the second farm's mix lowered its yield


def test_n_and_p_follow_the_transfer_coefficients() -> None:
    """35 % of the substrate N goes to the larvae meal, 5 % to the air, the rest to frass."""
    results = run_scenario(cluster(days=10))
    flows = results.substance_flows
    n = flows[(flows["substance"].astype(str) == "N") & (flows["source"] == "insects_0")]
    assert len(n) > 0
    made = n[n["kind"].astype(str) == "production"].groupby("material", observed=True)
    content = made["quantity"].sum()
    total = content["larvae_meal"] + content["frass"] + content["ammonia"]
    assert content["larvae_meal"] / total == pytest.approx(0.35)
    assert content["ammonia"] / total == pytest.approx(0.05)


def test_mix_quality_weighs_by_mass_and_is_1_before_any_feeding() -> None:
    fed = np.zeros((2, 14, 2))
    fed[0, 3] = [3.0, 1.0]
    quality = np.array([[1.0, 0.6], [1.0, 0.6]])
    assert mix_quality(fed, quality).tolist() == [pytest.approx(0.9), 1.0]


def test_recipes_that_do_not_close_are_refused_at_load() -> None:
    data = cluster(days=2)
    data["firms"]["insects_0"]["params"]["frass_t_per_t"] = 0.99
    with pytest.raises(ScenarioError, match="sum to at most 1"):
        scenario_from_dict(data)


def test_the_example_scenario_loads_with_two_insect_farms() -> None:
    from mfcsim.scenario.load import load_scenario

    scenario = load_scenario(HERE / "scenarios" / "insect_cluster.yaml")
    types = {fid: f.type for fid, f in scenario.firms.items()}
    assert sorted(f for f, t in types.items() if t == "bsf_farm") == [
        "insects_brewery",
        "insects_city",
    ]
