"""The vectorised kernels and the per-firm hooks write the same ledger, bit for bit.

Every firm whose type keeps the base hooks runs on :mod:`mfcsim.engine.kernel.core` (numpy
over all such firms); the others run their own hooks one by one. Forcing every firm onto the
per-firm path must not change a single row, also under outages, yield and demand shocks, a closure
and a policy change (which the kernels read from the firms the disruptions touched).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mfcsim.engine.kernel import core as kernel
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.testing import ledger_digest, run_scenario

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.yaml"
DISRUPTED = (
    "disruptions.cut={kind: outage, firm: greenhouse, start_day: 4, duration: 10}",
    "disruptions.flaky={kind: outage, firm: dairy, mtbf: 6, mttr: 1.5}",
    "disruptions.drought={kind: yield_shock, firm: greenhouse, start_day: 15, duration: 5,"
    " factor: 0.3}",
    "disruptions.feast={kind: demand_shock, firm: town, start_day: 20, duration: 3, factor: 1.5}",
    "disruptions.milk={kind: yield_shock, firm: dairy, start_day: 2, duration: 20, factor: 0.5}",
    "disruptions.roadworks={kind: link_closure, source: dairy, target: digester, start_day: 6,"
    " duration: 2}",
    "disruptions.tax={kind: policy, day: 10, set: {agent.carbon_price: 80}}",
)


def both_paths(monkeypatch: pytest.MonkeyPatch, run) -> tuple[str, str]:
    """Digests of a run on the kernels and of the same run with every firm on its hooks."""
    vectorised = ledger_digest(run())
    monkeypatch.setattr(kernel, "vectorisable", lambda firm: False)
    return vectorised, ledger_digest(run())


@pytest.mark.parametrize("policy", ["none", "greedy", "optimal"])
def test_tiny_with_disruptions_is_the_same_on_both_paths(monkeypatch, policy):
    """Tiny's five firms (all vectorisable) with outages, shocks, a closure and a policy."""
    overrides = (f"agent.policy={policy}", *DISRUPTED)
    vectorised, per_firm = both_paths(
        monkeypatch, lambda: run_scenario(TINY, overrides=overrides, days=30)
    )
    assert vectorised == per_firm


def test_synthetic_cluster_with_shocks_is_the_same_on_both_paths(monkeypatch):
    """Forty firms of mixed types with a yield shock, a demand shock and an outage."""
    data = synthetic_cluster(40, seed=3, days=40, policy="greedy")
    firms = list(data["firms"])
    data["disruptions"] = {
        "dry": {"kind": "yield_shock", "firm": firms[3], "start_day": 5, "duration": 20,
                "factor": 0.4},
        "rush": {"kind": "demand_shock", "firm": firms[-1], "start_day": 10, "duration": 10,
                 "factor": 2.0},
        "down": {"kind": "outage", "firm": firms[7], "start_day": 8, "duration": 6},
    }  # fmt: skip
    vectorised, per_firm = both_paths(monkeypatch, lambda: run_scenario(data))
    assert vectorised == per_firm


def test_service_rows_are_the_same_on_both_paths(monkeypatch):
    """Buyers' service frame (not in the ledger digest) from the kernels and from the hooks."""
    data = synthetic_cluster(40, seed=3, days=40, policy="greedy")
    firms = list(data["firms"])
    data["disruptions"] = {
        "rush": {"kind": "demand_shock", "firm": firms[-1], "start_day": 10, "duration": 10,
                 "factor": 2.0},
        "down": {"kind": "outage", "firm": firms[7], "start_day": 8, "duration": 6},
    }  # fmt: skip
    vectorised = run_scenario(data).extra["service"]
    monkeypatch.setattr(kernel, "vectorisable", lambda firm: False)
    per_firm = run_scenario(data).extra["service"]
    assert len(vectorised) > 0
    pd.testing.assert_frame_equal(vectorised, per_firm, check_exact=True)


def test_a_day_s_plan_is_reused_only_while_firms_and_disruptions_stay_the_same():
    """planned_for returns the plan phase's array to the agent, unless something changed."""
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.load import scenario_from_dict

    sim = Simulation(scenario_from_dict(synthetic_cluster(20, seed=1, days=5, policy="none")))
    k, everyone = sim.kernel, np.ones(len(sim.firms), dtype=bool)
    first = k.planned_for(2, everyone)
    assert k.planned_for(2, everyone.copy()) is first
    assert not first.flags.writeable
    firm = sim.firms[int(k.proc_firm[np.argmax(first)])]
    sim.disruptions.touched[firm.index] = firm
    firm.shocks["dry"] = ("yield_shock", 0.5)
    shocked = k.planned_for(2, everyone)
    assert shocked is not first
    assert shocked.sum() < first.sum()
    firm.shocks.clear()
    firm.down = 1
    assert k.planned_for(2, everyone).sum() < first.sum()
    firm.down = 0
    fewer = everyone.copy()
    fewer[firm.index] = False
    assert k.planned_for(2, fewer).sum() < first.sum()
    assert k.planned_for(3, everyone) is not first
    np.testing.assert_array_equal(k.planned_for(2, everyone), first)
