"""Shared fixtures of the figure, report and explorer tests: real tiny runs and broken folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mfcsim.engine.simulation import Simulation
from mfcsim.scenario.load import load_scenario

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny.yaml"
OUTAGE = "disruptions.gh_down={kind: outage, firm: greenhouse, start_day: 10, duration: 5 d}"


def write_tiny(folder: Path, *overrides: str, days: int = 30, seed: int = 7) -> Path:
    """Run the tiny scenario and write its run folder (without a report)."""
    scenario = load_scenario(TINY, [*overrides, f"seed={seed}"], days=days)
    return Simulation(scenario).run().write(folder)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of run folders: two tiny runs, a comparison, a broken and an empty folder."""
    root = tmp_path_factory.mktemp("runs")
    write_tiny(root / "tiny", OUTAGE)
    write_tiny(root / "tiny-none", "agent.policy=none")
    broken = root / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"scenario": "tiny"}\n')
    (root / "empty").mkdir()
    compare = [sys.executable, "-m", "mfcsim", "compare", str(TINY), "--a-set",
               "agent.policy=none", "--b-set", "agent.policy=greedy", "--reps", "2", "--days",
               "5", "--out", str(root / "cmp"), "--quiet"]  # fmt: skip
    subprocess.run(compare, check=True, capture_output=True, timeout=300)
    return root
