"""Fleets (issue 21): shared tours, their load factor, a full vehicle, a lot that spoils.

The expectations are computed by hand on tests/data/fleet_milk_run.yaml: a depot at 0 km,
farm_a at 10 km (4 t), farm_b at 20 km (6 t) and the city at 30 km, on one line (detour 1),
a lorry of 10 t at 60 km/h, 50 EUR a trip and 1 EUR/km, 1 kg CO2e per loaded and 0.8 kg per
empty vehicle-km.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mfcsim.cli import main
from mfcsim.errors import ScenarioError
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import ledger_digest, run_scenario

CASE = Path(__file__).parent / "data" / "fleet_milk_run.yaml"


def case(**fleet: object) -> dict:
    """The milk-run scenario as a mapping, with some of the lorry's fields replaced."""
    data = yaml.safe_load(CASE.read_text())
    data["fleets"]["lorry"].update(fleet)
    return data


def with_stock(data: dict, farm: str, tonnes: float) -> dict:
    """The scenario with ``farm`` holding ``tonnes`` of vegetables at the start."""
    data["firms"][farm]["initial_stock"] = {"veg": tonnes}
    return data


def test_two_stop_tour_and_its_load_factor() -> None:
    """depot > farm_a > farm_b > city > depot: 40 km empty, 20 loaded, 140 t*km: 0.7."""
    results = run_scenario(case())
    trips = results.extra["trips"]
    assert len(trips) == 1
    trip = trips.iloc[0]
    assert trip["stops"] == "farm_a>farm_b>city"
    assert (trip["km_empty"], trip["km_loaded"], trip["tkm"]) == pytest.approx((40, 20, 140))
    assert trip["tkm"] / (trip["capacity_t"] * trip["km_loaded"]) == pytest.approx(0.7)
    assert trip["cost_eur"] == pytest.approx(50 + 60 * 1.0)
    assert trip["co2e_t"] == pytest.approx(20 * 0.001 + 40 * 0.0008)
    # alone: 4 t x 20 km + 6 t x 10 km at 0.1 EUR and 0.1 kg CO2e per t*km
    assert (trip["per_lot_cost_eur"], trip["per_lot_co2e_t"]) == pytest.approx((14, 0.014))
    assert (trip["start_t_day"], trip["end_t_day"]) == pytest.approx((0, 1 / 24))


def test_trip_cost_and_co2e_go_to_the_lots_by_their_t_km() -> None:
    """farm_a's 80 t*km of 140 carry 4/7 of the trip; the ledger adds up to the trip."""
    results = run_scenario(case())
    sent = results.extra["shipments"].astype({"supplier": str}).set_index("supplier")
    assert sent.loc["farm_a", "cost_eur"] == pytest.approx(110 * 80 / 140)
    assert sent.loc["farm_b", "co2e_t"] == pytest.approx(0.052 * 60 / 140)
    assert (sent.loc["farm_a", "distance_km"], sent.loc["farm_b", "distance_km"]) == (20, 10)
    assert set(sent["mode"]) == {"fleet:lorry"}
    # both arrive when the lorry reaches the city: 30 km at 60 km/h
    assert sent["arrival_t_day"].tolist() == pytest.approx([0.5 / 24] * 2)
    rows = results.flows[results.flows["kind"] == "shipment"]
    assert rows["value_eur"].sum() == pytest.approx(110)
    assert rows["co2e_t"].sum() == pytest.approx(0.052)
    stock = results.stocks
    end = stock[(stock["node"] == "city") & (stock["t_day"] == stock["t_day"].max())]
    assert float(end["quantity"].sum()) == pytest.approx(10)


def test_a_full_vehicle_forces_a_second_trip() -> None:
    """An 8 t lorry: farm_a's 4 t and 4 of farm_b's 6 t, then farm_b's other 2 t."""
    results = run_scenario(case(capacity_t="8 t"))
    trips = results.extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>farm_b>city", "farm_b>city"]
    assert trips["load_t"].tolist() == pytest.approx([8, 2])
    assert trips["km_empty"].tolist() == pytest.approx([40, 50])
    load_factor = trips["tkm"] / (trips["capacity_t"] * trips["km_loaded"])
    assert load_factor.tolist() == pytest.approx([(4 * 20 + 4 * 10) / (8 * 20), 2 * 10 / (8 * 10)])
    # one lorry: the second trip leaves when the first is back (1 h)
    assert trips["start_t_day"].tolist() == pytest.approx([0, 1 / 24])


