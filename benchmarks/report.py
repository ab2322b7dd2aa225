"""Benchmark: the standalone report (issue 12) and the explorer's callbacks.

- the default scenario's year: the report's size, the time to write it (what it adds to
  ``mfcsim run``), and the time from navigation until every figure is drawn in Debian's
  headless Chromium (median of 3; target 3 s, size under 15 MB, writing under 2 s);
- a 1,000-firm synthetic year (greedy agent): the report's size (target under 25 MB) and
  time to write it;
- the explorer on the default year: per change of one control, the slowest callback it fires
  and all of them together (p50, p95; target p95 300 ms), measured in-process.

Writes benchmarks/results/report.json with the machine's description.

    .venv/bin/python benchmarks/report.py [--skip-synthetic] [--out benchmarks/results/report.json]
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

import mfcsim  # noqa: E402
from mfcsim.reporting import write_report  # noqa: E402
from mfcsim.scenario.generate import synthetic_cluster  # noqa: E402


def _run(scenario: Any, folder: Path) -> Path:
    return mfcsim.Simulation(scenario).run().write(folder)


def _timed_report(folder: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    path = write_report(folder)
    return path, time.perf_counter() - started


def _render_seconds(report: Path, repeats: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    from dashboards.browser import launch

    times = []
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            started = time.perf_counter()
            page.goto(report.as_uri())
            page.wait_for_selector("body[data-rendered]", timeout=120_000)
            times.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return times


def _callback_ms(root: Path, run: str) -> tuple[list[float], list[float]]:
    """Per change of one control: the slowest callback it fires, and all of them together.

    Each figure group is its own callback (dashboards.explorer.GROUPS), fired only by the
    controls it depends on; Dash sends them as separate requests.
    """
    from dashboards.explorer import GROUPS, Explorer, _choice, group_outputs

    data = Explorer(root).load(run)
    state = {"material": None, "layer": "mass", "level": "firm", "step": "week", "period": 0,
             "firm": None}  # fmt: skip
    changes = [("period", 20), ("material", "digestate"), ("layer", "N"), ("level", "sector"),
               ("step", "month"), ("period", 3), ("firm", "chp"), ("material", None),
               ("layer", "mass"), ("step", "week"), ("period", 40), ("firm", None),
               ("level", "firm"), ("period", 10)]  # fmt: skip
    slowest, together = [], []
    for _ in range(2):
        for control, value in changes:
            state[control] = value
            choice = _choice(state["material"], state["layer"], state["level"], state["step"],
                             state["firm"])  # fmt: skip
            each = []
            for name, (_, triggers, _) in GROUPS.items():
                if control in triggers:
                    started = time.perf_counter()
                    group_outputs(name, data, None, choice, int(state["period"]))
                    each.append(1000 * (time.perf_counter() - started))
            slowest.append(max(each))
            together.append(sum(each))
    return slowest, together


def main() -> None:
    """Run the cases and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "report.json")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = _run(mfcsim.load_scenario(ROOT / "scenarios" / "default.yaml"), root / "default")
        report, seconds = _timed_report(folder)
        render = _render_seconds(report)
        slowest, together = (sorted(x) for x in _callback_ms(root, "default"))
        out["default"] = {
            "report_mb": round(report.stat().st_size / 1e6, 2),
            "write_s": round(seconds, 2),
            "render_s": [round(t, 2) for t in render],
            "render_median_s": round(statistics.median(render), 2),
            "callback_ms_p50": round(statistics.median(slowest), 1),
            "callback_ms_p95": round(slowest[int(0.95 * (len(slowest) - 1))], 1),
            "change_ms_all_callbacks_p95": round(together[int(0.95 * (len(together) - 1))], 1),
        }
        print(json.dumps(out["default"]))
        if not args.skip_synthetic:
            spec = synthetic_cluster(1000, seed=1, days=365, policy="greedy")
            folder = _run(mfcsim.scenario_from_dict(spec), root / "synthetic-1000")
            report, seconds = _timed_report(folder)
            out["synthetic_1000"] = {"report_mb": round(report.stat().st_size / 1e6, 2),
                                     "write_s": round(seconds, 2)}  # fmt: skip
            print(json.dumps(out["synthetic_1000"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
