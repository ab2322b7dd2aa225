"""CW-1 as an mfcsim scenario, against the same workload in plain SimPy (issue 4).

The workload is defined in ``cw1_simpy.py`` (capacities, delays, the seeded table of
receivers). Here it is an mfcsim scenario: a firm type ``cw1`` and one firm of it per CW-1
firm, on a line 1 km apart.

How the parts of CW-1 map onto the engine:

- the 80 units of external input: the firm imports them. Its ``target_stock`` hook asks for
  its feedstock stock plus 80, so the engine's ``procure`` phase imports exactly 80 (an
  ``import`` row in the ledger);
- ``min(stock, capacity)`` and the integer division: the firm overrides ``produce`` and
  writes its rows through the public ``Firm.consume`` and ``Firm.make``. Residue lots on
  hand are consumed first, then feedstock (both count as CW-1's one stock); ``use // 5``
  becomes residue and the rest product (``consumption`` and ``production`` rows). The
  declared recipe (1 feedstock -> 0.8 product + 0.2 residue) only states the mass balance
  and makes feedstock a kept material;
- the lot to firm ``j``: ``produce`` ships it at once with ``Firm.ship`` (``shipment`` rows
  out of the firm and, on arrival, into ``j``), on the firm's own transport mode;
- the delay ``1 + (i + 2j) mod 3`` days: every firm has its own transport mode whose speed
  turns the distance to its receiver into the lead time. The engine's daily tick runs before
  any arrival at the same instant, so a lot that arrived at exactly day ``d`` would miss day
  ``d``'s production; lots therefore arrive half a day early, at ``d - 1/2`` (speed =
  distance / (delay - 1/2)), exactly as in the three SimPy versions. Explicit network links
  would not do: distances over links are shortest paths, so two short links could undercut
  a long direct one.

Nothing is exported (products stay in stock) and nothing is disposed of (residue storage is
unlimited), so the ledger holds CW-1's movements only. The two checksums are computed from
the ledger: total product = the ``production`` rows of ``product``; total residue shipped =
the ``shipment`` rows of ``residue`` into ``in_transit`` (lots still on the way at the
horizon count, as in the SimPy versions).

``firm-days/s`` is N × days / the wall time of ``Simulation.run()`` (the daily loop plus
collecting the results and the mass-balance check); ``loop`` counts the daily loop only.

    .venv/bin/python benchmarks/cw1.py [--firms 1000] [--days 365] [--repeats 3]

runs the mfcsim version and (in a fresh interpreter) the three SimPy versions, checks that
all four agree on the checksums, prints a table and writes benchmarks/results/cw1.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's mfcsim, and cw1_simpy

import numpy as np  # noqa: E402
from cw1_simpy import (  # noqa: E402
    EARLY_DAY,
    EXTERNAL_INPUT,
    RESIDUE_DIVISOR,
    SEED,
    capacity,
    delay,
    targets,
)

import mfcsim  # noqa: E402
from mfcsim import Firm, Param  # noqa: E402
from mfcsim.firms.group import FirmGroup  # noqa: E402

MATERIALS = {
    "feedstock": {"unit": "t", "kind": "raw_material", "description": "external input"},
    "product": {"unit": "t", "kind": "product"},
    "residue": {"unit": "t", "kind": "residue", "description": "lots shipped between firms"},
}


class CW1Firm(Firm, type_name="cw1"):
    """A CW-1 firm: consumes up to its capacity, a fifth (integer division) becomes residue.

    Its residue goes, as one lot per day, to ``target`` by transport mode ``mode``.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity": Param(None, "units consumed per day at most"),
        "target": Param(None, "id of the firm that receives this firm's residue"),
        "mode": Param(None, "transport mode of the residue lots (its speed sets the delay)"),
        "external_input": Param(EXTERNAL_INPUT, "units of feedstock imported every day"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The nominal recipe, and unlimited storage for residue lots received."""
        for name in ("capacity", "target", "mode"):
            if params[name] is None:
                raise ValueError(f"firm type 'cw1' needs parameter {name!r}")
        return {
            "processes": {
                "main": {
                    "capacity": float(params["capacity"]),
                    "inputs": {"feedstock": 1.0},
                    "outputs": {"product": 0.8, "residue": 0.2},
                    "note": "nominal; produce() splits use // 5 into residue",
                }
            },
            "storage": {"residue": math.inf},
        }

    def setup(self) -> None:
        self.feed = self.material("feedstock")
        self.prod, self.res = self.material("product"), self.material("residue")
        self.cap = float(self.params["capacity"])
        self.daily_input = float(self.params["external_input"])

    # ---- one firm at a time (the per-firm path) --------------------------------------------
    def target_stock(self, day: int) -> dict[int, float]:
        """Today's feedstock plus the external input: the engine imports exactly that much."""
        return {self.feed: float(self.stock[self.feed]) + self.daily_input}

    def produce(self, day: int) -> None:
        """Consume min(stock, capacity); use // 5 becomes residue, shipped as one lot."""
        res, feed = float(self.stock[self.res]), float(self.stock[self.feed])
        use = min(res + feed, self.cap)
        if use <= 0.0:
            return
        from_res = min(res, use)
        self.consume(day, self.res, from_res)
        self.consume(day, self.feed, use - from_res)
        residue = use // RESIDUE_DIVISOR
        self.make(day, self.prod, use - residue)
        self.make(day, self.res, residue)
        self.ship(day, self.res, residue, to=self.params["target"], mode=self.params["mode"])
        self.record_activity(day, "main", use)

    # ---- all firms of the type at once (the vectorised path) -------------------------------
    @classmethod
    def target_many(
        cls, day: int, group: FirmGroup, planned: np.ndarray
    ) -> dict[str | int, np.ndarray]:
        """``target_stock`` for every firm: feedstock on hand plus the external input."""
        return {"feedstock": group.stock("feedstock") + group.param("external_input")}

    @classmethod
    def produce_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """``produce`` for every firm: the same arithmetic on arrays, lots in firm order."""
        res, feed = group.stock("residue"), group.stock("feedstock")
        use = np.where(group.active, np.minimum(res + feed, group.param("capacity")), 0.0)
        from_res = np.minimum(res, use)
        group.consume(day, "residue", from_res)
        group.consume(day, "feedstock", use - from_res)
        residue = use // RESIDUE_DIVISOR
        group.make(day, "product", use - residue)
        group.make(day, "residue", residue)
        group.ship(day, "residue", residue, to=group.param("target"), mode=group.param("mode"))
        return use[:, None]


def firm_id(i: int) -> str:
    """The id of CW-1 firm ``i``."""
    return f"f{i}"


def cw1_scenario(n_firms: int, days: int = 365, seed: int = SEED) -> dict[str, Any]:
    """The CW-1 scenario for ``n_firms`` firms as a mapping (as read from YAML)."""
    firms, modes = {}, {}
    for i, j in enumerate(targets(n_firms, seed)):
        mode = f"lot_{i}"
        km = float(abs(i - j))  # on a line 1 km apart, detour factor 1
        modes[mode] = {"speed": km / (delay(i, j) - EARLY_DAY), "cost": 0.0, "co2e": 0.0}
        firms[firm_id(i)] = {
            "type": "cw1",
            "location": {"x_km": float(i), "y_km": 0.0},
            "params": {"capacity": capacity(i), "target": firm_id(j), "mode": mode},
        }
    return {
        "name": f"cw1-{n_firms}",
        "description": "CW-1 reference workload (benchmarks/cw1.py)",
        "horizon": days,
        "seed": seed,
        "materials": MATERIALS,
        "firms": firms,
        "network": {"detour_factor": 1.0, "default_mode": "lot_0", "modes": modes},
        "boundary": {"imports": {"feedstock": {}}},
    }


def checksums(results: mfcsim.Results) -> tuple[int, int]:
    """Total product and total residue shipped, from the ledger."""
    flows = results.flows
    kind, material = flows["kind"].astype(str), flows["material"].astype(str)
    product = flows.loc[(kind == "production") & (material == "product"), "quantity"].sum()
    shipped = flows.loc[
        (kind == "shipment") & (material == "residue") & (flows["target"] == "in_transit"),
        "quantity",
    ].sum()
    for value in (product, shipped):
        if not float(value).is_integer():
            raise AssertionError(f"checksum {value!r} is not a whole number")
    return int(product), int(shipped)


def run_mfcsim(n_firms: int, days: int, seed: int = SEED) -> dict[str, Any]:
    """Build and run CW-1 once; timings, ledger rows and checksums."""
    start = time.perf_counter()
    scenario = mfcsim.scenario_from_dict(cw1_scenario(n_firms, days, seed))
    sim = mfcsim.Simulation(scenario)
    built, cpu = time.perf_counter(), time.process_time()
    results = sim.run()
    done, cpu = time.perf_counter(), time.process_time() - cpu
    product, shipped = checksums(results)
    return {
        "build_s": built - start,
        "simulate_s": done - built,
        "cpu_s": cpu,
        "loop_s": sim.wall_time_s,
        "ledger_rows": len(results.flows),
        "total_product": product,
        "total_residue_shipped": shipped,
    }


def _subprocess_json(args: list[str]) -> Any:
    out = subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, cwd=HERE.parent
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(name: str, runs: list[dict[str, Any]], n_firms: int, days: int,
            seed: int) -> dict[str, Any]:  # fmt: skip
    """One implementation's runs: medians of wall and CPU seconds, and the checksums.

    Raises:
        AssertionError: If the checksums differ between the runs.
    """
    sums = {(r["total_product"], r["total_residue_shipped"]) for r in runs}
    if len(sums) != 1:
        raise AssertionError(f"{name}: checksums differ between repeats: {sums}")
    wall = [r["simulate_s"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    row = {
        "implementation": name, "firms": n_firms, "days": days, "seed": seed,
        "repeats": len(runs), "total_product": runs[0]["total_product"],
        "total_residue_shipped": runs[0]["total_residue_shipped"],
        "simulate_s": statistics.median(wall), "simulate_s_all": wall,
        "cpu_s": statistics.median(cpu), "cpu_s_all": cpu,
    }  # fmt: skip
    row["firm_days_per_s"] = n_firms * days / row["simulate_s"]
    row["firm_days_per_cpu_s"] = n_firms * days / row["cpu_s"]
    if "loop_s" in runs[0]:
        row["build_s"] = statistics.median(r["build_s"] for r in runs)
        row["loop_s"] = statistics.median(r["loop_s"] for r in runs)
        row["loop_firm_days_per_s"] = n_firms * days / row["loop_s"]
        row["ledger_rows"] = runs[0]["ledger_rows"]
    return row


def measure(n_firms: int, days: int, repeats: int, seed: int, simpy: bool) -> list[dict[str, Any]]:
    """``repeats`` rounds, each a fresh interpreter per implementation, taken in turn.

    Alternating mfcsim and the SimPy versions round by round exposes them to the same load
    of a shared machine; CPU seconds beside wall seconds say how much of a slow round was
    waiting for a core.
    """
    case = ["--firms", str(n_firms), "--days", str(days), "--seed", str(seed)]
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(repeats):
        runs.setdefault("mfcsim", []).append(_subprocess_json([__file__, "--case", *case]))
        if simpy:
            for row in _subprocess_json([str(HERE / "cw1_simpy.py"), "--json", "--repeats", "1",
                                         *case]):  # fmt: skip
                runs.setdefault(row["implementation"], []).append(row)
    return [summary(name, rows, n_firms, days, seed) for name, rows in runs.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-simpy", action="store_true", help="run the mfcsim version only")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "cw1.json")
    parser.add_argument("--case", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_mfcsim(args.firms, args.days, args.seed)))
        return
    from engine import machine  # benchmarks/engine.py

    info = machine()
    rows = measure(args.firms, args.days, args.repeats, args.seed, not args.no_simpy)
    print(f"CW-1, {args.firms} firms, {args.days} days, median of {args.repeats} rounds")
    print(f"{'implementation':>16} {'firm-days/s':>12} {'per CPU s':>12} {'product':>12} "
          f"{'residue shipped':>16}")  # fmt: skip
    for row in rows:
        print(
            f"{row['implementation']:>16} {row['firm_days_per_s']:>12,.0f} "
            f"{row['firm_days_per_cpu_s']:>12,.0f} "
            f"{row['total_product']:>12,} {row['total_residue_shipped']:>16,}"
        )
    clock = next((r for r in rows if r["implementation"] == "simpy-clock"), None)
    if clock is not None:
        print(f"mfcsim / simpy-clock: {rows[0]['firm_days_per_s'] / clock['firm_days_per_s']:.2f} "
              f"(wall), {rows[0]['firm_days_per_cpu_s'] / clock['firm_days_per_cpu_s']:.2f} "
              "(CPU)")  # fmt: skip
    mf = rows[0]
    print(
        f"mfcsim: build {mf['build_s']:.2f} s, run {mf['simulate_s']:.2f} s "
        f"(daily loop {mf['loop_s']:.2f} s = {mf['loop_firm_days_per_s']:,.0f} firm-days/s), "
        f"{mf['ledger_rows']:,} ledger rows"
    )
    sums = {(r["total_product"], r["total_residue_shipped"]) for r in rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": info, "checksums_agree": len(sums) == 1, "rows": rows}, indent=2)
        + "\n"
    )
    print(f"written: {args.out}")
    if len(sums) != 1:
        raise SystemExit(f"checksums disagree: {sums}")


if __name__ == "__main__":
    main()
