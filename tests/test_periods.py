"""Evaluation periods: the defaults, the scenario's own, slicing by day, and bad input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mfcsim.errors import ScenarioError
from mfcsim.indicators import compute_indicators
from mfcsim.indicators.periods import Period, default_periods, evaluation_periods
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import run_scenario

LOOP = Path(__file__).parent / "data" / "indicators_loop.yaml"
WriteYaml = Callable[..., Path]
LineOf = Callable[[str, str], int]


@pytest.mark.parametrize(
    ("horizon", "expected"),
    [
        (10, [(0, 1), (4, 5), (9, 10)]),
        (30, [(0, 3), (13, 16), (27, 30)]),
        # 36.5 days round up to 37; the middle window starts at (365 - 37) // 2
        (365, [(0, 37), (164, 201), (328, 365)]),
        (3, [(0, 1), (1, 2), (2, 3)]),  # never shorter than a day
    ],
)
def test_default_periods_are_the_first_middle_and_last_tenth(
    horizon: int, expected: list[tuple[int, int]]
) -> None:
    periods = default_periods(horizon)
    assert [p.name for p in periods] == ["start", "mid", "end"]
    assert [(p.start_day, p.end_day) for p in periods] == expected


def test_all_comes_first_and_given_periods_replace_the_defaults() -> None:
    assert evaluation_periods(20) == [Period("all", 0, 20), *default_periods(20)]
    assert evaluation_periods(20, {"pilot": (2.0, 5.0)}) == [
        Period("all", 0, 20),
        Period("pilot", 2, 5),
    ]


def test_a_scenario_without_evaluation_gets_the_default_periods() -> None:
    """The tiny scenario (30 days): indicators for all, start, mid and end."""
    results = run_scenario(Path(__file__).parents[1] / "scenarios/tiny.yaml", days=10)
    compared = [f"end_vs_{m}_{s}" for m in ("start", "midpoint") for s in ("diff", "ratio")]
    assert list(dict.fromkeys(results.indicators["period"])) == [
        "all",
        "start",
        "mid",
        "end",
        *compared,
    ]


def test_evaluation_periods_are_read_with_units() -> None:
    scn = load_scenario(LOOP)
    assert scn.evaluation.period_days() == {"early": (0.0, 2.0), "steady": (7.0, 10.0)}
    scn = load_scenario(LOOP, ["evaluation.periods.steady.start=168 h"])
    assert scn.evaluation.period_days()["steady"] == (7.0, 10.0)


def test_a_period_holds_the_rows_of_its_days_only() -> None:
    """Day 3 of the loop: 10 t water imported; 2 t straw + 2 t bran + 0.05 t food waste
    landfilled. Halves [0, 5) and [5, 10) add up to the whole run for additive indicators."""
    results = run_scenario(LOOP)
    frame = compute_indicators(results, {"day3": (3, 4), "first": (0, 5), "second": (5, 10)})
    cluster = frame[frame["scope"] == "cluster"].set_index(["indicator", "period"])["value"]
    assert cluster[("water_input_t", "day3")] == pytest.approx(10.0)
    assert cluster[("disposal_t", "day3")] == pytest.approx(4.05)
    for name in ("transport_tkm", "disposal_t", "costs_eur", "ghg_total_t_co2e"):
        halves = cluster[(name, "first")] + cluster[(name, "second")]
        assert halves == pytest.approx(cluster[(name, "all")])


BAD = {
    "beyond the horizon": (
        "    steady: {start: 7 d, end: 10 d}",
        "    steady: {start: 7 d, end: 12 d}",
        "evaluation.periods.steady.end",
        "12 d is beyond the horizon of 10 d (accepted: 0 d to 10 d)",
    ),
    "end before start": (
        "    steady: {start: 7 d, end: 10 d}",
        "    steady: {start: 7 d, end: 7 d}",
        "evaluation.periods.steady.end",
        "7 d is not after start 7 d",
    ),
    "all is reserved": (
        "    steady: {start: 7 d, end: 10 d}",
        "    all: {start: 7 d, end: 10 d}",
        "evaluation.periods.all",
        "'all' is the whole horizon (accepted: another name)",
    ),
    "not a time": (
        "    steady: {start: 7 d, end: 10 d}",
        "    steady: {start: 7 t, end: 10 d}",
        "evaluation.periods.steady.start",
        "day",
    ),
    "unknown field": (
        "    steady: {start: 7 d, end: 10 d}",
        "    steady: {start: 7 d, end: 10 d, until: 9 d}",
        "evaluation.periods.steady.until",
        "unknown field (accepted: end, start)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_evaluation_is_one_line_with_exit_2(
    case: str, write_yaml: WriteYaml, line_of: LineOf, tmp_path: Path
) -> None:
    """`mfcsim run` on a bad evaluation section: exit 2, one stderr line naming file, line,
    field and problem, no traceback, no run folder."""
    old, new, field, words = BAD[case]
    text = LOOP.read_text()
    assert text.count(old) == 1
    path = write_yaml(text.replace(old, new), "bad.yaml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.field.startswith(field)
    assert words in err.value.problem
    proc = subprocess.run(
        [sys.executable, "-m", "mfcsim", "run", str(path), "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    line = line_of(text.replace(old, new), new.strip())
    assert proc.stderr.startswith(f"mfcsim: error: {path}:{line}: {field}")
    assert not (tmp_path / "run").exists()


def test_a_shorter_run_must_still_hold_the_periods(tmp_path: Path) -> None:
    """`--days 8` cuts the horizon below the steady period's end: exit 2, one line."""
    proc = subprocess.run(
        [sys.executable, "-m", "mfcsim", "run", str(LOOP), "--days", "8", "--out", "x"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "evaluation.periods.steady.end: 10 d is beyond the horizon of 8 d" in proc.stderr
