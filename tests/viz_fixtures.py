"""Shared fixtures of the figure, report and explorer tests: real tiny runs and broken folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfcsim.scenario.load import load_scenario
from mfcsim.simulation import Simulation

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny.yaml"
OUTAGE = "disruptions.gh_down={kind: outage, firm: greenhouse, start_day: 10, duration: 5 d}"


def write_tiny(folder: Path, *overrides: str, days: int = 30, seed: int = 7) -> Path:
    """Run the tiny scenario and write its run folder (without a report)."""
    scenario = load_scenario(TINY, [*overrides, f"seed={seed}"], days=days)
    return Simulation(scenario).run().write(folder)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of run folders: two tiny runs, a broken one and an empty one."""
    root = tmp_path_factory.mktemp("runs")
    write_tiny(root / "tiny", OUTAGE)
    write_tiny(root / "tiny-none", "agent.policy=none")
    broken = root / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"scenario": "tiny"}\n')
    (root / "empty").mkdir()
    return root
