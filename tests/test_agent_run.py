"""The regional agent in whole runs: residue reuse, buyers' service, substitution, disruptions.

Scenarios are the shipped `tiny` cluster with ``--set`` style overrides, or small clusters
built here as mappings: a brewery whose spent grain no contract takes and a farm that can
feed it in place of bought feed (``residue_cluster``), and a greenhouse that cannot feed
both a town and a kitchen (``scarce_cluster``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mfcsim import ScenarioError, Simulation, load_scenario
from mfcsim.results import Results
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.scenario.reader import deep_merge
from mfcsim.scenario.root import Scenario
from mfcsim.testing import assert_mass_balanced, flow_rows, run_scenario

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny.yaml"
POLICIES = ("none", "greedy", "optimal")

OUTAGE = "disruptions.cut={kind: outage, firm: greenhouse, start_day: 4, duration: 10}"
NO_CITY_IMPORTS = (
    "firms.town.imports=false",
    "firms.town.initial_stock={vegetables: 1.25, milk: 1.5}",  # so day 0 is served
)
DISRUPTIONS = (
    OUTAGE,
    "disruptions.flaky={kind: outage, firm: dairy, mtbf: 6, mttr: 1.5}",
    "disruptions.drought={kind: yield_shock, firm: greenhouse, start_day: 15, duration: 5,"
    " factor: 0.3}",
    "disruptions.feast={kind: demand_shock, firm: town, start_day: 20, duration: 3, factor: 1.5}",
    "disruptions.roadworks={kind: link_closure, source: dairy, target: digester, start_day: 6,"
    " duration: 2}",
    "disruptions.tax={kind: policy, day: 10, set: {boundary.disposal.landfill.gate_fee: 200,"
    " agent.carbon_price: 80}}",
)


# ---- helpers --------------------------------------------------------------------------------
def tiny(*overrides: str, seed: int | None = None) -> Results:
    """Run the shipped tiny scenario with overrides (strict: it must balance)."""
    return Simulation(load_scenario(TINY, list(overrides)), seed=seed).run(strict=True)


def run(data: dict[str, Any], seed: int | None = None) -> Results:
    """Validate and run a scenario mapping with the mass-balance check on."""
    return run_scenario(data, seed=seed)


def unchecked(scenario: Scenario) -> Results:
    """Run without the strict balance check: the test's own balance check is the one that counts."""
    return Simulation(scenario).run(strict=False)


rows = flow_rows


def total(results: Results, **where: str) -> float:
    """Sum of the quantities of the flow rows matching ``where``."""
    return float(rows(results, **where)["quantity"].sum())


def agent_shipments(results: Results, **where: str) -> pd.DataFrame:
    """The agent's shipments (origin 'agent') whose columns equal the given values."""
    ship = results.extra["shipments"]
    mask = (ship["origin"] == "agent").to_numpy().copy()  # a categorical: a read-only view
    for column, value in where.items():
        mask &= (ship[column].astype(str) == value).to_numpy()
    return ship[mask]


def residue_cluster(**changes: Any) -> dict[str, Any]:
    """A brewery making 3 t/d of spent grain no contract takes; a farm 13 km away eating 4 t/d feed.

    Spent grain is a residue (no storage: what is left at night goes to landfill at
    100 EUR/t); feed is bought at 250 EUR/t. The group ``fodder`` lets spent grain stand in
    for feed, one t for one t.
    """
    base: dict[str, Any] = {
        "name": "residue",
        "horizon": 10,
        "seed": 3,
        "materials": {
            "malt": {"unit": "t", "kind": "raw_material", "price": 300},
            "beer": {"unit": "t", "kind": "product", "price": 1000},
            "spent_grain": {"unit": "t", "kind": "residue"},
            "feed": {"unit": "t", "kind": "raw_material", "price": 250},
            "meat": {"unit": "t", "kind": "product", "price": 3000},
            "manure": {"unit": "t", "kind": "residue"},
            "water_vapour": {"unit": "t", "kind": "emission"},
            "water": {"unit": "t", "kind": "raw_material", "price": 1},
        },
        "firms": {
            "brewery": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "brew": {
                        "capacity": 10,
                        "inputs": {"malt": 1.0},
                        "outputs": {"beer": 0.7, "spent_grain": 0.3},
                    }
                },
            },
            "farm": {
                "type": "generic",
                "location": {"x_km": 12, "y_km": 5},
                "processes": {
                    "fatten": {
                        "capacity": 4,
                        "inputs": {"feed": 1.0},
                        "outputs": {"meat": 0.2, "manure": 0.8},
                    }
                },
                "storage": {"manure": 100},
            },
        },
        "network": {"detour_factor": 1.0},
        "boundary": {
            "imports": {"malt": {}, "feed": {}},
            "exports": {"beer": {}, "meat": {}},
            "disposal": {"landfill": {"gate_fee": 100}, "dissipation": {}},
        },
        "substitution": {"fodder": {"feed": 1.0, "spent_grain": 1.0}},
    }
    return deep_merge(base, changes)


