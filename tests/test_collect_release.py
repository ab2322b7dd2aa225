"""After the last day, the engine's buffers go once their frames are built (issue 18, memory)."""

import numpy as np
import pytest

from mfcsim.agent import routes as routes_module
from mfcsim.engine.memory import return_freed_memory
from mfcsim.engine.simulation import Simulation
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.scenario.load import scenario_from_dict


def _greedy(n_firms: int = 30, days: int = 20) -> Simulation:
    return Simulation(scenario_from_dict(synthetic_cluster(n_firms, seed=1, days=days,
                                                           policy="greedy")))  # fmt: skip


def test_buffers_are_released_and_the_frames_kept():
    """Shipment records, snapshots and service blocks are empty; the frames hold the rows."""
    sim = _greedy()
    results = sim.run()
    shipments = results.extra["shipments"]
    assert len(shipments) > 0
    assert len(results.stocks) > 0
    assert len(results.extra["service"]) > 0
    assert sim.transport.frame() is shipments  # built once, the records gone
    assert sim.transport._chunks == []
    assert sim.snapshots == []
    assert sim.service_blocks == []
    assert sim.service_rows == []
    assert sim.ledger._chunks == []
    assert results.stocks["t_day"].max() == sim.horizon_day  # every snapshot made it


@pytest.mark.parametrize("dense_firms", [routes_module.DENSE_FIRMS, 5])
def test_forgotten_distances_are_the_same_when_asked_again(monkeypatch, dense_firms):
    """The pair-distance cache (matrix or sorted table) is emptied; distances do not change."""
    monkeypatch.setattr(routes_module, "DENSE_FIRMS", dense_firms)
    routes = _greedy(days=3).agent.routes
    rng = np.random.default_rng(2)
    source, target = rng.integers(0, routes.n_firms, 50), rng.integers(0, routes.n_firms, 50)
    before = routes.distance_km(source, target)
    assert (before > 0.0).any()
    routes.forget_distances()
    if routes._km is not None:
        assert not routes._km.any()
    assert len(routes._pair_codes) == 0
    np.testing.assert_array_equal(routes.distance_km(source, target), before)


def test_return_freed_memory_leaves_the_process_working():
    """glibc's malloc_trim, or nothing elsewhere: it returns and numpy still allocates."""
    return_freed_memory()
    assert np.ones(10).sum() == 10.0
