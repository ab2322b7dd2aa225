"""Machine pools: a queue of three farms for one harvester, computed by hand.

The scenario (tests/data/machine_queue.yaml): three 40 ha wheat farms (9 t/ha, 5 t/ha
residue) at 6, 12 and 18 km from the harvester's home (detour 1.0), one harvester at
12 km/h (288 km/d), 0.1 machine-day per ha (4 days a farm), 1 % of the yield lost per day
of waiting, 1,000 EUR per machine-day. The window opens on day of year 201, day 200 of a run
starting on 1 January 2026; all three farms ask on day 200, farm_a first (scenario order).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mfcsim.engine.resources import MACHINE_COLUMNS
from mfcsim.errors import ScenarioError
from mfcsim.indicators.machines import MACHINE_INDICATORS
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import (
    assert_same_on_both_paths,
    flow_rows,
    ledger_digest,
    run_scenario,
)

HERE = Path(__file__).parent
QUEUE = HERE / "data" / "machine_queue.yaml"
SPEED_KM_PER_DAY = 12.0 * 24.0
AREA_HA, WHEAT_T_PER_HA, RESIDUE_T_PER_HA, PRICE_EUR_PER_T = 40.0, 9.0, 5.0, 200.0
WORK_DAY = 0.1 * AREA_HA
LOSS_PER_DAY = 0.01
REQUEST_DAY = 200.0


def _travel_day(km: float) -> float:
    return km / SPEED_KM_PER_DAY


def _hand_queue(order: list[tuple[str, float, float]]) -> dict[str, dict[str, float]]:
    """One machine, served in ``order`` of (farm, distance km, area ha): waits and losses."""
    free_at, out = REQUEST_DAY, {}
    for farm, km, area in order:
        travel, work = _travel_day(km), 0.1 * area
        grant = free_at
        factor = 1.0 - LOSS_PER_DAY * (grant - REQUEST_DAY)
        free_at = grant + 2 * travel + work
        lost_t = (1.0 - factor) * area * WHEAT_T_PER_HA
        out[farm] = {
            "grant_day": grant, "wait_day": grant - REQUEST_DAY, "yield_factor": factor,
            "yield_lost_t": lost_t, "yield_lost_eur": lost_t * PRICE_EUR_PER_T,
            "cost_eur": 1000.0 * (free_at - grant), "release_day": free_at,
        }  # fmt: skip
    return out


def _data(firm_type: str = "arable_farm") -> dict[str, Any]:
    """The queue scenario; ``generic``: the same harvest written out, on the vectorised path."""
    data: dict[str, Any] = yaml.safe_load(QUEUE.read_text())
    if firm_type == "generic":
        for fid, firm in data["firms"].items():
            machine = firm["processes"]["harvest"]["machine"]
            harvest = {
                "capacity": f"{AREA_HA / 32} / d",
                "from_environment": {"crop_uptake": f"{WHEAT_T_PER_HA + RESIDUE_T_PER_HA} t"},
                "outputs": {
                    "wheat": f"{WHEAT_T_PER_HA} t",
                    "crop_residue": f"{RESIDUE_T_PER_HA} t",
                },
                "seasonality": {"window": [201, 232]},
                "yield_balance": "crop_residue",
                "machine": machine,
            }
            data["firms"][fid] = {"type": "generic", "location": firm["location"],
                                  "processes": {"harvest": harvest}}  # fmt: skip
    return data


@pytest.fixture(scope="module", params=["arable_farm", "generic"])
def queued(request: pytest.FixtureRequest) -> Any:
    """The queue run with arable farms (per-firm path) and generic farms (vectorised)."""
    results = run_scenario(_data(request.param))
    vectorised = request.param == "generic"
    assert (results.manifest["per_firm_path_firms"] == []) == vectorised
    return results


def test_first_come_queue_waits_and_yield_lost_by_hand(queued: Any) -> None:
    ops = queued.extra["machines"].set_index("firm")
    # farm_a: granted at once; farm_b after a's 4 days + 2 x 6 km; farm_c after b's too
    hand = _hand_queue([("farm_a", 6.0, AREA_HA), ("farm_b", 12.0, AREA_HA),
                        ("farm_c", 18.0, AREA_HA)])  # fmt: skip
    assert hand["farm_b"]["wait_day"] == pytest.approx(4.0 + 1.0 / 24.0)
    assert hand["farm_c"]["yield_lost_t"] == pytest.approx(29.25)
    for farm, expected in hand.items():
        for column, value in expected.items():
            assert ops.loc[farm, column] == pytest.approx(value, rel=1e-12), (farm, column)
    assert ops["served"].all()
    assert ops["activity"].tolist() == pytest.approx([AREA_HA] * 3, rel=1e-12)


def test_yield_loss_rule_serves_the_largest_loss_first() -> None:
    data = _data()
    data["machine_pools"]["harvester"]["queue"] = "yield_loss"
    for farm, area in (("farm_a", 20), ("farm_b", 40), ("farm_c", 60)):
        data["firms"][farm] = copy.deepcopy(data["firms"][farm])
        data["firms"][farm]["params"]["area_ha"] = area
    ops = run_scenario(data).extra["machines"].set_index("firm")
    hand = _hand_queue([("farm_c", 18.0, 60.0), ("farm_b", 12.0, 40.0), ("farm_a", 6.0, 20.0)])
    for farm, expected in hand.items():
        for column in ("grant_day", "wait_day", "yield_factor", "yield_lost_t"):
            assert ops.loc[farm, column] == pytest.approx(expected[column], rel=1e-12)
    equal = _data()  # equal losses: the tie goes to the earlier request, then scenario order
    equal["machine_pools"]["harvester"]["queue"] = "yield_loss"
    tied = run_scenario(equal).extra["machines"].set_index("firm")
    assert tied["grant_day"].is_monotonic_increasing
    assert tied.loc["farm_a", "wait_day"] == 0.0
    data["machine_pools"]["harvester"]["queue"] = "first_come"  # the same farms, first come
    first = run_scenario(data).extra["machines"].set_index("firm")
    assert first.loc["farm_a", "wait_day"] == 0.0
    assert first.loc["farm_c", "wait_day"] > first.loc["farm_b", "wait_day"] > 0.0


def test_the_clock_books_each_day_the_work_of_the_day_before(queued: Any) -> None:
    activity = queued.extra["activity"]
    rows = activity[(activity["firm"] == "farm_a") & (activity["realised"] > 0)]
    arrive = REQUEST_DAY + _travel_day(6.0)  # works [arrive, arrive + 4) at 10 ha/day
    rate = AREA_HA / WORK_DAY
    assert rows["t_day"].tolist() == [201.0, 202.0, 203.0, 204.0, 205.0]
    expected = [rate * (201.0 - arrive), rate, rate, rate, rate * (arrive + 4.0 - 204.0)]
    assert rows["realised"].tolist() == pytest.approx(expected, rel=1e-12)


def test_lost_yield_moves_to_the_balance_output_and_mass_closes(queued: Any) -> None:
    factor = queued.extra["machines"].set_index("firm").loc["farm_c", "yield_factor"]
    made = flow_rows(queued, kind="production", source="farm_c")
    by_material = made.groupby("material", observed=True)["quantity"].sum()
    grain_t = AREA_HA * WHEAT_T_PER_HA
    assert by_material["wheat"] == pytest.approx(grain_t * factor, rel=1e-12)
    residue_t = AREA_HA * RESIDUE_T_PER_HA + grain_t * (1.0 - factor)
    assert by_material["crop_residue"] == pytest.approx(residue_t, rel=1e-12)
    queued.check_balance(rtol=1e-12)


def test_both_paths_and_the_same_seed_give_the_same_ledger() -> None:
    data = _data("generic")  # vectorised as usual; every firm on the per-firm path beside it
    usual = assert_same_on_both_paths(data)
    assert ledger_digest(usual) == ledger_digest(run_scenario(data))


def test_an_operation_not_served_by_the_horizon_waits_to_it() -> None:
    data = _data()  # 2 machine-days per ha: farm_a holds the harvester past the horizon
    data["firms"]["farm_a"]["processes"]["harvest"]["machine"]["work_per_unit"] = "2 d"
    ops = run_scenario(data, days=207).extra["machines"].set_index("firm")
    assert ops["served"].tolist() == [True, False, False]
    assert ops.loc["farm_c", "wait_day"] == 207.0 - REQUEST_DAY
    assert (ops.loc["farm_c", "cost_eur"], ops.loc["farm_c", "yield_lost_t"]) == (0.0, 0.0)
    assert (ops.loc["farm_c", "activity"], ops.loc["farm_c", "yield_factor"]) == (0.0, 1.0)


def test_a_pool_kept_at_a_farm_travels_the_network_distance() -> None:
    data = _data()
    del data["machine_pools"]["harvester"]["home"]
    data["machine_pools"]["harvester"]["home_firm"] = "farm_b"  # at x = 12 km
    ops = run_scenario(data).extra["machines"].set_index("firm")
    assert ops["distance_km"].tolist() == [6.0, 0.0, 6.0]
    hand = _hand_queue([("farm_a", 6.0, AREA_HA), ("farm_b", 0.0, AREA_HA),
                        ("farm_c", 6.0, AREA_HA)])  # fmt: skip
    assert ops.loc["farm_c", "wait_day"] == pytest.approx(hand["farm_c"]["wait_day"], rel=1e-12)


def test_a_farm_that_joins_later_asks_from_its_join_day() -> None:
    data = _data()
    data["firms"]["farm_c"] = {**data["firms"]["farm_c"], "join_day": 210}
    ops = run_scenario(data).extra["machines"].set_index("firm")
    # farm_c's window runs days 200-231: it asks on day 210 for the 22 days left (27.5 ha)
    assert ops.loc["farm_c", "t_day"] == 210.0
    assert ops.loc["farm_c", "work_day"] == pytest.approx(0.1 * AREA_HA * 22 / 32, rel=1e-12)
    assert ops.loc["farm_c", "wait_day"] == 0.0  # the harvester is free again by then


def test_indicators_of_the_pool(queued: Any) -> None:
    frame = queued.indicators
    values = frame[frame["period"] == "all"].set_index(["indicator", "scope"])["value"]
    hand = _hand_queue([("farm_a", 6.0, AREA_HA), ("farm_b", 12.0, AREA_HA),
                        ("farm_c", 18.0, AREA_HA)])  # fmt: skip
    held = sum(h["release_day"] - h["grant_day"] for h in hand.values())
    assert values["machine_utilisation_share", "pool:harvester"] == pytest.approx(held / 240.0)
    assert values["machine_wait_days", "operation:farm_c/harvest"] == pytest.approx(8.125)
    assert values["machine_yield_lost_t", "cluster"] == pytest.approx(14.55 + 29.25)
    assert values["machine_cost_eur", "firm:farm_b"] == pytest.approx(hand["farm_b"]["cost_eur"])
    # three farms would own a machine each (30,000 EUR a year); the pool owns one
    avoided = (3 - 1) * 360000.0 / 12.0 * 240.0 / 365.0
    assert values["machine_capital_avoided_eur", "pool:harvester"] == pytest.approx(avoided)


def test_a_run_without_machine_pools_has_no_machine_figures(tiny_path: Path) -> None:
    results = run_scenario(tiny_path, days=3)
    assert "machines" not in results.extra
    assert not results.indicators["indicator"].str.startswith("machine_").any()


BAD = {
    "unknown_pool": (
        "          pool: harvester\n", "          pool: harvestr\n", "pool: harvestr",
        "firms.farm_a.processes.harvest.machine.pool", ("unknown pool", "harvester"),
    ),
    "bad_window": (
        "          window: [201, 232]\n", "          window: [232, 201]\n", "window: [232, 201]",
        "firms.farm_a.processes.harvest.machine.window", ("first <= last",),
    ),
    "loss_without_balance": (
        "        yield_balance: crop_residue\n", "", "loss_per_day: 0.01",
        "firms.farm_a.processes.harvest.machine.loss_per_day", ("yield_balance",),
    ),
    "two_homes": (
        "    home: {x_km: 0, y_km: 0}\n", "    home: {x_km: 0, y_km: 0}\n    home_firm: farm_a\n",
        "harvester:", "machine_pools.harvester", ("either home",),
    ),
    "unknown_home_firm": (
        "    home: {x_km: 0, y_km: 0}\n", "    home_firm: farm_z\n", "home_firm: farm_z",
        "machine_pools.harvester.home_firm", ("unknown firm 'farm_z'", "farm_a"),
    ),
    "home_in_other_coordinates": (
        "    home: {x_km: 0, y_km: 0}\n", "    home: {lat: 52.7, lon: 4.8}\n", "home: {lat",
        "machine_pools.harvester.home", ("lat/lon", "farm_a"),
    ),
    "no_source": (
        '          source: "assumption: 1 % of the yield per day of delay (illustrative)"\n',
        "", "machine:", "firms.farm_a.processes.harvest.machine.source", ("required",),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_machine_fields_are_one_clear_error(name: str, tmp_path: Path, line_of: Any) -> None:
    old, new, needle, field, words = BAD[name]
    text = QUEUE.read_text()
    assert text.count(old) == 1
    text = text.replace(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    err = caught.value
    assert (err.line, err.field) == (line_of(text, needle), field), str(err)
    assert all(w in str(err) for w in words), str(err)
    if name == "unknown_pool":  # the command line: exit 2, one line, no traceback
        proc = subprocess.run(
            [sys.executable, "-m", "mfcsim", "validate", str(path)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 2
        assert proc.stderr.startswith(f"mfcsim: error: {path}:{line_of(text, needle)}: ")
        assert "Traceback" not in proc.stderr


def test_the_machine_indicators_are_the_registered_ones() -> None:
    from mfcsim.indicators import INDICATORS

    assert sorted(n for n in INDICATORS if n.startswith("machine_")) == sorted(MACHINE_INDICATORS)


def test_the_page_lists_the_columns_of_the_machines_table(queued: Any) -> None:
    page = (HERE.parent / "docs" / "machine-pool.md").read_text()
    table = page.split("one row per operation:")[1].split("\n\n")[1]
    named = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert named == list(queued.extra["machines"].columns) == MACHINE_COLUMNS


def test_a_home_in_lat_lon_travels_the_great_circle_times_the_detour() -> None:
    from mfcsim.network import haversine_km
    from mfcsim.scenario.network import LocationSpec

    data = _data()
    data["network"]["detour_factor"] = 1.3
    data["machine_pools"]["harvester"]["home"] = {"lat": 52.70, "lon": 4.80}
    places = {"farm_a": (52.72, 4.82), "farm_b": (52.75, 4.90), "farm_c": (52.68, 4.95)}
    for farm, (lat, lon) in places.items():
        data["firms"][farm] = {**data["firms"][farm], "location": {"lat": lat, "lon": lon}}
    ops = run_scenario(data).extra["machines"].set_index("firm")
    home = LocationSpec(lat=52.70, lon=4.80)
    for farm, (lat, lon) in places.items():
        km = haversine_km(home, LocationSpec(lat=lat, lon=lon)) * 1.3
        assert ops.loc[farm, "distance_km"] == pytest.approx(km, rel=1e-12)


def test_a_farms_machine_cost_is_a_cost_in_its_value_added() -> None:
    """Hiring the pool's machine is intermediate consumption: value added falls by its cost."""
    paid = run_scenario(_data("generic")).indicators
    free_data = _data("generic")
    free_data["machine_pools"]["harvester"]["cost_eur_per_day"] = 0
    free = run_scenario(free_data).indicators

    def by_firm(frame: Any, name: str) -> Any:
        rows = frame[(frame["indicator"] == name) & (frame["period"] == "all")
                     & frame["scope"].str.startswith("firm:")]  # fmt: skip
        return rows.set_index("scope")["value"]

    cost = by_firm(paid, "machine_cost_eur")
    assert (cost > 0).all()
    assert len(cost) == 3
    drop = by_firm(free, "value_added_eur") - by_firm(paid, "value_added_eur")
    assert drop.loc[cost.index].to_numpy() == pytest.approx(cost.to_numpy(), rel=1e-12)