def scarce_cluster(**changes: Any) -> dict[str, Any]:
    """A greenhouse growing 1.5 t/d of vegetables for a town (a buyer) and a kitchen, 1 t/d each.

    Neither may import. The kitchen is nearer the greenhouse and comes first in the file, so
    only the buyers' priority puts the town first.
    """
    base: dict[str, Any] = {
        "name": "scarce",
        "horizon": 8,
        "seed": 1,
        "materials": {
            "water": {"unit": "t", "kind": "raw_material", "price": 1},
            "vegetables": {"unit": "t", "kind": "product", "price": 900},
            "meals": {"unit": "t", "kind": "product", "price": 2000},
            "food_waste": {"unit": "t", "kind": "residue"},
            "consumed_food": {"unit": "t", "kind": "environmental", "sink": "consumption"},
        },
        "firms": {
            "greenhouse": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "grow": {"capacity": 1.5, "inputs": {"water": 1}, "outputs": {"vegetables": 1}}
                },
            },
            "kitchen": {
                "type": "generic",
                "location": {"x_km": 2, "y_km": 0},
                "processes": {
                    "cook": {"capacity": 1, "inputs": {"vegetables": 1}, "outputs": {"meals": 1}}
                },
                "initial_stock": {"vegetables": 1},
                "imports": False,
            },
            "town": {
                "type": "city",
                "location": {"x_km": 10, "y_km": 0},
                "params": {"population": 1000, "diet_kg_per_person_day": {"vegetables": 1}},
                "initial_stock": {"vegetables": 1},
                "imports": False,
            },
        },
        "boundary": {
            "imports": {"water": {}, "vegetables": {}},
            "exports": {"vegetables": {}, "meals": {}},
        },
    }
    return deep_merge(base, changes)


# ---- mass balance with every policy ---------------------------------------------------------
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("disrupted", [False, True], ids=["calm", "disrupted"])
def test_every_policy_balances_tiny_calm_and_disrupted(policy: str, disrupted: bool) -> None:
    """Tiny balances under each policy, also with outages, shocks, a closure and a policy change."""
    overrides = [f"agent.policy={policy}", *(DISRUPTIONS if disrupted else ())]
    results = unchecked(load_scenario(TINY, overrides))
    assert_mass_balanced(results)
    assert (results.stocks["quantity"] >= -1e-9).all()
    if policy == "none":
        assert results.kpis["clearing_seconds_total"] == 0.0
    else:
        assert results.kpis["clearing_seconds_total"] > 0.0
    assert results.kpis["fill_rate"] == 1.0  # the town may import


def test_the_agent_times_each_day_in_wall_and_cpu_seconds() -> None:
    """One wall and one CPU time per day cleared, for the benchmarks; none where it does not."""
    sim = Simulation(load_scenario(TINY, ["agent.policy=optimal", "agent.start_day=3"]))
    sim.run()
    days = sim.horizon_day - 1 - 3  # from its start day, each day with a tomorrow
    assert len(sim.agent.day_seconds) == len(sim.agent.day_cpu_seconds) == days
    assert all(s > 0 for s in sim.agent.day_seconds)
    assert all(s >= 0 for s in sim.agent.day_cpu_seconds)
    assert sum(sim.agent.day_cpu_seconds) > 0


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_balances_a_reused_residue(policy: str) -> None:
    """The residue cluster balances whichever policy clears it."""
    data = residue_cluster(agent={"policy": policy})
    assert_mass_balanced(unchecked(scenario_from_dict(data)))


