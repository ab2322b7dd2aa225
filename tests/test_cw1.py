"""CW-1 (benchmarks/cw1.py, cw1_simpy.py): mfcsim and the three SimPy versions agree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import cw1  # noqa: E402
import cw1_simpy  # noqa: E402

from mfcsim.testing import assert_same_on_both_paths  # noqa: E402

SIMPY = [cw1_simpy.run_idiomatic, cw1_simpy.run_lean, cw1_simpy.run_clock]


@pytest.mark.parametrize("run", SIMPY, ids=["idiomatic", "lean", "clock"])
def test_simpy_versions_by_hand(run):
    # one day, two firms: capacities 60 and 80, each gets 80 units
    # firm 0 uses 60 -> residue 12, product 48; firm 1 uses 80 -> residue 16, product 64
    product, residue, _, _ = run(2, 1)
    assert (product, residue) == (112, 28)


def test_four_implementations_agree():
    n, days = 20, 30
    result = cw1.run_mfcsim(n, days)
    mine = (result["total_product"], result["total_residue_shipped"])
    theirs = {run.__name__: run(n, days)[:2] for run in SIMPY}
    assert all(sums == mine for sums in theirs.values()), (mine, theirs)
    # firms above 80 units of capacity use more than the external input only by using lots
    without_lots = sum(min(cw1_simpy.capacity(i), 80) for i in range(n)) * days
    assert mine[0] + mine[1] > without_lots


def test_lots_arrive_before_the_day_they_are_due():
    scenario = cw1.mfcsim.scenario_from_dict(cw1.cw1_scenario(6, days=5))
    results = cw1.mfcsim.Simulation(scenario).run()
    flows = results.flows
    arrivals = flows[(flows["kind"] == "shipment") & (flows["source"] == "in_transit")]
    due = arrivals["t_day"] + 0.5
    assert len(arrivals) > 0
    assert ((due - due.round()).abs() < 1e-9).all()
    assert set(due.round().astype(int)) <= {1, 2, 3, 4, 5}


def test_targets_are_other_firms():
    table = cw1_simpy.targets(50)
    assert all(j != i and 0 <= j < 50 for i, j in enumerate(table))


def test_the_cw1_type_runs_vectorised_and_its_two_versions_agree():
    """The benchmark's firm type writes its day twice (per firm and type-level): same ledger."""
    scenario = cw1.mfcsim.scenario_from_dict(cw1.cw1_scenario(20, days=15))
    assert all(f.vectorised for f in cw1.mfcsim.Simulation(scenario).firms)
    assert_same_on_both_paths(scenario)
