"""After the last day, the engine's buffers go once their frames are built (issue 18, memory)."""

import numpy as np
import pytest

from mfcsim.agent import routes as routes_module
from mfcsim.engine.simulation import Simulation
from mfcsim.heap import return_freed_memory
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


def test_shipments_frame_is_built_without_a_second_copy_of_the_records():
    """Numpy's traced peak while the shipments frame is built: about the frame, not twice.

    What is traced is what the build allocates (the records were allocated before): the
    frame's 6 float columns and its codes, first as the records' 4-byte integers, about 1.2
    times the records' 72 bytes a row, while each chunk of records is released once copied.
    Joining the records first, then letting pandas gather the float columns, took 2.0 times.
    """
    import tracemalloc

    sim = _greedy(n_firms=400, days=60)
    sim.env.run(until=sim.horizon_day)
    sim.transport._flush()
    records = sum(chunk.nbytes for chunk in sim.transport._chunks)
    assert records > 1_000_000
    tracemalloc.start()
    try:
        frame = sim.transport.frame()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(frame) * 72 == records
    assert peak < 1.4 * records


def test_each_step_after_the_loop_hands_the_freed_heap_back(monkeypatch):
    """The frames of collect, the balance check and every indicator on every period each end
    with ``return_freed_memory`` (so one step's freed arrays do not raise the next's peak)."""
    from mfcsim import results as results_module
    from mfcsim.engine import collect as collect_module
    from mfcsim.indicators import compute_indicators, known_indicators, registry

    calls = {"collect": 0, "check": 0, "indicators": 0}
    for module, key in ((collect_module, "collect"), (results_module, "check"),
                        (registry, "indicators")):  # fmt: skip
        monkeypatch.setattr(module, "return_freed_memory",
                            lambda key=key: calls.__setitem__(key, calls[key] + 1))  # fmt: skip
    sim = _greedy()
    results = sim.run()
    assert calls["collect"] >= 5  # shipments, service, activity, stocks, the end
    assert calls["check"] >= 1
    frame = compute_indicators(results)
    periods = frame.loc[~frame["period"].str.contains("_vs_"), "period"].nunique()
    assert calls["indicators"] == len(known_indicators()) * periods
