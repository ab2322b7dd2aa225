"""Benchmark: sweeps on Dask, runs per minute on 1 and 2 local workers, Dask's cost per run.

The workload is the default scenario over 90 days with every indicator kept (what ``mfcsim
sweep run scenarios/default.yaml --days 90`` does per run). Measured in one process:

- **in-process s/run**: ``Simulation.run()`` + ``indicators_of`` here, no Dask (median);
- **cluster start s**: starting and closing a LocalCluster with its client (paid once per
  sweep, not per run);
- for 1 and 2 workers, a sweep of ``--runs`` replications into a temporary folder: wall time
  of ``run_sweep`` less the cluster start, runs per minute, and the speed-up of 2 over 1;
- **Dask overhead per run**: (1-worker wall less cluster start) / runs − in-process s/run,
  and its share of a run (target < 5 %): scheduling, sending the scenario and the
  indicators, and writing the Parquet parts;
- **unaccounted s/run**: (wall less cluster start) × workers − the runs' own seconds as the
  workers timed them, per run: the same overhead seen from the workers' clocks, less
  sensitive to the machine's other load than the difference with the in-process runs.

Prints a table and writes ``benchmarks/results/sweep.json`` with the machine's description.

    .venv/bin/python benchmarks/sweep.py [--runs 8] [--days 90] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from engine import machine  # noqa: E402

from mfcsim.compare import indicators_of  # noqa: E402
from mfcsim.engine.simulation import Simulation  # noqa: E402
from mfcsim.sweep.cluster import dask_client  # noqa: E402
from mfcsim.sweep.design import factorial, read_base  # noqa: E402
from mfcsim.sweep.runner import run_sweep  # noqa: E402
from mfcsim.sweep.store import read_table  # noqa: E402


def in_process(base: Any, repeats: int) -> float:
    """Median wall seconds of one run and its indicators, here."""
    scenario = base.scenario(())
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        indicators_of(Simulation(scenario, seed=scenario.seed + r).run())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cluster_start(workers: int) -> float:
    """Seconds to start and close a LocalCluster of ``workers`` and its client."""
    start = time.perf_counter()
    with dask_client(workers) as client:
        client.wait_for_workers(workers)
    return time.perf_counter() - start


def sweep(base: Any, runs: int, workers: int) -> dict[str, Any]:
    """One sweep of ``runs`` replications on ``workers`` local workers."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = run_sweep(
            base, factorial([]), runs, 20260101, Path(tmp) / "sweep", workers=workers
        )
        wall = time.perf_counter() - start
        assert report.finished == runs, report.errors
        busy = float(read_table(Path(tmp) / "sweep", "runs")["seconds"].sum())
    return {
        "workers": workers,
        "runs": runs,
        "batch": report.batch,
        "wall_s": wall,
        "worker_run_s_total": busy,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sweep.json")
    args = parser.parse_args()
    about = machine()
    base = read_base(ROOT / "scenarios" / "default.yaml", [], args.days)
    per_run = in_process(base, args.repeats)
    rows = []
    for workers in (1, 2):
        startup = statistics.median(cluster_start(workers) for _ in range(2))
        row = sweep(base, args.runs, workers)
        row["cluster_start_s"] = startup
        row["runs_wall_s"] = row["wall_s"] - startup
        row["runs_per_minute"] = 60 * args.runs / row["runs_wall_s"]
        # what the workers' clocks do not account for, per run: Dask, transfers, writing
        row["unaccounted_s_per_run"] = (
            row["runs_wall_s"] * workers - row["worker_run_s_total"]
        ) / args.runs
        rows.append(row)
    one, two = rows
    overhead = one["runs_wall_s"] / args.runs - per_run
    result = {
        "machine": about,
        "scenario": "scenarios/default.yaml",
        "days": args.days,
        "in_process_s_per_run": per_run,
        "sweeps": rows,
        "speedup_2_over_1": two["runs_per_minute"] / one["runs_per_minute"],
        "dask_overhead_s_per_run": overhead,
        "dask_overhead_share": overhead / per_run,
        "targets": {"speedup_2_over_1": ">= 1.8", "dask_overhead_share": "< 0.05"},
    }
    print(f"default scenario, {args.days} days, {args.runs} runs per sweep")
    print(f"in-process: {per_run:.2f} s/run ({60 / per_run:.1f} runs/min)")
    print("workers  batch  cluster start s  runs wall s  runs/min  worker s/run  unaccounted s/run")
    for r in rows:
        print(
            f"{r['workers']:>7}  {r['batch']:>5}  {r['cluster_start_s']:>15.2f}  "
            f"{r['runs_wall_s']:>11.2f}  {r['runs_per_minute']:>8.1f}  "
            f"{r['worker_run_s_total'] / r['runs']:>12.2f}  {r['unaccounted_s_per_run']:>17.3f}"
        )
    print(f"speed-up 2 over 1 worker: {result['speedup_2_over_1']:.2f} (target >= 1.8)")
    clocks = one["unaccounted_s_per_run"] / (one["worker_run_s_total"] / one["runs"])
    result["dask_overhead_share_by_worker_clocks"] = clocks
    print(
        f"Dask overhead per run, 1 worker: {overhead * 1000:.0f} ms against the in-process "
        f"runs ({100 * result['dask_overhead_share']:.1f} %); "
        f"{one['unaccounted_s_per_run'] * 1000:.0f} ms by the worker's own clock "
        f"({100 * clocks:.1f} % of a run; target < 5 %)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