# ---- residue reuse --------------------------------------------------------------------------
@pytest.mark.parametrize("policy", ["greedy", "optimal"])
def test_agent_ships_an_unclaimed_residue_to_a_firm_that_can_use_it(
    policy: str, tmp_path: Path
) -> None:
    """Spent grain goes to the farm as feed: less landfill and fewer imports than with no agent."""
    none = run(residue_cluster(), seed=5)
    agent = run(residue_cluster(agent={"policy": policy}), seed=5)
    shipped = agent_shipments(agent, supplier="brewery", receiver="farm", material="spent_grain")
    folder = agent.write(tmp_path / "run")
    on_file = pd.read_parquet(folder / "shipments.parquet")
    assert {str(on_file[c].dtype) for c in ("requested", "mode", "origin")} == {"string"}
    pd.testing.assert_frame_equal(on_file, agent.extra["shipments"], check_categorical=False,
                                  check_dtype=False)  # fmt: skip
    pd.testing.assert_frame_equal(Results.read(folder).extra["shipments"], agent.extra["shipments"])
    assert set(shipped["requested"]) == {"feed"}
    assert set(shipped["dispatch_t_day"]) == set(range(9))  # every day but the last
    moved = float(shipped["quantity"].sum())
    assert moved == pytest.approx(9 * 3.0)
    assert agent_shipments(none).empty
    assert total(agent, kind="consumption", source="farm", material="spent_grain") == (
        pytest.approx(moved)
    )
    assert agent.kpis["disposal_t"] == pytest.approx(none.kpis["disposal_t"] - moved)
    assert agent.kpis["material_imports_t"] == pytest.approx(
        none.kpis["material_imports_t"] - moved
    )
    assert agent.kpis["residues_consumed_t"] > none.kpis["residues_consumed_t"]
    assert agent.kpis["transport_tkm"] == pytest.approx(moved * 13.0)
    assert agent.kpis["ghg_transport_t_co2e"] > 0.0


def test_agent_leaves_a_residue_whose_transport_costs_more_than_it_saves() -> None:
    """A farm 5000 km away is not worth the trip: the residue is landfilled, feed imported."""
    far = {
        "agent": {"policy": "optimal", "import_penalty": 0.0},
        "firms": {"farm": {"location": {"x_km": 5000, "y_km": 0}}},
    }
    results = run(residue_cluster(**far))
    assert agent_shipments(results).empty
    assert results.kpis["disposal_t"] == pytest.approx(run(residue_cluster()).kpis["disposal_t"])


def test_carbon_price_from_a_policy_event_makes_the_long_trip_worth_it() -> None:
    """Landfill emits 1 t CO2e/t, the 5000 km trip 0.5: shipping pays above 300 EUR/t CO2e.

    Shipping costs 500 + 0.5 p per t and saves 100 + p (landfill) + 250 (feed), so a carbon
    price of 200 from day 3 is not enough, and 400 from day 6 is.
    """
    prices = {
        "low": {"kind": "policy", "day": 3, "set": {"agent.carbon_price": 200}},
        "high": {"kind": "policy", "day": 6, "set": {"agent.carbon_price": 400}},
    }
    far = residue_cluster(
        agent={"policy": "optimal", "import_penalty": 0.0},
        firms={"farm": {"location": {"x_km": 5000, "y_km": 0}}},
        boundary={"disposal": {"landfill": {"co2e": 1.0}}},
        disruptions=prices,
    )
    shipped = agent_shipments(run(far))
    assert shipped["dispatch_t_day"].min() == 6.0


def test_agent_does_not_ship_over_a_closed_link() -> None:
    """While the road from brewery to farm is closed the farm buys feed instead."""
    closure = {"kind": "link_closure", "source": "farm", "target": "brewery"}
    data = residue_cluster(
        agent={"policy": "optimal"},
        disruptions={"works": {**closure, "start_day": 3, "duration": 3}},
    )
    results = run(data)
    days = set(agent_shipments(results)["dispatch_t_day"].astype(int))
    assert days == set(range(9)) - {3, 4, 5}


