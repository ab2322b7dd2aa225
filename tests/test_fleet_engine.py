"""Fleets as SimPy resources (issue 21): the same schedule as the closed form it replaced.

``tests/data/fleet_closed_form/`` holds the trips, the ledger (sorted on every column) and the
stocks of two busy-fleet cases (:func:`busy_fleet`) as the closed-form schedule of mfcsim
9070260 wrote them: tours waiting for a vehicle, starts on the next working day, lots that
spoil waiting (12 h and whole-day shelf lives) and tours still waiting at the horizon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy
import yaml

from mfcsim import Simulation
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.testing import run_scenario

GOLDEN = Path(__file__).parent / "data" / "fleet_closed_form"
MILK_RUN = Path(__file__).parent / "data" / "fleet_milk_run.yaml"
CASES = {
    "queue_at_horizon": {"count": 2, "working": "5 h", "days": 5, "milk_life": "20 d"},
    "whole_day_shelf_life": {"count": 2, "working": "5 h"},
}


def busy_fleet(
    seed: int = 5, days: int = 8, count: int = 3, working: str = "7 h", milk_life: str = "1 d"
) -> dict[str, Any]:
    """8 farms, 3 cities at random points, 16 daily or two-daily contracts, one fleet."""
    rng = np.random.default_rng(seed)
    stores = {"veg": "unlimited", "milk": "unlimited"}
    firms: dict[str, Any] = {
        "depot": {"type": "generic", "location": {"x_km": 0, "y_km": 0}, "exports": False,
                  "imports": False},
    }  # fmt: skip
    for i in range(8):
        where = {"x_km": float(rng.integers(-30, 30)), "y_km": float(rng.integers(-30, 30))}
        firms[f"farm_{i}"] = {"type": "generic", "exports": False, "imports": False,
                              "location": where, "initial_stock": {"veg": 500.0, "milk": 500.0},
                              "storage": stores}  # fmt: skip
    for j in range(3):
        where = {"x_km": float(rng.integers(-30, 30)), "y_km": float(rng.integers(-30, 30))}
        firms[f"city_{j}"] = {"type": "generic", "exports": False, "imports": False,
                              "location": where, "storage": stores}  # fmt: skip
    contracts = {}
    for i in range(8):
        for mat in ("veg", "milk"):
            j = int(rng.integers(0, 3))
            contracts[f"c_{i}_{mat}"] = {
                "supplier": f"farm_{i}", "receiver": f"city_{j}", "material": mat,
                "quantity": float(rng.integers(1, 6)), "every": int(rng.integers(1, 3)),
            }  # fmt: skip
    return {
        "name": "fleet_stress", "horizon": f"{days} d",
        "materials": {
            "veg": {"unit": "t", "kind": "product", "price": "1000 EUR/t", "shelf_life": "12 h"},
            "milk": {"unit": "t", "kind": "product", "price": "500 EUR/t",
                     "shelf_life": milk_life},
        },
        "firms": firms,
        "network": {"detour_factor": 1.3, "modes": {"truck": {
            "cost": "0.1 EUR/tkm", "co2e": "0.1 kg CO2e/tkm", "speed": "60 km/h"}}},
        "contracts": contracts,
        "fleets": {"lorry": {
            "depot": "depot", "count": count, "capacity_t": "9 t", "cost_per_trip": "50 EUR",
            "cost_per_km": "1 EUR/km", "co2e_loaded": "1 kg CO2e/km",
            "co2e_empty": "0.8 kg CO2e/km", "working_time": working, "stop_time": "10 min",
            "tour": "receiver"}},
    }  # fmt: skip


def _text(frame: pd.DataFrame, *, sort: bool = False) -> str:
    """The frame as CSV text (floats to the last bit), categories as strings."""
    frame = frame.astype(
        {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    )
    if sort:
        frame = frame.sort_values(list(frame.columns))
    return str(frame.to_csv(index=False))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_simpy_schedule_is_the_closed_forms(name: str) -> None:
    """Trips, ledger rows and stocks as the closed form wrote them, to the last bit.

    Ledger rows that tie on the canonical order's keys may come in another order (a tour
    that waited writes its rows when it leaves), hence the ledger sorted on every column.
    """
    results = run_scenario(busy_fleet(**CASES[name]))
    trips = results.extra["trips"]
    assert (trips["start_t_day"] - trips["day"] >= 1).any()  # some waited to a later day
    assert _text(trips) == (GOLDEN / f"{name}_trips.csv").read_text()
    assert _text(results.flows, sort=True) == (GOLDEN / f"{name}_flows.csv").read_text()
    assert _text(results.stocks) == (GOLDEN / f"{name}_stocks.csv").read_text()


def _milk_run(**fleet: object) -> Simulation:
    data = yaml.safe_load(MILK_RUN.read_text())
    data["fleets"]["lorry"].update(fleet)
    return Simulation(scenario_from_dict(data))


def test_vehicles_are_a_simpy_resource_and_a_tour_waits_in_its_queue() -> None:
    """An 8 t lorry: the second tour (farm_b's 2 t) queues until the first is back at 1 h."""
    sim = _milk_run(capacity_t="8 t")
    assert sim.fleets is not None
    lorry = sim.fleets.vehicles[0]
    assert isinstance(lorry, simpy.Resource)
    assert lorry._env is sim.env
    sim.env.run(until=0.5 / 24)  # day 0 planned: one tour out, one waiting
    assert (lorry.count, len(lorry.queue)) == (1, 1)
    sim.env.run(until=1.5 / 24)  # the lorry came back at 1 h and left again
    assert (lorry.count, len(lorry.queue)) == (1, 0)
    sim.env.run(until=2.5 / 24)  # 50 km at 60 km/h: back at 1 h 50 min
    assert (lorry.count, len(lorry.queue)) == (0, 0)


def test_a_lot_spoils_at_the_first_tick_after_its_shelf_life_while_it_waits() -> None:
    """At 1 km/h the first tour takes 60 h; farm_b's 2 t (12 h) are disposed of at day 1.

    They spoil at 0.5 d while their tour waits for the lorry (back at 2.5 d): the stock
    taken at the start of day 1 no longer holds them in transit, only the 8 t on the road.
    """
    sim = _milk_run(capacity_t="8 t", speed="1 km/h", working_time="24 h")
    results = sim.run()
    stocks = results.stocks
    transit = stocks[(stocks["node"] == "in_transit") & (stocks["t_day"] == 1.0)]
    assert float(transit["quantity"].sum()) == pytest.approx(8)
    disposed = results.flows[results.flows["kind"] == "disposal"]
    assert disposed["quantity"].tolist() == pytest.approx([2])
    assert disposed["t_day"].tolist() == pytest.approx([0.5])
    assert results.extra["trips"]["stops"].tolist() == ["farm_a>farm_b>city"]
