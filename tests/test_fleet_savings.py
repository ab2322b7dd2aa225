"""Multi-drop tours by savings (issue 21, ``tour: savings``), computed by hand.

Two receivers 1 km apart, on a line (detour 1): depot 0 km, farm_a 10 km with 4 t for
city_1 at 30 km, farm_b 20 km with 3 t for city_2 at 31 km; a 10 t lorry at 60 km/h.
One receiver a tour: depot > farm_a > city_1 > depot (10 + 20 + 30 = 60 km) and
depot > farm_b > city_2 > depot (20 + 11 + 31 = 62 km). Merged: depot > farm_a > farm_b >
city_1 > city_2 > depot, 10 + 10 + 10 + 1 + 31 = 62 km (dropping at city_2 first is as
long, 10 + 10 + 11 + 1 + 30, and the tie goes to the first tour's drops first): a saving
of 60 km.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from mfcsim.engine.savings import Chains, Vehicle, merge_order
from mfcsim.testing import run_scenario

CASE = Path(__file__).parent / "data" / "fleet_milk_run.yaml"


def two_receivers(**fleet: object) -> dict[str, Any]:
    """The milk run with farm_b's lot going to a second city 1 km beyond the first."""
    data = yaml.safe_load(CASE.read_text())
    firms = data["firms"]
    firms["farm_b"]["initial_stock"] = {"veg": 3}
    firms["city_1"] = firms.pop("city")
    firms["city_2"] = {**firms["city_1"], "location": {"x_km": 31, "y_km": 0}}
    data["contracts"]["a_city"]["receiver"] = "city_1"
    data["contracts"]["b_city"]["receiver"] = "city_2"
    data["fleets"]["lorry"].update(fleet)
    return data


def test_two_receivers_1_km_apart_share_one_trip() -> None:
    """One trip of 62 km instead of 122: 21 loaded, 41 empty, 113 t*km, load factor 0.54."""
    results = run_scenario(two_receivers(tour="savings"))
    trips = results.extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>farm_b>city_1>city_2"]
    trip = trips.iloc[0]
    assert (trip["km_loaded"], trip["km_empty"]) == pytest.approx((21, 41))
    assert trip["tkm"] == pytest.approx(4 * 20 + 3 * 11)
    assert trip["tkm"] / (trip["capacity_t"] * trip["km_loaded"]) == pytest.approx(113 / 210)
    assert trip["cost_eur"] == pytest.approx(50 + 62)
    assert trip["co2e_t"] == pytest.approx(21 * 0.001 + 41 * 0.0008)
    sent = results.extra["shipments"].astype({"receiver": str}).set_index("receiver")
    # city_1 reached after 30 km, city_2 after 31 km, at 60 km/h
    assert sent.loc["city_1", "arrival_t_day"] == pytest.approx(30 / 60 / 24)
    assert sent.loc["city_2", "arrival_t_day"] == pytest.approx(31 / 60 / 24)
    assert (sent.loc["city_1", "distance_km"], sent.loc["city_2", "distance_km"]) == (20, 11)
    stocks = results.stocks
    end = stocks[stocks["t_day"] == stocks["t_day"].max()].set_index("node")["quantity"]
    assert (end["city_1"], end["city_2"]) == pytest.approx((4, 3))


def test_one_receiver_a_tour_drives_both_alone() -> None:
    """``tour: receiver``: two trips, 60 and 62 km."""
    trips = run_scenario(two_receivers(tour="receiver")).extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>city_1", "farm_b>city_2"]
    assert (trips["km_loaded"] + trips["km_empty"]).tolist() == pytest.approx([60, 62])


def test_loads_that_do_not_fit_together_are_not_merged() -> None:
    """A 6 t lorry cannot take 4 t and 3 t at once: two trips, as one receiver a tour."""
    trips = run_scenario(two_receivers(tour="savings", capacity_t="6 t")).extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>city_1", "farm_b>city_2"]


def test_a_merged_tour_must_fit_in_a_working_day() -> None:
    """5 min a stop: alone 60 + 10 and 62 + 10 min, merged 62 + 20 min (4 stops).

    A working day of 75 min takes each tour alone (two lorries) but not the merged one;
    85 min takes it.
    """
    for minutes, n_trips in ((75, 2), (85, 1)):
        data = two_receivers(
            tour="savings", working_time=f"{minutes} min", stop_time="5 min", count=2
        )
        trips = run_scenario(data).extra["trips"]
        assert len(trips) == n_trips
        assert trips["start_t_day"].tolist() == [0.0] * n_trips


def test_suppliers_further_apart_than_the_span_do_not_share_a_tour() -> None:
    """The merged pickup chain farm_a > farm_b is 10 km: a 9 km span keeps the tours apart."""
    trips = run_scenario(two_receivers(tour="savings", tour_span="9 km")).extra["trips"]
    assert trips["stops"].tolist() == ["farm_a>city_1", "farm_b>city_2"]
    trips = run_scenario(two_receivers(tour="savings", tour_span="10 km")).extra["trips"]
    assert len(trips) == 1


def _depot_deliveries(capacity_t: float) -> list[tuple[int, int, int]]:
    """Three 4 t deliveries from the depot (0 km) to shops at 10, 20 and 5 km, on a line."""
    where = np.array([0.0, 10.0, 20.0, 5.0])  # depot, shop_1, shop_2, shop_3
    km = np.abs(where[:, None] - where[None, :])
    zero, shops = np.zeros(3, dtype=np.int64), np.array([1, 2, 3])
    chains = Chains(km, 0, zero, zero.copy(), shops, shops.copy(), np.zeros(3), np.zeros(3),
                    np.full(3, 4.0), np.zeros(3), np.full(3, 2))  # fmt: skip
    return merge_order(chains, Vehicle(capacity_t, np.inf, 1e6, 0.0, 1.0))


def test_savings_on_three_points() -> None:
    """Savings d(0,i) + d(0,j) - d(i,j): shops 1-2: 10 + 20 - 10 = 20, 1-3 and 2-3: 10.

    An 8 t vehicle takes two 4 t loads: shops 1 and 2 merge (the largest saving), shop 3
    stays alone (12 t would not fit). With 12 t, shop 3 joins next: the route depot >
    1 > 2 (40 km) and depot > 3 (10 km) merge into depot > 1 > 2 > 3 > depot, 10 + 10 +
    15 + 5 = 40 km, a saving of 10 (depot > 3 > 1 > 2 is as long: the tie keeps the
    first route's drops first).
    """
    assert _depot_deliveries(8.0) == [(0, 1, 0)]
    assert _depot_deliveries(12.0) == [(0, 1, 0), (0, 2, 0)]


def test_savings_tours_are_deterministic_and_balance() -> None:
    """The busy fleet with multi-drop tours: same ledger and trips twice, mass balanced."""
    from mfcsim.testing import ledger_digest

    from .test_fleet_engine import busy_fleet

    data = busy_fleet(count=2, working="5 h")
    data["fleets"]["lorry"].update(tour="savings", tour_span="500 km")
    a, b = run_scenario(data), run_scenario(data)
    assert ledger_digest(a) == ledger_digest(b)
    assert a.extra["trips"].equals(b.extra["trips"])
    drops = a.extra["trips"]["stops"].str.count("city_")
    assert (drops > 1).any()  # some tours serve several cities