def heat_cluster(**changes: Any) -> dict[str, Any]:
    """A boiler with 10 MWh/d of heat to spare, a pipeline of 4 MWh/d to a greenhouse that
    needs 6, a dryer next door that needs 3 but has no pipeline, and two kilns beside the
    greenhouse with spare heat but no pipeline either (the agent keeps 1 nearest supplier)."""
    grow = {"capacity": 6, "inputs": {"heat": 1, "water": 1}, "outputs": {"vegetables": 1}}
    dry = {"capacity": 3, "inputs": {"heat": 1, "water": 1}, "outputs": {"vegetables": 1}}
    burn = {
        "capacity": 1,
        "inputs": {"gas": 1},
        "outputs": {"heat": 10},
        "to_environment": {"co2": 1},
    }
    base: dict[str, Any] = {
        "name": "heat",
        "horizon": 6,
        "materials": {
            "gas": {"unit": "t", "kind": "raw_material", "price": 500},
            "heat": {"unit": "MWh", "kind": "energy"},
            "co2": {"unit": "t", "kind": "emission"},
            "water": {"unit": "t", "kind": "raw_material"},
            "vegetables": {"unit": "t", "kind": "product"},
        },
        "firms": {
            "boiler": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {"burn": burn},
            },
            "dryer": {
                "type": "generic",
                "location": {"x_km": 0.5, "y_km": 0},
                "processes": {"dry": dry},
            },
            "greenhouse": {
                "type": "generic",
                "location": {"x_km": 3, "y_km": 0},
                "processes": {"grow": grow},
            },
            **{
                f"kiln_{i}": {
                    "type": "generic",
                    "location": {"x_km": 3 + 0.2 * i, "y_km": 0},
                    "processes": {"burn": burn},
                }
                for i in (1, 2)
            },
        },
        "network": {
            "pipelines": [
                {"source": "boiler", "target": "greenhouse", "materials": ["heat"], "capacity": 4}
            ]
        },
        "boundary": {
            "imports": {"gas": {}, "water": {}, "heat": {"price": 30}},
            "exports": {"vegetables": {}},
        },
        "agent": {"policy": "optimal", "k_nearest": 1},
    }
    return deep_merge(base, changes)


@pytest.mark.parametrize("policy", ["greedy", "optimal"])
def test_agent_sends_energy_only_by_pipeline_and_within_its_capacity(policy: str) -> None:
    """Spare heat reaches the greenhouse by pipeline, 4 MWh a day at most; the dryer gets none."""
    results = run(heat_cluster(agent={"policy": policy}))
    heat = agent_shipments(results, material="heat")
    assert set(heat["receiver"].astype(str)) == {"greenhouse"}
    assert set(heat["supplier"].astype(str)) == {"boiler"}
    assert set(heat["mode"]) == {"pipeline"}
    assert heat.groupby("dispatch_t_day")["quantity"].sum().tolist() == pytest.approx([4.0] * 5)
    bought = rows(results, kind="import", target="greenhouse", material="heat")
    assert bought.groupby("t_day")["quantity"].sum().tolist() == pytest.approx([6.0] + [2.0] * 5)


# ---- buyers' service under a supplier outage ------------------------------------------------
def test_outage_of_the_city_supplier_is_covered_by_imports() -> None:
    """While the greenhouse is down the town imports vegetables and every order is filled."""
    results = tiny(OUTAGE)
    service = results.extra["service"]
    veg = service[service["material"] == "vegetables"]
    assert results.kpis["fill_rate"] == 1.0
    assert results.kpis["order_fill"] == pytest.approx(1.0)
    assert (veg["shortfall"] == 0.0).all()
    assert veg["imported"].sum() > 0.0
    assert results.kpis["imported_share_of_demand"] > 0.0


def test_outage_without_imports_or_alternative_leaves_buyers_short(tmp_path: Path) -> None:
    """With no imports and no other grower, the outage shows as shortfall in service.parquet."""
    calm = tiny(*NO_CITY_IMPORTS)
    assert calm.kpis["fill_rate"] == 1.0  # without the outage the town is served every day
    results = tiny(OUTAGE, *NO_CITY_IMPORTS)
    service = pd.read_parquet(results.write(tmp_path / "run") / "service.parquet")
    short = service[service["shortfall"] > 0.0]
    assert results.kpis["fill_rate"] < 1.0
    assert results.kpis["order_fill"] < 1.0
    assert set(short["material"].astype(str)) == {"vegetables"}
    assert set(short["buyer"].astype(str)) == {"town"}
    # days 4 to 13 are down; the last delivery made before is eaten on day 5, the first
    # one after on day 15
    assert short["t_day"].min() >= 5
    assert short["t_day"].max() <= 14
    assert short["shortfall"].tolist() == pytest.approx(short["ordered"].tolist())
    assert (service["imported"] == 0.0).all()
    assert (~short["in_full"]).all()
    assert service["in_full"].mean() == pytest.approx(results.kpis["fill_rate"])
    expected = service["shortfall"].sum() / service["ordered"].sum()
    assert results.kpis["order_fill"] == pytest.approx(1.0 - expected)


