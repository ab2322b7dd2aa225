"""Benchmark: a stateful firm type with type-level hooks against the same firms as generic.

Every firm of the synthetic 1,000-firm cluster (seed 1, a year, greedy clearing) becomes a
firm of a stateful type: it remembers how well its first process was supplied lately (an
exponential average of its utilisation, updated in ``after_produce``) and plans less after
lean days (``planned_activity``). Three versions run in one process, one after the other,
repeated: ``generic`` (the same firms as plain generic firms), ``type-level`` (the stateful
type with its twins ``plan_many`` and ``after_produce_many``: vectorised path) and
``per-firm`` (the same type without twins: per-firm path). The issue's target: type-level
within 2x of generic, in one run.

    .venv/bin/python benchmarks/stateful.py [--firms 1000] [--days 365] [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mfcsim.engine.simulation import Simulation  # noqa: E402
from mfcsim.firms.generic import GenericFirm  # noqa: E402
from mfcsim.firms.group import FirmGroup  # noqa: E402
from mfcsim.firms.process import Process  # noqa: E402
from mfcsim.scenario.generate import synthetic_cluster  # noqa: E402
from mfcsim.scenario.load import scenario_from_dict  # noqa: E402

MEMORY = 0.8


class Remembering(GenericFirm, type_name="bench_remembering_per_firm"):
    """Plans less after lean days: per-firm hooks only (the per-firm path)."""

    def setup(self) -> None:
        self.supplied = 1.0

    def planned_activity(self, day: int, process: Process) -> float:
        return super().planned_activity(day, process) * (0.8 + 0.2 * self.supplied)

    def after_produce(self, day: int, activity: tuple[float, ...]) -> None:
        planned = self.plan_today[0]
        ratio = activity[0] / planned if planned > 0.0 else 1.0
        self.supplied = MEMORY * self.supplied + (1.0 - MEMORY) * ratio


class RememberingMany(Remembering, type_name="bench_remembering"):
    """The same, with its type-level twins (the vectorised path)."""

    @classmethod
    def plan_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        supplied = group.state.get("supplied", np.ones(len(group)))
        return group.default_plan(day) * (0.8 + 0.2 * supplied)[:, None]

    @classmethod
    def after_produce_many(cls, day: int, group: FirmGroup, activity: np.ndarray) -> None:
        supplied = group.state.get("supplied", np.ones(len(group)))
        planned = group.default_plan(day)[:, 0] * (0.8 + 0.2 * supplied)
        ratio = np.where(planned > 0.0, activity[:, 0] / np.where(planned > 0.0, planned, 1.0), 1.0)
        group.state["supplied"] = np.where(
            group.active, MEMORY * supplied + (1.0 - MEMORY) * ratio, supplied
        )


def scenario(n_firms: int, days: int, type_name: str) -> Any:
    """The synthetic cluster with every firm of ``type_name``."""
    data = copy.deepcopy(synthetic_cluster(n_firms, seed=1, days=days, policy="greedy"))
    for firm in data["firms"].values():
        firm["type"] = type_name
    return scenario_from_dict(data)


def timed_run(n_firms: int, days: int, type_name: str) -> float:
    """Wall seconds of one whole run (Simulation.run, with its balance checks)."""
    sim = Simulation(scenario(n_firms, days, type_name))
    start = time.perf_counter()
    sim.run()
    return time.perf_counter() - start


def main() -> None:
    """Run the three versions, alternating, and print firm-days per second and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "stateful.json")
    args = parser.parse_args()
    versions = {"generic": "generic", "type-level": "bench_remembering",
                "per-firm": "bench_remembering_per_firm"}  # fmt: skip
    walls: dict[str, list[float]] = {v: [] for v in versions}
    for _ in range(args.repeats):
        for version, type_name in versions.items():
            walls[version].append(timed_run(args.firms, args.days, type_name))
    median = {v: statistics.median(w) for v, w in walls.items()}
    rows = [
        {"version": v, "median_s": round(m, 3),
         "firm_days_per_s": round(args.firms * args.days / m),
         "vs_generic": round(m / median["generic"], 2)}
        for v, m in median.items()
    ]  # fmt: skip
    for row in rows:
        speed = f"{row['firm_days_per_s']:>9,} firm-days/s"
        sys.stdout.write(f"{row['version']:>11} {row['median_s']:8.2f} s {speed} "
                         f"{row['vs_generic']:5.2f}x\n")  # fmt: skip
    target = median["type-level"] <= 2.0 * median["generic"]
    sys.stdout.write(f"target type-level <= 2x generic: {'met' if target else 'NOT met'}\n")
    report = {"settings": vars(args) | {"out": str(args.out)}, "rows": rows, "target_met": target}
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
