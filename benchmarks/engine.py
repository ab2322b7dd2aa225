"""Benchmark: whole runs of synthetic clusters of N firms, per agent policy (issue 4).

For each size N and policy, ``mfcsim.scenario.generate.synthetic_cluster(N, seed, days, policy)`` is
validated and built (``build``) and run to the horizon with ``Simulation.run()``, which
includes collecting the results and the mass-balance check (``simulate``). Reported per case,
as the median over ``--repeats`` runs, each in a fresh interpreter:

- build and simulate wall time (s), and the daily loop alone (``Simulation.wall_time_s``);
- firm-days per second: N × days / simulate time (``loop fd/s``: over the daily loop alone);
- ledger rows per second: rows in the ledger / simulate time;
- peak memory: the subprocess's peak resident set size (``ru_maxrss``, MB), interpreter and
  imports included;
- the daily clearing time of the regional agent, median and p95 (ms), from
  ``agent.day_seconds`` (policy none clears nothing), and the median CPU time of a day's
  clearing (``agent.day_cpu_seconds``: every thread's, so above the wall time where the
  optimal policy solves parts on several threads).

It also times start-up as ``mfcsim run`` sees it: import mfcsim, load
scenarios/default.yaml and construct the Simulation, in a fresh interpreter (median of
``--startup-repeats``), against the 1.5 s target. Prints a table and the targets, and
writes benchmarks/results/engine-<days>d.json with the machine's description.

    .venv/bin/python benchmarks/engine.py [--sizes 10 100 1000 10000] [--days 365]
        [--policies none greedy augment optimal] [--optimal-up-to 1000] [--greedy-up-to N]
        [--repeats 3] [--out benchmarks/results/engine-365d.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's mfcsim, whatever the working directory

SEED = 1
POLICIES = ("none", "greedy", "augment", "optimal")
#: Targets of issue 4.
TARGET_FIRM_DAYS_PER_S = 100_000  # N = 1,000, 365 days, greedy
TARGET_PEAK_MB = 1024  # same case
TARGET_SCALING = 0.70  # firm-days/s at 10,000 over that at 1,000
TARGET_OPTIMAL_MEDIAN_MS = 50.0  # N = 1,000
TARGET_STARTUP_S = 1.5

STARTUP_CODE = """\
import time
start = time.perf_counter()
import mfcsim
scenario = mfcsim.load_scenario("scenarios/default.yaml")
mfcsim.Simulation(scenario)
print(time.perf_counter() - start)
"""


# ---- one case, inside its own interpreter -----------------------------------------------
def run_case(n_firms: int, policy: str, days: int, seed: int) -> dict[str, Any]:
    """Build and run one synthetic cluster; what one subprocess reports."""
    import numpy as np

    import mfcsim
    from mfcsim.scenario.generate import synthetic_cluster

    start = time.perf_counter()
    scenario = mfcsim.scenario_from_dict(
        synthetic_cluster(n_firms, seed=seed, days=days, policy=policy)
    )
    loaded = time.perf_counter()
    sim = mfcsim.Simulation(scenario)
    built = time.perf_counter()
    results = sim.run()
    done = time.perf_counter()
    clearing_ms = np.asarray(sim.agent.day_seconds, dtype=float) * 1000.0
    clearing_cpu_ms = np.asarray(sim.agent.day_cpu_seconds, dtype=float) * 1000.0
    return {
        "load_s": loaded - start,
        "build_s": built - start,
        "simulate_s": done - built,
        "loop_s": sim.wall_time_s,
        "ledger_rows": len(results.flows),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "clearing_days": len(clearing_ms),
        "clearing_median_ms": float(np.median(clearing_ms)) if len(clearing_ms) else None,
        "clearing_p95_ms": float(np.percentile(clearing_ms, 95)) if len(clearing_ms) else None,
        "clearing_cpu_median_ms": (
            float(np.median(clearing_cpu_ms)) if len(clearing_cpu_ms) else None
        ),
    }


# ---- the driver -----------------------------------------------------------------------
def _last_json_line(args: list[str]) -> Any:
    out = subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure_case(n_firms: int, policy: str, days: int, seed: int, repeats: int) -> dict[str, Any]:
    """Run one case ``repeats`` times in fresh interpreters; medians per metric."""
    runs = [
        _last_json_line(
            [__file__, "--case", str(n_firms), policy, "--days", str(days), "--seed", str(seed)]
        )
        for _ in range(repeats)
    ]
    simulate_s = statistics.median(r["simulate_s"] for r in runs)
    loop_s = statistics.median(r["loop_s"] for r in runs)
    rows = runs[0]["ledger_rows"]
    if any(r["ledger_rows"] != rows for r in runs):
        raise AssertionError(f"{n_firms} {policy}: ledger rows differ between repeats")
    return {
        "firms": n_firms,
        "policy": policy,
        "days": days,
        "seed": seed,
        "repeats": repeats,
        "build_s": statistics.median(r["build_s"] for r in runs),
        "simulate_s": simulate_s,
        "simulate_s_all": [r["simulate_s"] for r in runs],
        "loop_s": loop_s,
        "firm_days_per_s": n_firms * days / simulate_s,
        "loop_firm_days_per_s": n_firms * days / loop_s,
        "ledger_rows": rows,
        "ledger_rows_per_s": rows / simulate_s,
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "clearing_median_ms": _median([r["clearing_median_ms"] for r in runs]),
        "clearing_p95_ms": _median([r["clearing_p95_ms"] for r in runs]),
        "clearing_cpu_median_ms": _median([r["clearing_cpu_median_ms"] for r in runs]),
    }


def measure_startup(repeats: int) -> dict[str, Any]:
    """Import + load + build of the default scenario, each in a fresh interpreter."""
    inside, wall = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        inside.append(_last_json_line(["-c", STARTUP_CODE]))
        wall.append(time.perf_counter() - start)
    median = statistics.median(inside)
    return {
        "scenario": "scenarios/default.yaml",
        "repeats": repeats,
        "import_load_build_s": median,
        "import_load_build_s_all": inside,
        "process_wall_s": statistics.median(wall),
        "target_s": TARGET_STARTUP_S,
        "meets_target": median < TARGET_STARTUP_S,
    }


def _revision() -> str:
    """The mfcsim checkout measured: ``git describe --dirty`` (or $MFCSIM_REVISION)."""
    if os.environ.get("MFCSIM_REVISION"):
        return os.environ["MFCSIM_REVISION"]
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine() -> dict[str, Any]:
    """What the numbers were measured on (and how busy it was when they started)."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "mfcsim_revision": _revision(),
        "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def targets(rows: list[dict[str, Any]], startup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Issue 4's targets against what was measured (cases that were not run are left out)."""
    by = {(r["firms"], r["policy"]): r for r in rows}
    out: list[dict[str, Any]] = []
    greedy = by.get((1000, "greedy"))
    if greedy:
        note = f"{greedy['days']} days" + ("" if greedy["days"] == 365 else " (target: 365)")
        out.append(
            {
                "target": "N=1000 greedy: firm-days/s >= 100,000",
                "measured": greedy["firm_days_per_s"],
                "met": greedy["firm_days_per_s"] >= TARGET_FIRM_DAYS_PER_S,
                "note": note,
            }
        )
        out.append(
            {
                "target": "N=1000 greedy: peak memory <= 1 GB",
                "measured": greedy["peak_rss_mb"],
                "met": greedy["peak_rss_mb"] <= TARGET_PEAK_MB,
                "note": note,
            }
        )
    for policy in POLICIES:
        small, large = by.get((1000, policy)), by.get((10000, policy))
        if small and large:
            ratio = large["firm_days_per_s"] / small["firm_days_per_s"]
            out.append(
                {
                    "target": f"scaling, {policy}: firm-days/s at 10,000 >= 70 % of 1,000",
                    "measured": ratio,
                    "met": ratio >= TARGET_SCALING,
                    "note": f"{large['days']} and {small['days']} days",
                }
            )
    optimal = by.get((1000, "optimal"))
    if optimal and optimal["clearing_median_ms"] is not None:
        out.append(
            {
                "target": "N=1000 optimal: daily clearing median <= 50 ms",
                "measured": optimal["clearing_median_ms"],
                "met": optimal["clearing_median_ms"] <= TARGET_OPTIMAL_MEDIAN_MS,
                "note": f"{optimal['days']} days",
            }
        )
    if startup:
        out.append(
            {
                "target": "start-up (import + load + build of default.yaml) < 1.5 s",
                "measured": startup["import_load_build_s"],
                "met": startup["meets_target"],
                "note": f"whole process {startup['process_wall_s']:.2f} s",
            }
        )
    return out


