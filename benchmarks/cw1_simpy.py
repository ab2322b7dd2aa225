"""CW-1 in plain SimPy, three ways: the reference workload that any DES can run (issue 4).

CW-1: N firms. Each day ``d`` each firm ``i`` receives the residue lots due on day ``d`` plus
80 units of external input, consumes ``min(stock, capacity)`` with capacity
``60 + 20·(i mod 5)``, turns a fifth of it (integer division) into residue and the rest into
product, and ships the residue as one lot to a seeded random other firm ``j`` (one table,
:func:`targets`), due on day ``d + 1 + (i + 2j) mod 3``. Lots due on or after the horizon
are shipped and counted but never received. The two checksums, total product and total
residue shipped, compare implementations one to one.

Timing: firms act at whole days; a lot due on day ``d`` arrives at ``d - 1/2``, so it is in
stock whatever the order in which SimPy serves events at the same instant.

The three ways (``firm-days/s`` is N × days / the wall time of ``env.run``):

- ``idiomatic``: a process per firm and per shipment, a :class:`simpy.Container` per stock;
- ``lean``: one process per firm, plain numbers for stocks, shipments as bare timeouts
  whose callback adds the lot to the receiver's stock;
- ``clock``: one daily clock process over all firms, shipments as in ``lean``.

    .venv/bin/python benchmarks/cw1_simpy.py [--firms 1000] [--days 365] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Generator
from typing import Any

import simpy

EXTERNAL_INPUT = 80
RESIDUE_DIVISOR = 5
#: A lot due on day d arrives this long before d (firms act at whole days).
EARLY_DAY = 0.5
SEED = 1


def capacity(i: int) -> int:
    """Units firm ``i`` can consume per day."""
    return 60 + 20 * (i % 5)


def delay(i: int, j: int) -> int:
    """Days from shipping a lot at firm ``i`` to the day it is due at firm ``j``."""
    return 1 + (i + 2 * j) % 3


def targets(n_firms: int, seed: int = SEED) -> list[int]:
    """The seeded table: the other firm each firm ships its residue to."""
    rng = random.Random(seed)
    out = []
    for i in range(n_firms):
        j = rng.randrange(n_firms - 1)
        out.append(j + 1 if j >= i else j)
    return out


def run_idiomatic(n_firms: int, days: int, seed: int = SEED) -> tuple[int, int, float]:
    """A process per firm and per shipment, a Container per stock.

    Returns:
        Total product, total residue shipped and the wall time (s) of ``env.run``.
    """
    env = simpy.Environment()
    stocks = [simpy.Container(env, capacity=float("inf"), init=0) for _ in range(n_firms)]
    totals = [0, 0]

    def shipment(lot: int, stock: simpy.Container, wait: float) -> Generator[Any, Any, None]:
        yield env.timeout(wait)
        yield stock.put(lot)

    def firm(i: int, j: int) -> Generator[Any, Any, None]:
        stock, cap, wait = stocks[i], capacity(i), delay(i, j) - EARLY_DAY
        while True:
            yield stock.put(EXTERNAL_INPUT)
            use = min(stock.level, cap)
            yield stock.get(use)
            residue = use // RESIDUE_DIVISOR
            totals[0] += use - residue
            totals[1] += residue
            env.process(shipment(residue, stocks[j], wait))
            yield env.timeout(1)

    for i, j in enumerate(targets(n_firms, seed)):
        env.process(firm(i, j))
    start = time.perf_counter(), time.process_time()
    env.run(until=days)
    return totals[0], totals[1], *_elapsed(start)


def _arrival(stock: list[int], j: int) -> Callable[[simpy.Event], None]:
    """The callback that puts a lot (the event's value) into firm ``j``'s stock."""

    def arrive(event: simpy.Event) -> None:
        stock[j] += event.value

    return arrive


def run_lean(n_firms: int, days: int, seed: int = SEED) -> tuple[int, int, float]:
    """One process per firm; stocks are numbers; shipments are bare timeouts with a callback."""
    env = simpy.Environment()
    stock = [0] * n_firms
    totals = [0, 0]
    timeout = env.timeout

    def firm(i: int, j: int) -> Generator[Any, Any, None]:
        cap, wait, arrive = capacity(i), delay(i, j) - EARLY_DAY, _arrival(stock, j)
        while True:
            have = stock[i] + EXTERNAL_INPUT
            use = have if have < cap else cap
            stock[i] = have - use
            residue = use // RESIDUE_DIVISOR
            totals[0] += use - residue
            totals[1] += residue
            timeout(wait, residue).callbacks.append(arrive)
            yield timeout(1)

    for i, j in enumerate(targets(n_firms, seed)):
        env.process(firm(i, j))
    start = time.perf_counter(), time.process_time()
    env.run(until=days)
    return totals[0], totals[1], *_elapsed(start)


def run_clock(n_firms: int, days: int, seed: int = SEED) -> tuple[int, int, float]:
    """One daily clock process over all firms; shipments are bare timeouts with a callback."""
    env = simpy.Environment()
    stock = [0] * n_firms
    totals = [0, 0]
    timeout = env.timeout
    firms = [
        (i, capacity(i), delay(i, j) - EARLY_DAY, _arrival(stock, j))
        for i, j in enumerate(targets(n_firms, seed))
    ]

    def clock() -> Generator[Any, Any, None]:
        product = residue_total = 0
        for _day in range(days):
            for i, cap, wait, arrive in firms:
                have = stock[i] + EXTERNAL_INPUT
                use = have if have < cap else cap
                stock[i] = have - use
                residue = use // RESIDUE_DIVISOR
                product += use - residue
                residue_total += residue
                timeout(wait, residue).callbacks.append(arrive)
            totals[0], totals[1] = product, residue_total
            yield timeout(1)

    env.process(clock())
    start = time.perf_counter(), time.process_time()
    env.run(until=days)
    return totals[0], totals[1], *_elapsed(start)


def _elapsed(start: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU seconds since ``start`` (``perf_counter``, ``process_time``)."""
    return time.perf_counter() - start[0], time.process_time() - start[1]


VARIANTS: dict[str, Callable[[int, int, int], tuple[int, int, float, float]]] = {
    "simpy-idiomatic": run_idiomatic,
    "simpy-lean": run_lean,
    "simpy-clock": run_clock,
}


def measure(name: str, n_firms: int, days: int, repeats: int, seed: int = SEED) -> dict[str, Any]:
    """Run one variant ``repeats`` times; the median speed and the (identical) checksums."""
    runs = [VARIANTS[name](n_firms, days, seed) for _ in range(repeats)]
    if len({(p, r) for p, r, _, _ in runs}) != 1:
        raise AssertionError(f"{name}: checksums differ between repeats: {runs}")
    seconds = [s for _, _, s, _ in runs]
    cpu = [c for _, _, _, c in runs]
    median = statistics.median(seconds)
    return {
        "implementation": name,
        "firms": n_firms,
        "days": days,
        "seed": seed,
        "repeats": repeats,
        "total_product": runs[0][0],
        "total_residue_shipped": runs[0][1],
        "simulate_s": median,
        "simulate_s_all": seconds,
        "cpu_s": statistics.median(cpu),
        "cpu_s_all": cpu,
        "firm_days_per_s": n_firms * days / median,
        "firm_days_per_cpu_s": n_firms * days / statistics.median(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = [measure(v, args.firms, args.days, args.repeats, args.seed) for v in args.variants]
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(
            f"{row['implementation']:>16} {row['firm_days_per_s']:>12,.0f} firm-days/s  "
            f"product {row['total_product']:,}  residue shipped {row['total_residue_shipped']:,}"
        )


if __name__ == "__main__":
    main()
