"""Benchmark: the post-processing of a run, indicators and substances (issue 5 on issue 4's bar).

For each case the scenario is run once (``mfcsim.testing.run_scenario``, which replays the
substances and checks the balances), in a fresh interpreter, and then timed on its results:

- ``compute_indicators(results)``: the first call in the process (``cold``: what ``mfcsim
  run`` pays when it writes the run folder) and the median of ``--repeats`` further calls;
- the substance replay (``Results.substance_replay``, recomputed) and the substance balance
  check (``check_substance_balance``, as ``Results.check_balance`` runs it);

each as wall time and CPU time of the process (``time.process_time()``: the machine is
shared). The run's own wall time is reported beside them, with the share of it that the
replay and the check take. Prints a table and the targets, and writes
benchmarks/results/indicators.json with the machine's description.

    .venv/bin/python benchmarks/indicators.py [--cases default tiny warmco2 synthetic-300]
        [--repeats 5] [--out benchmarks/results/indicators.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))  # this checkout's mfcsim, and engine.py's helpers

from engine import machine  # noqa: E402

#: Case name -> what run_scenario runs.
CASES: dict[str, Callable[[], Any]] = {
    "default": lambda: "scenarios/default.yaml",
    "tiny": lambda: "scenarios/tiny.yaml",
    "warmco2": lambda: "scenarios/warmco2.yaml",
    "synthetic-300": lambda: _synthetic(300),
}
#: Targets of the indicator brief: compute_indicators, CPU seconds.
TARGETS_S = {"default": 0.3, "synthetic-300": 1.0}


def _synthetic(n_firms: int) -> dict[str, Any]:
    from mfcsim.scenario.generate import synthetic_cluster

    return synthetic_cluster(n_firms, seed=1, days=365, policy="greedy")


def _timed(function: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - wall, time.process_time() - cpu


# ---- one case, inside its own interpreter -----------------------------------------------
def run_case(name: str, repeats: int) -> dict[str, Any]:
    """Run one case's scenario and time its post-processing; what one subprocess reports."""
    from mfcsim.indicators import compute_indicators
    from mfcsim.substances.balance import check_substance_balance
    from mfcsim.substances.views import substance_replay
    from mfcsim.testing import run_scenario

    results, run_wall, run_cpu = _timed(lambda: run_scenario(CASES[name]()))
    _, cold_wall, cold_cpu = _timed(lambda: compute_indicators(results))
    warm = [_timed(lambda: compute_indicators(results))[1:] for _ in range(repeats)]
    replay, replay_wall, replay_cpu = _timed(lambda: substance_replay(results))
    _, check_wall, check_cpu = _timed(
        lambda: check_substance_balance(
            replay.flows, replay.stocks, results.nodes, replay.conserving, replay.carrier_t
        )
    )
    return {
        "case": name,
        "firms": len(results.scenario.firms),
        "days": results.scenario.horizon_day,
        "ledger_rows": len(results.flows),
        "substance_rows": len(replay.flows),
        "run_wall_s": run_wall,
        "run_cpu_s": run_cpu,
        "indicators_cold_wall_s": cold_wall,
        "indicators_cold_cpu_s": cold_cpu,
        "indicators_wall_s": statistics.median(w for w, _ in warm),
        "indicators_cpu_s": statistics.median(c for _, c in warm),
        "indicators_cpu_s_all": [c for _, c in warm],
        "replay_wall_s": replay_wall,
        "replay_cpu_s": replay_cpu,
        "substance_check_wall_s": check_wall,
        "substance_check_cpu_s": check_cpu,
        "replay_and_check_share_of_run": (replay_wall + check_wall) / run_wall,
    }


# ---- the driver -----------------------------------------------------------------------
def measure(name: str, repeats: int) -> dict[str, Any]:
    """One case in a fresh interpreter (the last line it prints is its JSON)."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", name, "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'case':>14} {'firms':>5} {'days':>4} {'ledger rows':>11} {'run s':>6} "
    f"{'ind. cold s (cpu)':>17} {'ind. s (cpu)':>13} {'replay s (cpu)':>14} "
    f"{'check s (cpu)':>13} {'share':>5}"
)


def row_line(r: dict[str, Any]) -> str:
    """One row of the table: wall time, CPU time in brackets."""

    def pair(key: str) -> str:
        return f"{r[key + '_wall_s']:.3f} ({r[key + '_cpu_s']:.3f})"

    return (
        f"{r['case']:>14} {r['firms']:>5} {r['days']:>4} {r['ledger_rows']:>11,} "
        f"{r['run_wall_s']:>6.2f} {pair('indicators_cold'):>17} {pair('indicators'):>13} "
        f"{pair('replay'):>14} {pair('substance_check'):>13} "
        f"{r['replay_and_check_share_of_run']:>5.0%}"
    )


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """compute_indicators against its targets (CPU time, cold and warm)."""
    out = []
    for r in rows:
        if r["case"] in TARGETS_S:
            limit = TARGETS_S[r["case"]]
            out.append(
                {
                    "target": f"{r['case']}: compute_indicators <= {limit} s",
                    "measured_cpu_s": r["indicators_cpu_s"],
                    "measured_cold_cpu_s": r["indicators_cold_cpu_s"],
                    "met": r["indicators_cpu_s"] <= limit,
                    "met_cold": r["indicators_cold_cpu_s"] <= limit,
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "indicators.json")
    parser.add_argument("--case", choices=list(CASES), help="run one case and print JSON")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.repeats)))
        return
    info = machine()
    print(
        f"mfcsim {info['mfcsim_revision']} on {info['cpus']} CPUs ({info['processor']}), "
        f"Python {info['python']}; wall s (CPU s); indicators: median of {args.repeats}"
    )
    print(HEADER, flush=True)
    rows = []
    for name in args.cases:
        rows.append(measure(name, args.repeats))
        print(row_line(rows[-1]), flush=True)
    checks = targets(rows)
    print("targets (CPU time):")
    for t in checks:
        print(
            f"  {t['target']}: {t['measured_cpu_s']:.3f} s -> {'met' if t['met'] else 'NOT met'}"
            f" (first call {t['measured_cold_cpu_s']:.3f} s)"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": info,
        "settings": {"cases": args.cases, "repeats": args.repeats},
        "rows": rows,
        "targets": checks,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
