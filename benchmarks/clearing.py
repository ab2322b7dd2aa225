"""Benchmark: one day's clearing with N firms and 5 materials, per policy.

Each firm, at a random place in a 60 km square, offers one material and requests another
(buyers, one in ten, request two); arcs are the k nearest offers per request and material,
with a substitution group over two of the materials, built as the agent builds them
(columns, ``nearest_arc_columns``). Reports the median and p95 time of building the arcs plus
solving, over several random days (a warm-up day first), and writes
benchmarks/results/clearing.json with the machine's description.

    .venv/bin/python benchmarks/clearing.py [--sizes 10 100 1000] [--days 15] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from engine import machine  # the machine's description, as the other benchmarks give it

from mfcsim.agent.arcs import nearest_arc_columns
from mfcsim.agent.clearing import (
    ProblemArrays,
    allocate_augment,
    allocate_greedy,
    allocate_optimal,
    allocation_cost,
)

MATERIALS = 5
COST_EUR_PER_TKM = 0.12


def day_problem(n_firms: int, seed: int, k: int = 10) -> ProblemArrays:
    """A random clearing problem of ``n_firms`` firms (seeded), as the agent builds it."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, 60.0, size=(n_firms, 2))
    offer_firm = np.arange(n_firms)
    offer_material = rng.integers(MATERIALS, size=n_firms)
    offer_quantity = rng.uniform(1, 20, size=n_firms)
    offer_leftover = rng.choice([0.0, 60.0, -50.0], size=n_firms)
    buyer = offer_firm % 10 == 0
    request_firm = np.repeat(offer_firm, np.where(buyer, 2, 1))
    n_req = len(request_firm)
    request_material = rng.integers(MATERIALS, size=n_req)
    request_quantity = rng.uniform(1, 15, size=n_req)
    request_buyer = buyer[request_firm]
    substitutes = {0: [(1, 0.5)], 1: [(0, 2.0)]}

    def routes(offer_rows: np.ndarray, request_rows: np.ndarray) -> tuple[np.ndarray, ...]:
        gap = xy[offer_firm[offer_rows]] - xy[request_firm[request_rows]]
        km = 1.3 * np.hypot(gap[:, 0], gap[:, 1])
        return np.ones(len(km), dtype=bool), COST_EUR_PER_TKM * km, km, np.full(len(km), -1)

    arcs = nearest_arc_columns(
        offer_firm, offer_material, offer_quantity, request_firm, request_material, routes,
        substitutes, k, xy,
    )  # fmt: skip
    return ProblemArrays(
        offer_firm, offer_material, offer_quantity, offer_leftover,
        request_firm, request_material, request_quantity,
        np.where(request_buyer, 0, 1), 1300.0 + np.where(request_buyer, 1e4, 0.0),
        arcs.offer, arcs.request, arcs.factor, arcs.cost, arcs.km, arcs.capacity, np.empty(0),
    )  # fmt: skip


def time_policy(n_firms: int, policy, days: int) -> tuple[list[float], float]:
    """Wall times (ms) of building and clearing ``days`` random days, and the mean cost."""
    times, costs = [], []
    for day in range(days):
        start = time.perf_counter()
        problem = day_problem(n_firms, seed=day)
        allocation = policy(problem)
        times.append((time.perf_counter() - start) * 1000.0)
        costs.append(allocation_cost(problem, allocation))
    return times, float(np.mean(costs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/clearing.json")
    args = parser.parse_args()
    rows = []
    print(f"{'firms':>6} {'policy':>8} {'median ms':>10} {'p95 ms':>8} {'mean cost EUR':>14}")
    allocate_optimal(day_problem(10, seed=0))  # warm-up: imports are not a clearing
    for n in args.sizes:
        for name, policy in (
            ("greedy", allocate_greedy),
            ("augment", allocate_augment),
            ("optimal", allocate_optimal),
        ):
            times, cost = time_policy(n, policy, args.days)
            row = {
                "firms": n,
                "materials": MATERIALS,
                "policy": name,
                "median_ms": float(np.median(times)),
                "p95_ms": float(np.percentile(times, 95)),
                "mean_cost_eur": cost,
                "days": args.days,
            }
            rows.append(row)
            print(
                f"{n:>6} {name:>8} {row['median_ms']:>10.2f} {row['p95_ms']:>8.2f} {cost:>14,.0f}"
            )
    out = args.out
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")
    print(f"written: {out}")
    worse = [r for r in rows if r["policy"] in ("greedy", "augment")]
    best = {r["firms"]: r["mean_cost_eur"] for r in rows if r["policy"] == "optimal"}
    assert all(
        r["mean_cost_eur"] >= best[r["firms"]] - 1e-6 * abs(best[r["firms"]])
        for r in worse
        if not math.isnan(r["mean_cost_eur"])
    ), "a heuristic beat optimal"


if __name__ == "__main__":
    main()
