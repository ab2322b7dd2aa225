"""The agent's pair-distance cache: laid out by place, paged in only where written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mfcsim.agent.routes import morton_slots, zeroed_matrix
from mfcsim.engine.simulation import Simulation
from mfcsim.network import TransportNetwork
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.scenario.load import scenario_from_dict


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 1e6


def test_morton_slots_are_a_permutation_that_keeps_quadrants_together():
    """A 4 x 4 grid: each 2 x 2 quadrant takes four consecutive slots (Z-order)."""
    xy = np.array([(x, y) for y in range(4) for x in range(4)], dtype=float)
    slots = morton_slots(xy)
    assert sorted(slots.tolist()) == list(range(16))
    for qx in (0, 2):
        for qy in (0, 2):
            inside = (xy[:, 0] // 2 == qx // 2) & (xy[:, 1] // 2 == qy // 2)
            got = np.sort(slots[inside])
            assert got.tolist() == list(range(got[0], got[0] + 4))


def test_cached_distances_are_the_networks_bit_for_bit():
    """Through the slots, every pair's cached km equals the network's, asked twice."""
    scenario = scenario_from_dict(synthetic_cluster(30, seed=5, days=3, policy="greedy"))
    network = TransportNetwork(scenario)
    routes = Simulation(scenario).agent.routes
    source, target = np.divmod(np.arange(30 * 30), 30)
    want = network.distances_km(source, target)
    np.testing.assert_array_equal(routes.distance_km(source, target), want)
    back = want.reshape(30, 30).T.ravel()
    np.testing.assert_array_equal(routes.distance_km(target, source), back)


def test_the_zeroed_matrix_takes_memory_only_where_written():
    """128 MB of matrix, 100 cells written 40 rows apart: a few hundred KB resident, not the
    2 MB huge page per cell that numpy's own zeros would get."""
    before = _resident_mb()
    matrix = zeroed_matrix(4000)
    assert matrix.shape == (4000, 4000)
    assert matrix.dtype == np.float64
    matrix[np.arange(100) * 40, np.arange(100) * 37] = 1.5
    grown = _resident_mb() - before
    assert matrix.sum() == 150.0
    assert grown < 16.0, grown
