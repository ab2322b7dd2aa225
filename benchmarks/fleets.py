"""What fleets cost: the synthetic 1,000-firm cluster with and without fleets (issue 21).

The scenario is ``synthetic_cluster(N, seed=1, days, policy="greedy")``; the fleet cases add
two fleets (``FLEETS``): lorries for the residues the agent sends to digesters and
composters, based at the first digester, and lorries for the products, based at the first
city hub, with ``tour: receiver`` (one receiver a tour) or ``tour: savings`` (multi-drop
tours). With ``--baseline DIR`` a fourth case runs the receiver fleets with the mfcsim of
another worktree (e.g. one before the vehicles were SimPy resources). Every case is run to
the horizon with ``Simulation.run()`` (daily loop, results, mass-balance check), each in a
fresh interpreter, the cases alternated round by round (``--repeats`` rounds). Reported:
firm-days per second (N × days / run time, median of the rounds; CPU seconds too), each
over per-lot transport's, and each fleet case's trips, load factor, empty-km share, and
its CO2e and cost against per-lot transport of the same lots.

    .venv/bin/python benchmarks/fleets.py [--firms 1000] [--days 365] [--repeats 3]
        [--baseline /work/main]

prints a table and writes benchmarks/results/fleets.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The fleets of the benchmark (numbers are assumptions for a speed test, not sourced).
FLEETS: dict[str, dict[str, Any]] = {
    "tipper": {
        "depot": "digester_7", "count": 150, "capacity_t": "25 t", "cost_per_trip": "40 EUR",
        "cost_per_km": "1.2 EUR/km", "co2e_loaded": "0.9 kg CO2e/km",
        "co2e_empty": "0.7 kg CO2e/km", "working_time": "10 h", "stop_time": "15 min",
        "materials": ["green_waste", "cattle_manure", "peels", "food_waste", "digestate"],
    },
    "box_truck": {
        "depot": "hub_9", "count": 60, "capacity_t": "12 t", "cost_per_trip": "40 EUR",
        "cost_per_km": "1.0 EUR/km", "co2e_loaded": "0.6 kg CO2e/km",
        "co2e_empty": "0.5 kg CO2e/km", "working_time": "10 h", "stop_time": "15 min",
        "materials": ["vegetables", "potatoes", "milk", "fries", "compost"],
    },
}  # fmt: skip

CHILD = """\
import json, sys, time
sys.path.insert(0, {root!r})
from benchmarks.fleets import scenario
from mfcsim import Simulation, scenario_from_dict
scn = scenario_from_dict(scenario({firms}, {days}, {fleet}{tour}))
sim = Simulation(scn)
wall, cpu = time.perf_counter(), time.process_time()
results = sim.run()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
out = {{"wall_s": wall, "cpu_s": cpu, "ledger_rows": len(results.flows),
        "mfcsim": __import__("mfcsim").__file__}}
trips = results.extra.get("trips")
if trips is not None:
    km = trips["km_loaded"].sum() + trips["km_empty"].sum()
    out.update(
        trips=len(trips), lots=int(trips["lots"].sum()), vehicle_km=float(km),
        load_factor=float(trips["tkm"].sum() / (trips["capacity_t"] * trips["km_loaded"]).sum()),
        empty_km_share=float(trips["km_empty"].sum() / km),
        co2e_t=float(trips["co2e_t"].sum()), per_lot_co2e_t=float(trips["per_lot_co2e_t"].sum()),
        cost_eur=float(trips["cost_eur"].sum()), load_t=float(trips["load_t"].sum()),
        per_lot_cost_eur=float(trips["per_lot_cost_eur"].sum()),
        spoiled_lots=len(results.extra["fleet_spoiled"]),
        wait_day_mean=float((trips["start_t_day"] - trips["day"]).mean()),
        wait_day_max=float((trips["start_t_day"] - trips["day"]).max()),
    )
print(json.dumps(out))
"""


def scenario(firms: int, days: int, fleet: bool, tour: str | None = None) -> dict[str, Any]:
    """The synthetic cluster (greedy agent), with the benchmark's fleets if ``fleet``.

    ``tour``: the fleets' ``tour`` rule (None: the scenario's default).
    """
    from mfcsim.scenario.generate import synthetic_cluster

    data = synthetic_cluster(firms, seed=1, days=days, policy="greedy")
    if fleet:
        data["fleets"] = {
            name: spec if tour is None else {**spec, "tour": tour} for name, spec in FLEETS.items()
        }
    return data


#: The cases: (fleets or not, their tour rule, run with the baseline worktree).
CASES = {
    "per_lot": (False, None, False),
    "receiver": (True, "receiver", False),
    "savings": (True, "savings", False),
    "baseline": (True, None, True),
}


def run_once(firms: int, days: int, case: str, baseline: Path | None) -> dict[str, Any]:
    """One run in a fresh interpreter: its wall and CPU seconds and the trips' figures."""
    fleet, tour, other = CASES[case]
    root = baseline if other and baseline is not None else ROOT
    code = CHILD.format(root=str(root), firms=firms, days=days, fleet=fleet,
                        tour="" if tour is None else f", {tour!r}")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, cwd=root)  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Run the cases, alternated, and print and write the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a worktree whose mfcsim runs the receiver fleets once more",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "fleets.json")
    args = parser.parse_args()
    cases = [c for c in CASES if c != "baseline" or args.baseline is not None]
    runs: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    for _ in range(args.repeats):
        for case in cases:
            runs[case].append(run_once(args.firms, args.days, case, args.baseline))
    firm_days = args.firms * args.days
    summary: dict[str, Any] = {
        "firms": args.firms,
        "days": args.days,
        "repeats": args.repeats,
        "baseline": str(args.baseline) if args.baseline else None,
    }
    for case, rounds in runs.items():
        wall = statistics.median(r["wall_s"] for r in rounds)
        cpu = statistics.median(r["cpu_s"] for r in rounds)
        summary[case] = {**rounds[-1], "wall_s": wall, "cpu_s": cpu,
                         "firm_days_per_s": firm_days / wall}  # fmt: skip
    base = summary["per_lot"]
    for case in cases:
        row = summary[case]
        row["over_per_lot_wall"] = row["firm_days_per_s"] / base["firm_days_per_s"]
        row["over_per_lot_cpu"] = base["cpu_s"] / row["cpu_s"]
        print(f"{case:9s} {row['firm_days_per_s']:10,.0f} firm-days/s  wall {row['wall_s']:7.2f} s"
              f"  cpu {row['cpu_s']:7.2f} s  x{row['over_per_lot_wall']:.2f} (cpu "
              f"x{row['over_per_lot_cpu']:.2f}) of per-lot")  # fmt: skip
    for case in (c for c in cases if c != "per_lot"):
        f = summary[case]
        print(
            f"{case:9s} trips {f['trips']:,} for {f['lots']:,} lots, load factor "
            f"{f['load_factor']:.3f}, vehicle-km {f['vehicle_km']:,.0f}, empty km "
            f"{f['empty_km_share']:.1%}, CO2e {f['co2e_t']:.1f} t vs {f['per_lot_co2e_t']:.1f} "
            f"t per lot, cost {f['cost_eur']:,.0f} vs {f['per_lot_cost_eur']:,.0f} EUR "
            f"({f['cost_eur'] / f['load_t']:.1f} EUR/t), spoiled lots {f['spoiled_lots']}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