def test_a_waiting_lot_spoils() -> None:
    """Working 1 h a day, the second trip waits to day 1; vegetables keep 12 h: they spoil."""
    results = run_scenario(case(capacity_t="8 t", working_time="1 h"))
    trips = results.extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>farm_b>city"]
    flows = results.flows
    spoiled = flows[flows["kind"] == "disposal"]
    assert spoiled["source"].astype(str).tolist() == ["farm_b"]  # back to it, then disposed
    assert spoiled["quantity"].tolist() == pytest.approx([2])
    assert spoiled["t_day"].tolist() == pytest.approx([0.5])  # handed over at 0, keeps 12 h
    table = results.extra["fleet_spoiled"]
    assert table[["supplier", "receiver", "quantity"]].values.tolist() == [["farm_b", "city", 2]]
    stock = results.stocks
    end = stock[(stock["node"] == "city") & (stock["t_day"] == stock["t_day"].max())]
    assert float(end["quantity"].sum()) == pytest.approx(8)


def test_a_lot_that_keeps_waits_for_the_next_day() -> None:
    """Without a shelf life the 2 t wait and go at the start of day 1."""
    data = case(capacity_t="8 t", working_time="1 h")
    del data["materials"]["veg"]["shelf_life"]
    trips = run_scenario(data).extra["trips"]
    assert trips["start_t_day"].tolist() == pytest.approx([0, 1])
    assert trips["day"].tolist() == [0, 0]


def test_two_vehicles_go_at_once() -> None:
    """With two lorries both trips leave at 0."""
    trips = run_scenario(case(capacity_t="8 t", count=2)).extra["trips"]
    assert trips["start_t_day"].tolist() == [0, 0]
    assert trips["vehicle"].tolist() == [0, 1]


def test_capacity_in_m3_counts_materials_in_m3() -> None:
    """In m3 (1 t/m3): farm_a's 4 and 1 of farm_b's 6 fill a 5 m3 tanker; the other 5 go next."""
    data = case(capacity_t=None, capacity_m3="5 m3")
    data["materials"]["veg"] = {"unit": "m3", "kind": "residue", "density": "1 t/m3"}
    for farm, m3 in (("farm_a", 4), ("farm_b", 6)):
        data["firms"][farm]["initial_stock"] = {"veg": m3}
        data["firms"][farm]["storage"] = {"veg": "unlimited"}
    data["firms"]["city"]["storage"] = {"veg": "unlimited"}
    trips = run_scenario(data).extra["trips"]
    assert trips["load_t"].tolist() == pytest.approx([5, 5])
    assert trips["stops"].tolist() == ["farm_a>farm_b>city", "farm_b>city"]


def test_runs_with_a_fleet_are_deterministic() -> None:
    """Same scenario, same ledger and trips, to the bit."""
    a, b = run_scenario(case(capacity_t="8 t")), run_scenario(case(capacity_t="8 t"))
    assert ledger_digest(a) == ledger_digest(b)
    assert a.extra["trips"].equals(b.extra["trips"])


def test_the_trips_table_is_written_and_read_back(tmp_path: Path) -> None:
    """trips.parquet is in the run folder and comes back with the results."""
    from mfcsim.results import Results

    folder = run_scenario(case()).write(tmp_path / "run")
    assert (folder / "trips.parquet").exists()
    assert len(Results.read(folder).extra["trips"]) == 1


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "words"),
    [
        ("depot: depot", "depot: depo", "depot: depo", "fleets.lorry.depot",
         "unknown firm 'depo' (accepted: city, depot, farm_a, farm_b)"),
        ("capacity_t: 10 t", "capacity_t: null", "capacity_t: null", "fleets.lorry.capacity_t",
         "give capacity_t, capacity_m3 or both"),
        ("working_time: 10 h", "working_time: 30 h", "working_time: 30 h",
         "fleets.lorry.working_time", "30 h a day (accepted: at most 24 h)"),
        ("count: 1", "count: 1\n    mode: ship", "mode: ship", "fleets.lorry.mode",
         "unknown mode 'ship' (accepted: truck)"),
        ("stop_time: 0 h", "stop_time: 0 h\n    tour: nearest", "tour: nearest",
         "fleets.lorry.tour", "Input should be 'receiver' or 'savings' (got 'nearest')"),
        ("stop_time: 0 h", "stop_time: 0 h\n    agent_load_factor: 1.5",
         "agent_load_factor: 1.5", "fleets.lorry.agent_load_factor",
         "(got 1.5; accepted: a number <= 1)"),
        ("capacity_t: 10 t", "capacity_m3: 10 m3\n    agent_load_factor: 0.5",
         "agent_load_factor: 0.5", "fleets.lorry.agent_load_factor",
         "needs capacity_t (accepted: with capacity_t only)"),
    ],
)  # fmt: skip
def test_bad_fleet_fields_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, needle: str,
    field: str, words: str,
) -> None:  # fmt: skip
    """A bad fleet field names file, line, field and what is accepted; the CLI exits 2."""
    text = CASE.read_text()
    assert text.count(old) == 1
    text = text.replace(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.field) == (line, field)
    assert words in info.value.problem
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mfcsim: error: {path}:{line}: {field}: ")
    assert err.count("\n") == 1


