"""Golden ledgers and indicators: optimisations must not change a single row or value.

Regenerate with `make golden` only for a change that is meant to change them.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.testing import ledger_digest, run_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "ledger_digests.json"
GOLDEN_INDICATORS = ROOT / "tests" / "golden" / "indicator_digests.json"
CASES = {
    "tiny-none": ("scenarios/tiny.yaml", ("agent.policy=none",)),
    "tiny-greedy": ("scenarios/tiny.yaml", ("agent.policy=greedy",)),
    "tiny-optimal": ("scenarios/tiny.yaml", ("agent.policy=optimal",)),
    "tiny-disrupted": (
        "scenarios/tiny.yaml",
        (
            "agent.policy=optimal",
            "firms.dairy.variability.activity_cv=0.1",
            "disruptions.gh={kind: outage, firm: greenhouse, mtbf: 6, mttr: 1}",
        ),
    ),
}


# The LP policy is left out: HiGHS may pick another of several equal optima in a new release.
SYNTHETIC = {f"synthetic40-{p}": p for p in ("none", "greedy")}


def digests() -> dict[str, str]:
    out = {
        name: ledger_digest(run_scenario(ROOT / path, overrides=overrides, days=30))
        for name, (path, overrides) in CASES.items()
    }
    for name, policy in SYNTHETIC.items():
        data = synthetic_cluster(40, seed=3, days=20, policy=policy)
        out[name] = ledger_digest(run_scenario(data))
    return out


def test_ledgers_match_their_golden_digests():
    """Each reference run reproduces its recorded ledger and stocks bit for bit."""
    if os.environ.get("MFCSIM_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(digests(), indent=2, sort_keys=True) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert digests() == want


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_runs_give_the_same_digest(name):
    """The digest is a function of the scenario and seed only."""
    path, overrides = CASES[name]
    a = ledger_digest(run_scenario(ROOT / path, overrides=overrides, days=10))
    b = ledger_digest(run_scenario(ROOT / path, overrides=overrides, days=10))
    assert a == b


#: Runs whose indicators (every period, scope and comparison) and kpis.json are pinned.
INDICATOR_CASES = {
    "tiny-none": ("scenarios/tiny.yaml", ("agent.policy=none",)),
    "default": ("scenarios/default.yaml", ()),
    "tiny-cooperative": ("scenarios/tiny_cooperative.yaml", ()),
    "machine-pool": ("scenarios/examples/machine_pool.yaml", ()),
}


def values_digest(results) -> str:
    """A SHA-256 of the indicators frame and the KPIs, exact to the last bit of every value."""
    digest = hashlib.sha256()
    for row in results.indicators.itertuples(index=False):
        digest.update(
            f"{row.indicator}|{row.scope}|{row.period}|{row.value!r}|{row.unit}\n".encode()
        )
    for name, value in results.view("kpi_values").items():
        digest.update(f"{name}|{value!r}\n".encode())
    return digest.hexdigest()


def indicator_digests() -> dict[str, str]:
    out = {
        name: values_digest(run_scenario(ROOT / path, overrides=overrides, days=30))
        for name, (path, overrides) in INDICATOR_CASES.items()
    }
    data = synthetic_cluster(40, seed=3, days=20, policy="greedy")
    out["synthetic40-greedy"] = values_digest(run_scenario(data))
    return out


def test_indicators_match_their_golden_digests():
    """Each reference run gives the recorded indicators and KPIs bit for bit."""
    if os.environ.get("MFCSIM_WRITE_GOLDEN") == "1":
        GOLDEN_INDICATORS.write_text(
            json.dumps(indicator_digests(), indent=2, sort_keys=True) + "\n"
        )
    assert indicator_digests() == json.loads(GOLDEN_INDICATORS.read_text())