def _fmt(value: float | None, spec: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    return format(value, spec)


HEADER = (
    f"{'firms':>6} {'policy':>8} {'days':>5} {'build s':>8} {'simulate s':>10} "
    f"{'firm-days/s':>12} {'rows/s':>10} {'peak MB':>8} {'clear med ms':>12} "
    f"{'clear p95 ms':>12} {'clear cpu ms':>12} {'loop fd/s':>10}"
)


def row_line(r: dict[str, Any]) -> str:
    """One row of the table."""
    return (
        f"{r['firms']:>6} {r['policy']:>8} {r['days']:>5} {r['build_s']:>8.2f} "
        f"{r['simulate_s']:>10.2f} {r['firm_days_per_s']:>12,.0f} "
        f"{r['ledger_rows_per_s']:>10,.0f} {r['peak_rss_mb']:>8,.0f} "
        f"{_fmt(r['clearing_median_ms'], '>12.1f'):>12} {_fmt(r['clearing_p95_ms'], '>12.1f'):>12} "
        f"{_fmt(r.get('clearing_cpu_median_ms'), '>12.1f'):>12} "
        f"{r['loop_firm_days_per_s']:>10,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--policies", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument(
        "--optimal-up-to", type=int, default=1000, help="run optimal only up to this N"
    )
    parser.add_argument(
        "--greedy-up-to", type=int, default=None, help="run greedy only up to this N"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--startup-repeats", type=int, default=3, help="0: skip start-up")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="default: results/engine-<days>d.json")
    parser.add_argument(
        "--case", nargs=2, metavar=("N", "POLICY"), help="run one case and print JSON"
    )
    args = parser.parse_args()
    if args.case:
        n, policy = int(args.case[0]), args.case[1]
        print(json.dumps(run_case(n, policy, args.days, args.seed)))
        return

    limits = {"optimal": args.optimal_up_to, "greedy": args.greedy_up_to}
    info = machine()
    print(
        f"mfcsim {info['mfcsim_revision']} on {info['cpus']} CPUs ({info['processor']}), "
        f"Python {info['python']}; {args.days} days, median of {args.repeats} runs"
    )
    startup = measure_startup(args.startup_repeats) if args.startup_repeats > 0 else None
    if startup:
        print(
            f"start-up (import + load + build of default.yaml): "
            f"{startup['import_load_build_s']:.2f} s (target < {TARGET_STARTUP_S} s; "
            f"whole process {startup['process_wall_s']:.2f} s)"
        )
    print(HEADER, flush=True)
    rows = []
    for n in args.sizes:
        for policy in args.policies:
            limit = limits.get(policy)
            if limit is not None and n > limit:
                continue
            row = measure_case(n, policy, args.days, args.seed, args.repeats)
            rows.append(row)
            print(row_line(row), flush=True)
    checks = targets(rows, startup)
    print("targets:")
    for t in checks:
        verdict = "met" if t["met"] else "NOT met"
        print(f"  {t['target']}: {t['measured']:,.3g} -> {verdict} ({t['note']})")
    if args.out is None:
        args.out = HERE / "results" / f"engine-{args.days}d.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "sizes": args.sizes,
        "days": args.days,
        "policies": args.policies,
        "optimal_up_to": args.optimal_up_to,
        "greedy_up_to": args.greedy_up_to,
        "repeats": args.repeats,
        "seed": args.seed,
    }
    payload = {
        "machine": info,
        "settings": settings,
        "startup": startup,
        "rows": rows,
        "targets": checks,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
