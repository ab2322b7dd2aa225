"""The regional agent priced on the fleets' costs (issue 21, ``agent_load_factor``).

The case is tests/test_agent_shelf_life.py's farm and town 20 km apart (the truck mode at
0.1 EUR and 0 kg CO2e per t·km, veg 1 t a unit), its veg carried by a 3 t van at 1.2 EUR
and 1 kg (loaded) or 0.8 kg (empty) CO2e per vehicle-km.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mfcsim import Simulation, scenario_from_dict
from mfcsim.testing import run_scenario

from .test_agent_shelf_life import agent_tonnes
from .test_agent_shelf_life import scenario as agent_case


def with_van(**priced: object) -> dict[str, Any]:
    """The farm-to-town case with its veg carried by a van (``priced``: its agent_ fields)."""
    data = agent_case(None, 20.0)
    data["fleets"] = {"van": {
        "depot": "farm", "capacity_t": "3 t", "cost_per_km": "1.2 EUR/km",
        "co2e_loaded": "1 kg CO2e/km", "co2e_empty": "0.8 kg CO2e/km", **priced,
    }}  # fmt: skip
    return data


def test_the_agent_prices_a_fleet_lot_per_t_km_at_the_load_factor() -> None:
    """Load factor 0.5, 40 % empty: 1 / (3 t x 0.5 x 0.6) = 1/0.9 vehicle-km per t*km.

    That is 1.2 / 0.9 = 1.333 EUR and (1 x 0.6 + 0.8 x 0.4) / 0.9 = 1.022 kg CO2e per t*km;
    the 20 km farm-to-town arc costs 20 x 1.333 = 26.67 EUR a tonne (no carbon price).
    """
    data = with_van(agent_load_factor=0.5, agent_empty_share=0.4)
    sim = Simulation(scenario_from_dict(data))
    routes = sim.agent.routes
    veg = sim.world.material_index["veg"]
    assert routes.cost_per_tkm[veg] == pytest.approx(1.2 / 0.9)
    assert routes.co2e_per_tkm[veg] == pytest.approx((0.001 * 0.6 + 0.0008 * 0.4) / 0.9)
    farm, town = sim.world.firm_ids.index("farm"), sim.world.firm_ids.index("town")
    ok, cost, km, _ = routes.columns(np.array([farm]), np.array([town]), np.array([veg]))
    assert bool(ok[0])
    assert (km[0], cost[0]) == pytest.approx((20, 20 * 1.2 / 0.9))


def test_without_a_load_factor_the_agent_prices_the_mode() -> None:
    """No agent_load_factor: the mode's 0.1 EUR per t*km, 2 EUR a tonne over 20 km."""
    sim = Simulation(scenario_from_dict(with_van()))
    veg = sim.world.material_index["veg"]
    assert sim.agent.routes.cost_per_tkm[veg] == pytest.approx(0.1)


def test_a_fleet_too_dear_for_the_agent_carries_nothing() -> None:
    """At a load factor of 1e-4 a tonne costs 1.2 / 3e-4 x 20 = 80,000 EUR over 20 km,
    more than the town's import (2,000 EUR/t): the agent sends no veg; at 0.5 it does."""
    assert agent_tonnes(run_scenario(with_van(agent_load_factor=0.5))) > 0
    assert agent_tonnes(run_scenario(with_van(agent_load_factor=1e-4))) == 0