POTATO_GROWER = (
    "materials.potatoes={unit: t, kind: product, price: 400 EUR/t}",
    "boundary.exports.potatoes={}",
    "firms.potato_farm={type: generic, location: {x_km: 12, y_km: 8},"
    " processes: {grow: {capacity: 3000 / d, inputs: {water: 1 kg}, outputs: {potatoes: 1 kg}}}}",
    "substitution.veg={vegetables: 1.0, potatoes: 1.0}",
)


def test_agent_substitutes_another_product_when_the_city_supplier_fails() -> None:
    """Without imports, the agent sends potatoes for vegetables and the town is still served."""
    without_agent = tiny(OUTAGE, *NO_CITY_IMPORTS, *POTATO_GROWER)
    assert without_agent.kpis["fill_rate"] < 1.0
    results = tiny("agent.policy=optimal", OUTAGE, *NO_CITY_IMPORTS, *POTATO_GROWER)
    assert results.kpis["fill_rate"] == 1.0
    shipped = agent_shipments(results, receiver="town", material="potatoes")
    assert set(shipped["requested"]) == {"vegetables"}
    assert shipped["dispatch_t_day"].min() >= 4  # only once the greenhouse is down
    service = results.extra["service"]
    assert service["substituted"].sum() == pytest.approx(
        total(results, kind="consumption", source="town", material="potatoes")
    )
    assert results.kpis["substituted_share"] > 0.0


@pytest.mark.parametrize("policy", ["greedy", "optimal"])
def test_buyers_are_served_before_other_firms_when_supply_is_short(policy: str) -> None:
    """The town gets its full order; the nearer kitchen only what is left."""
    results = run(scarce_cluster(agent={"policy": policy}))
    assert results.kpis["fill_rate"] == 1.0
    to_town = agent_shipments(results, receiver="town")
    to_kitchen = agent_shipments(results, receiver="kitchen")
    assert to_town.groupby("dispatch_t_day")["quantity"].sum().tolist() == pytest.approx([1.0] * 7)
    assert to_kitchen["quantity"].sum() == pytest.approx(0.5 * 7)


# ---- events ---------------------------------------------------------------------------------
def test_events_table_lists_outage_closure_and_policy_with_their_day(tmp_path: Path) -> None:
    """events.parquet holds each disruption's start and end (or change) at its day."""
    folder = tiny(
        OUTAGE,
        "disruptions.roadworks={kind: link_closure, source: greenhouse, target: town,"
        " start_day: 20, duration: 3}",
        "disruptions.tax={kind: policy, day: 10, set: {boundary.disposal.landfill.gate_fee: 200}}",
    ).write(tmp_path / "run")
    events = pd.read_parquet(folder / "events.parquet")
    got = sorted(zip(events["t_day"], events["kind"], events["target"], strict=True))
    assert got == [
        (4.0, "outage_start", "greenhouse"),
        (10.0, "policy", "boundary.disposal.landfill.gate_fee"),
        (14.0, "outage_end", "greenhouse"),
        (20.0, "link_closed", "greenhouse-town"),
        (23.0, "link_reopened", "greenhouse-town"),
    ]
    details = {k: json.loads(d) for k, d in zip(events["kind"], events["details"], strict=True)}
    assert details["policy"] == {"disruption": "tax", "value": 200.0}
    assert details["outage_start"] == {"disruption": "cut", "duration_day": 10.0}


def test_outage_of_n_days_stops_production_on_exactly_n_days() -> None:
    """A 2-day outage from day 4 stops the greenhouse on days 4 and 5, not on day 6."""
    results = tiny("disruptions.cut={kind: outage, firm: greenhouse, start_day: 4, duration: 2}")
    grown = rows(results, kind="production", source="greenhouse", material="vegetables")
    assert set(range(30)) - set(grown["t_day"].astype(int)) == {4, 5}