def _cluster(results: Results, name: str) -> float:
    frame = results.indicators
    row = frame[(frame["indicator"] == name) & (frame["scope"] == "cluster")
                & (frame["period"] == "all")]  # fmt: skip
    assert len(row) == 1, name
    return float(row["value"].iloc[0])


def test_logistics_indicators_of_the_two_stop_tour() -> None:
    """Trips, vehicle-km, load factor, empty share, CO2e and cost per unit, vs per lot."""
    results = run_scenario(case())
    expected = {
        "fleet_trips": 1, "fleet_vehicle_km": 60, "fleet_load_factor": 0.7,
        "fleet_empty_km_share": 40 / 60, "fleet_t_co2e_per_vehicle_km": 0.052 / 60,
        "fleet_t_co2e_per_t": 0.052 / 10, "fleet_eur_per_t": 110 / 10,
        "fleet_vs_per_lot_t_co2e": 0.052 - 0.014, "fleet_vs_per_lot_eur": 110 - 14,
        "fleet_spoiled_t": 0,
    }  # fmt: skip
    assert {name: _cluster(results, name) for name in expected} == pytest.approx(expected)
    # transport CO2e comes from the vehicle-km, counted once
    assert _cluster(results, "ghg_transport_t_co2e") == pytest.approx(0.052)
    assert _cluster(results, "transport_cost_eur") == pytest.approx(110)
    assert _cluster(results, "transport_tkm") == pytest.approx(140)


def test_spoiled_lots_are_reported() -> None:
    """The 2 t left behind count as spoiled."""
    results = run_scenario(case(capacity_t="8 t", working_time="1 h"))
    assert _cluster(results, "fleet_spoiled_t") == pytest.approx(2)


def test_fleet_indicators_are_absent_without_fleets() -> None:
    """A scenario without fleets reports none of them."""
    from mfcsim.indicators.logistics import FLEET_ONLY

    data = case()
    del data["fleets"]
    reported = set(run_scenario(data).indicators["indicator"])
    assert not reported & FLEET_ONLY
    assert set(run_scenario(case()).indicators["indicator"]) >= FLEET_ONLY


def test_rounding_makes_no_second_trip_for_a_speck() -> None:
    """0.1 t + 0.2 t in a 0.3 t vehicle: 0.3 - 0.1 is 0.19999999999999998, still one trip."""
    data = with_stock(with_stock(case(capacity_t=0.3), "farm_a", 0.1), "farm_b", 0.2)
    trips = run_scenario(data).extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>farm_b>city"]


def test_the_agents_lots_go_by_the_fleet() -> None:
    """The agent's matches are handed to the fleet: shipped by it, balanced, per receiver."""
    from .test_agent_shelf_life import scenario as agent_case

    data = agent_case(None, 20.0)
    data["fleets"] = {
        "van": {"depot": "farm", "capacity_t": "3 t", "co2e_loaded": 0.001, "co2e_empty": 0.0008}
    }
    results = run_scenario(data)
    sent = results.extra["shipments"]
    agent = sent[sent["origin"] == "agent"]
    assert len(agent) > 0
    assert set(agent["mode"]) == {"fleet:van"}
    trips = results.extra["trips"]
    assert (trips["load_t"] <= 3 + 1e-9).all()
    assert trips["load_t"].sum() == pytest.approx(agent["quantity"].sum())
    # from the depot at the farm: no empty km out, 20 km back
    assert set(trips["km_empty"]) == {20.0}
