"""Benchmark: how good each clearing policy's allocations are, against ``optimal`` (issue 18).

Two views, both on ``synthetic_cluster(N, seed=1, days)``:

- **whole runs**: each policy runs the cluster; per policy the sum of its days' objectives
  (:func:`~mfcsim.agent.clearing.allocation_cost` of each day's own problem, EUR), the
  units the agent shipped, their tonne-kilometres, the imports and the disposal of the run
  (t, from the ledger), and the median clearing time a day (building the problem + solving,
  ``sim.agent.day_seconds``), each also as a ratio to ``optimal``'s run;
- **same days**: every allocator on the very problems of ``optimal``'s run, so the ratios
  compare allocations of identical days: the share of optimal's saving (objective of no
  clearing − objective) each one reaches, its shipped units and tonne-kilometres.

Each size runs in its own interpreter, the policies one after the other in it; writes
benchmarks/results/quality.json (or ``--out``) and prints the tables.

    .venv/bin/python benchmarks/quality.py [--sizes 100 1000 10000] [--days 120]
        [--days-large 30] [--out /tmp/quality.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from engine import machine  # the machine's description, as the other benchmarks give it

POLICIES = ("none", "greedy", "augment", "optimal")
LARGE = 10_000  # sizes from here on run --days-large days


def run_policy(n_firms: int, policy: str, days: int, keep: list | None) -> dict[str, Any]:
    """One run; its totals. ``keep`` collects the day problems (for the same-days view)."""
    import mfcsim
    from mfcsim.agent.clearing import allocation_cost
    from mfcsim.scenario.generate import synthetic_cluster

    sim = mfcsim.Simulation(
        mfcsim.scenario_from_dict(synthetic_cluster(n_firms, seed=1, days=days, policy=policy))
    )
    objective: list[float] = []
    allocate = sim.agent.allocate

    def judged(p: Any) -> Any:
        allocation = allocate(p)
        objective.append(allocation_cost(p, allocation))
        if keep is not None:
            keep.append(p)
        return allocation

    sim.agent.allocate = judged
    results = sim.run()
    ship = results.extra.get("shipments")
    ours = ship[(ship["origin"] == "agent").to_numpy()] if ship is not None else None
    kind = results.flows["kind"].astype(str).to_numpy()
    quantity = results.flows["quantity"].to_numpy()
    ms = np.asarray(sim.agent.day_seconds, dtype=float) * 1000.0
    return {
        "firms": n_firms,
        "policy": policy,
        "days": days,
        "objective_eur": float(sum(objective)),
        "shipped_t": 0.0 if ours is None else float(ours["quantity"].sum()),
        "tkm": 0.0 if ours is None else float((ours["quantity"] * ours["distance_km"]).sum()),
        "imports_t": float(quantity[kind == "import"].sum()),
        "disposal_t": float(quantity[kind == "disposal"].sum()),
        "clearing_median_ms": float(np.median(ms)) if len(ms) else None,
    }


def same_days(problems: list) -> list[dict[str, Any]]:
    """Every allocator on the given day problems: saving share, shipped units, t·km."""
    from mfcsim.agent.clearing import ALLOCATORS, allocation_cost
    from mfcsim.agent.lp import no_allocation
    from mfcsim.agent.pricing import PricedDays

    n_firms = max(int(p.offer_firm.max(initial=0)) for p in problems) + 1
    n_materials = 1 + max(
        max(int(p.offer_material.max(initial=0)), int(p.request_material.max(initial=0)))
        for p in problems
    )
    rows = []
    base = sum(allocation_cost(p, no_allocation()) for p in problems)
    for name in POLICIES[1:]:
        allocate = ALLOCATORS[name] if name != "optimal" else PricedDays(n_firms, n_materials)
        cost = shipped = tkm = 0.0
        for p in problems:
            arcs, qty = allocate(p)
            cost += allocation_cost(p, (arcs, qty))
            shipped += float(qty.sum())
            tkm += float(np.sum(qty * p.arc_km[arcs]))
        rows.append({"policy": name, "cost": cost, "shipped": shipped, "tkm": tkm})
    best = rows[-1]
    for row in rows:
        row["saving_share"] = (base - row["cost"]) / (base - best["cost"])
        row["shipped_ratio"] = row["shipped"] / best["shipped"]
        row["tkm_ratio"] = row["tkm"] / best["tkm"]
    return rows


def run_size(n_firms: int, days: int) -> dict[str, Any]:
    """All policies on one size, in this interpreter."""
    problems: list = []
    runs = [run_policy(n_firms, p, days, problems if p == "optimal" else None) for p in POLICIES]
    best = runs[-1]
    for run in runs:
        for key in ("objective_eur", "shipped_t", "tkm", "imports_t", "disposal_t"):
            run[key + "_ratio"] = run[key] / best[key] if best[key] else None
    return {"runs": runs, "same_days": same_days(problems)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000])
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--days-large", type=int, default=30)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # one size, in a child
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/quality.json")
    args = parser.parse_args()
    if args.size is not None:
        print(json.dumps(run_size(args.size, args.days)))
        return
    sizes = {}
    for n in args.sizes:
        days = args.days_large if n >= LARGE else args.days
        out = subprocess.run(
            [sys.executable, __file__, "--size", str(n), "--days", str(days)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        sizes[n] = json.loads(out.stdout.strip().splitlines()[-1])
        print_size(n, sizes[n])
    args.out.write_text(json.dumps({"machine": machine(), "sizes": sizes}, indent=2) + "\n")
    print(f"written: {args.out}")


def print_size(n: int, size: dict[str, Any]) -> None:
    """The two tables of one size."""
    print(f"\n{n} firms, {size['runs'][0]['days']} days: whole runs (ratio to optimal)")
    print(f"{'policy':>8} {'objective':>10} {'shipped':>8} {'t·km':>7} {'imports':>8} "
          f"{'disposal':>9} {'ms/day':>7}")  # fmt: skip
    for r in size["runs"]:
        ms = r["clearing_median_ms"]
        ratios = [r[k + "_ratio"] or 0.0 for k in
                  ("objective_eur", "shipped_t", "tkm", "imports_t", "disposal_t")]  # fmt: skip
        ms = 0.0 if ms is None else ms
        print(f"{r['policy']:>8} {ratios[0]:>10.6f} {ratios[1]:>8.4f} {ratios[2]:>7.3f} "
              f"{ratios[3]:>8.4f} {ratios[4]:>9.4f} {ms:>7.2f}")  # fmt: skip
    print("same days (optimal's problems): share of optimal's saving, shipped, t·km")
    for r in size["same_days"]:
        print(f"{r['policy']:>8} {r['saving_share']:>10.5f} {r['shipped_ratio']:>8.4f} "
              f"{r['tkm_ratio']:>7.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