def test_closure_of_n_days_stops_deliveries_on_exactly_n_days() -> None:
    """A 2-day closure from day 20 stops the contract deliveries on days 20 and 21 only."""
    results = tiny(
        "disruptions.works={kind: link_closure, source: greenhouse, target: town,"
        " start_day: 20, duration: 2}",
    )
    sent = results.extra["shipments"]
    sent = sent[sent["origin"] == "contract:vegetables"]
    assert set(range(30)) - set(sent["dispatch_t_day"].astype(int)) == {20, 21}


def test_landfill_tax_changes_the_disposal_fee_from_its_day_on() -> None:
    """Disposal rows cost 110 EUR/t before day 10 and 200 EUR/t from day 10."""
    results = tiny(
        "disruptions.tax={kind: policy, day: 10, set: {boundary.disposal.landfill.gate_fee: 200}}"
    )
    landfill = rows(results, kind="disposal", target="landfill")
    fee = landfill["value_eur"] / landfill["quantity"]
    before = landfill["t_day"] < 10
    assert before.any()
    assert (~before).any()
    assert np.allclose(fee[before], 110.0)
    assert np.allclose(fee[~before], 200.0)


# ---- randomness -----------------------------------------------------------------------------
RANDOM_OUTAGE = "disruptions.flaky={kind: outage, firm: greenhouse, mtbf: 4, mttr: 1.5}"


def test_random_outage_repeats_with_its_seed_and_changes_with_another() -> None:
    """The same seed draws the same outages (and flows); another seed draws others."""
    a = tiny(RANDOM_OUTAGE, "agent.policy=optimal", seed=11)
    b = tiny(RANDOM_OUTAGE, "agent.policy=optimal", seed=11)
    c = tiny(RANDOM_OUTAGE, "agent.policy=optimal", seed=12)
    events_a, events_c = a.extra["events"], c.extra["events"]
    assert len(events_a) >= 4  # some outages really happen in 30 days
    pd.testing.assert_frame_equal(events_a, b.extra["events"])
    pd.testing.assert_frame_equal(a.flows, b.flows)
    pd.testing.assert_frame_equal(a.extra["shipments"], b.extra["shipments"])
    assert events_a["t_day"].tolist() != events_c["t_day"].tolist()
    starts = events_a[events_a["kind"] == "outage_start"]["t_day"].to_numpy()
    ends = events_a[events_a["kind"] == "outage_end"]["t_day"].to_numpy()
    assert len(starts) - len(ends) in (0, 1)
    assert (ends > starts[: len(ends)]).all()


# ---- joining firms --------------------------------------------------------------------------
def test_joining_receiver_is_served_for_its_first_day_and_not_before() -> None:
    """A farm joining on day 4 gets its first spent grain dispatched on day 3, for day 4."""
    results = run(residue_cluster(agent={"policy": "optimal"}, firms={"farm": {"join_day": 4}}))
    shipped = agent_shipments(results, receiver="farm")
    assert shipped["dispatch_t_day"].min() == 3.0
    assert shipped["arrival_t_day"].min() < 4.0
    consumed = rows(results, kind="consumption", source="farm", material="spent_grain")
    assert consumed["t_day"].min() == 4.0


def test_joining_supplier_offers_only_from_its_join_day() -> None:
    """A brewery joining on day 4 has spent grain to give from day 4 on, not before."""
    results = run(
        residue_cluster(
            agent={"policy": "greedy"},
            firms={"brewery": {"join_day": 4, "initial_stock": {"spent_grain": 5}}},
        )
    )
    shipped = agent_shipments(results, supplier="brewery")
    assert shipped["dispatch_t_day"].min() == 4.0
    # its stock from before it joined counts too: the farm's whole 4 t need on the first day
    assert shipped["quantity"].iloc[0] == pytest.approx(4.0)


