"""Benchmark: where a run's memory goes, phase by phase (issue 18).

Runs ``synthetic_cluster(N, seed=1, days, policy)`` in a fresh interpreter per policy while a
thread samples the resident set size every 50 ms together with the main thread's call path
(the mfcsim functions on the stack, three deep below ``Simulation.run``). Reports, per
policy, the peak (the process's high-water mark as the kernel records it, VmHWM, which no
transient escapes) and the highest RSS seen in each phase: the daily loop, the collection of
the results frames, the mass-balance check, and the KPIs (computed after the run, as writing
the run folder does; until 8bd38e5 the balance check computed them); writes
benchmarks/results/memory.json (or ``--out``).

    .venv/bin/python benchmarks/memory.py [--firms 10000] [--days 365]
        [--policies none greedy augment] [--out /tmp/memory.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from engine import machine  # the machine's description, as the other benchmarks give it

PAGE = 4096


def rss_mb() -> float:
    """The process's resident set size (MB)."""
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def high_water_mb() -> float:
    """The process's peak resident set size so far (MB), as the kernel records it (VmHWM).

    Unlike the 50 ms samples this misses no transient, however short.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def call_path(frame: Any) -> str:
    """The mfcsim functions on the stack, outermost first, below ``Simulation.run``."""
    names = []
    while frame is not None:
        name = frame.f_code.co_filename
        if "/mfcsim/" in name and "site-packages" not in name:
            names.append(name.split("/mfcsim/")[-1] + ":" + frame.f_code.co_name)
        frame = frame.f_back
    return " > ".join(reversed(names[-4:-1] if len(names) > 1 else names))


def phase(path: str) -> str:
    """The phase a call path belongs to."""
    if "kpis" in path or "kpi_values" in path:
        return "kpis (after the run, as the run folder needs them)"
    if "check_balance" in path or "balance.py" in path:
        return "mass-balance check"
    if "collect" in path:
        return "collect (results frames)"
    if "simulation.py:_clock" in path or "simulation.py:_" in path:
        return "daily loop"
    return "build and other"


def run_case(n_firms: int, policy: str, days: int) -> dict[str, Any]:
    """One run with the sampler; peak and per-phase highest RSS (MB)."""
    import mfcsim
    from mfcsim.scenario.generate import synthetic_cluster

    main = threading.main_thread()
    highest: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = rss_mb()
            where = phase(call_path(sys._current_frames()[main.ident]))
            highest[where] = max(highest.get(where, 0.0), rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sim = mfcsim.Simulation(
        mfcsim.scenario_from_dict(synthetic_cluster(n_firms, seed=1, days=days, policy=policy))
    )
    results = sim.run()
    results.kpis  # noqa: B018 - the KPI step, as writing the run folder takes it (run() does not)
    done.set()
    sampler.join()
    ship = results.extra.get("shipments")
    return {
        "firms": n_firms,
        "policy": policy,
        "days": days,
        "ledger_rows": len(results.flows),
        "shipments": 0 if ship is None else len(ship),
        "peak_mb": high_water_mb(),
        "sampled_peak_mb": max(highest.values()),
        "phases_mb": dict(sorted(highest.items(), key=lambda kv: -kv[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--policies", nargs="+", default=["none", "greedy", "augment"])
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)  # N POLICY, in a child
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/memory.json")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(int(args.case[0]), args.case[1], args.days)))
        return
    rows = []
    for policy in args.policies:
        out = subprocess.run(
            [sys.executable, __file__, "--case", str(args.firms), policy, "--days", str(args.days)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        row = rows[-1]
        print(f"{policy:>8}: peak {row['peak_mb']:,.0f} MB (VmHWM; the samples' highest "
              f"{row['sampled_peak_mb']:,.0f}), {row['ledger_rows']:,} ledger rows, "
              f"{row['shipments']:,} shipments")  # fmt: skip
        for name, mb in row["phases_mb"].items():
            print(f"{'':>10}{name:<30} {mb:>8,.0f} MB")
    args.out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
