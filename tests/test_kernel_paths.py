"""The vectorised kernels and the per-firm hooks write the same ledger, bit for bit.

Every firm whose type keeps the base hooks runs on :mod:`mfcsim.kernel` (numpy over all such
firms); the others run their own hooks one by one. Forcing every firm onto the per-firm path
must not change a single row, also under outages, yield and demand shocks, a closure and a
policy change (which the kernels read from the firms the disruptions touched).
"""

from pathlib import Path

import pandas as pd
import pytest

from mfcsim import kernel
from mfcsim.synthetic import synthetic_cluster
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