# ---- substitution with a balance material ---------------------------------------------------
@pytest.mark.parametrize(
    ("ratio", "direction"),
    [(0.25, "released"), (2.0, "taken in")],
    ids=["heavier_substitute", "lighter_substitute"],
)
def test_substitute_of_other_mass_exchanges_the_difference_as_the_balance_material(
    ratio: float, direction: str
) -> None:
    """Consuming spent grain for feed writes the mass difference as water vapour or water."""
    balance = "water_vapour" if direction == "released" else "water"
    group = {"fodder": {"members": {"feed": 1.0, "spent_grain": ratio}, "balance": balance}}
    data = residue_cluster(agent={"policy": "optimal"})
    data["substitution"] = group
    results = unchecked(scenario_from_dict(data))
    assert_mass_balanced(results)
    eaten = total(results, kind="consumption", source="farm", material="spent_grain")
    assert eaten > 0.0
    difference = abs(eaten - eaten * ratio)  # t of spent grain minus t of feed it replaces
    if direction == "released":
        assert total(results, kind="emission", source="farm", material=balance) == (
            pytest.approx(difference)
        )
    else:
        assert total(results, kind="extraction", target="farm", material=balance) == (
            pytest.approx(difference)
        )
    feed_none = total(run(residue_cluster()), kind="import", material="feed")
    assert total(results, kind="import", material="feed") == pytest.approx(
        feed_none - eaten * ratio
    )


# ---- bad agent and disruption input ---------------------------------------------------------
BAD_INPUT = {
    # name: (YAML appended to tiny.yaml, text on the line blamed, field, words in the problem)
    "unknown_policy": (
        "agent:\n  policy: optimum\n",
        "optimum",
        "agent.policy",
        ("accepted: augment, greedy, none, optimal", "optimum"),  # the registry's names
    ),
    "unknown_firm_in_disruption": (
        "disruptions:\n  cut: {kind: outage, firm: glasshouse, start_day: 3, duration: 2}\n",
        "glasshouse",
        "disruptions.cut.firm",
        ("unknown firm 'glasshouse'", "greenhouse", "town"),
    ),
    "unknown_firm_at_a_closed_link": (
        "disruptions:\n  works: {kind: link_closure, source: town, target: farm}\n",
        "farm",
        "disruptions.works.target",
        ("unknown firm 'farm'",),
    ),
    "bad_policy_path": (
        "disruptions:\n  tax:\n    kind: policy\n    day: 3\n"
        "    set: {boundary.disposal.landfil.gate_fee: 9}\n",
        "landfil",
        "disruptions.tax.set.boundary.disposal.landfil.gate_fee",
        ("cannot be changed by a policy event", "boundary.disposal.*.gate_fee"),
    ),
    "outage_without_times": (
        "disruptions:\n  cut:\n    kind: outage\n    firm: town\n    start_day: 3\n",
        "  cut:",
        "disruptions.cut",
        ("start_day and duration, or mtbf and mttr",),
    ),
    "unknown_field_in_disruption": (
        "disruptions:\n  cut:\n    kind: yield_shock\n    firm: town\n    factor: 0.5\n"
        "    colour: red\n",
        "colour",
        "disruptions.cut.colour",
        ("unknown field",),
    ),
    "member_in_two_groups": (
        "substitution:\n  a: {feed: 1, water: 1}\n  b:\n    water: 1\n    co2: 1\n",
        "  b:",  # the bare form has no members: line, so the group's line
        "substitution.b.members.water",
        ("already in group 'a'",),
    ),
    "different_mass_without_balance": (
        "substitution:\n  a: {feed: 1, water: 0.5}\n",
        "  a: {feed",
        "substitution.a.balance",
        ("differ in mass per group unit", "balance material"),
    ),
    "balance_material_not_in_t": (
        "substitution:\n  a:\n    members: {feed: 1, water: 0.5}\n    balance: heat\n",
        "balance: heat",
        "substitution.a.balance",
        ("must be in t",),
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_agent_or_disruption_input_names_file_line_and_field(
    case: tuple[str, str, str, tuple[str, ...]], tmp_path: Path
) -> None:
    """A bad policy, firm, policy path or substitution group is a ScenarioError at its field."""
    extra, needle, field, words = case
    tiny_text = TINY.read_text(encoding="utf-8")
    text = tiny_text + extra
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    err = caught.value
    assert err.field == field
    assert err.source == str(path)
    lines = text.splitlines()
    first = len(tiny_text.splitlines())
    blamed = [i for i, line in enumerate(lines, start=1) if needle in line and i > first]
    assert err.line == blamed[-1], (err.line, lines[err.line - 1] if err.line else None)
    for word in words:
        assert word in err.problem
