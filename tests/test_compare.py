"""Replications and comparisons: seeds, common random numbers, the paired interval, the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mfcsim.cli import main
from mfcsim.compare import (
    Variant,
    compare,
    headline_indicators,
    paired_comparison,
    replicate,
    replication_seeds,
    write_replications,
)
from mfcsim.errors import MassBalanceError
from mfcsim.scenario.load import load_scenario
from mfcsim.scenario.root import Scenario

#: The `mini` mill and bakery (conftest), where the bran has no contract, plus a pig farm that
#: can eat bran instead of bought feed. Mill and farm vary at random from day to day, so
#: replications differ; with the agent (greedy) the bran goes to the pigs, not to disposal.
BRAN_YAML = """\
extends: mini.yaml
name: bran
horizon: 20 d
seed: 11
materials:
  feed: {unit: t, kind: raw_material, price: 250 EUR/t}
  meat: {unit: t, kind: product, price: 3000 EUR/t}
  manure: {unit: t, kind: residue}
substitution:
  pig_feed: {feed: 1.0, bran: 1.0}
firms:
  mill: {variability: {activity_cv: 0.3}}
  pigs:
    type: generic
    location: {x_km: 5, y_km: 0}
    variability: {activity_cv: 0.3}
    processes:
      fatten: {capacity: 3 / d, inputs: {feed: 1 t}, outputs: {meat: 0.3 t, manure: 0.7 t}}
boundary:
  imports: {feed: {}}
"""
#: Two-sided 95 % quantile of Student's t with 3 degrees of freedom, from a printed t table.
T_975_3 = 3.182


def long_frame(values: dict[str, list[float]]) -> pd.DataFrame:
    """A long indicator frame: one cluster-wide value per indicator and replication."""
    rows = [
        (r, name, "cluster", "all", value, "t")
        for name, series in values.items()
        for r, value in enumerate(series)
    ]
    return pd.DataFrame(
        rows, columns=["replication", "indicator", "scope", "period", "value", "unit"]
    )


def cluster_values(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The whole-horizon, cluster-wide values of one indicator, in replication order."""
    rows = frame[(frame["indicator"] == name) & (frame["scope"] == "cluster")]
    return rows[rows["period"] == "all"].sort_values("replication")["value"].to_numpy()


@pytest.fixture
def bran_path(write_yaml: Callable[..., Path], mini_text: str) -> Path:
    """The bran scenario as a file (beside the mini scenario it extends)."""
    write_yaml(mini_text, "mini.yaml")
    return write_yaml(BRAN_YAML, "bran.yaml")


@pytest.fixture
def bran(bran_path: Path) -> Callable[..., Scenario]:
    """Load the bran scenario with overrides."""
    return lambda *overrides: load_scenario(bran_path, overrides)


# ---- the statistics, by hand ---------------------------------------------------------------


def test_paired_interval_matches_a_hand_computed_t_interval() -> None:
    """Differences 1, 2, 3, 4: mean 2.5, sd √(5/3), interval 2.5 ± 3.182 · sd / 2."""
    a = long_frame({"up": [10.0, 20.0, 30.0, 40.0], "flat": [5.0, 5.0, 5.0, 5.0]})
    b = long_frame({"up": [11.0, 22.0, 33.0, 44.0], "flat": [6.0, 4.0, 7.0, 3.0]})
    table = paired_comparison(a, b).set_index("indicator")
    up = table.loc["up"]
    half = T_975_3 * math.sqrt(5 / 3) / math.sqrt(4)
    assert (up["n"], up["mean_a"], up["mean_b"], up["diff"]) == (4, 25.0, 27.5, 2.5)
    assert up["sd_diff"] == pytest.approx(math.sqrt(5 / 3), rel=1e-12)
    assert up["ci_low"] == pytest.approx(2.5 - half, rel=1e-3)
    assert up["ci_high"] == pytest.approx(2.5 + half, rel=1e-3)
    assert up["significant"]
    flat = table.loc["flat"]  # differences 1, -1, 2, -2: mean 0, the interval spans 0
    assert flat["diff"] == 0.0
    assert flat["ci_low"] < 0.0 < flat["ci_high"]
    assert not flat["significant"]
    assert list(table.columns[:3]) == ["scope", "period", "unit"]


def test_one_replication_gives_no_interval_and_no_verdict() -> None:
    """With one pair the interval is NaN and nothing is significant (no error, no warning)."""
    table = paired_comparison(long_frame({"x": [1.0]}), long_frame({"x": [3.0]}))
    row = table.iloc[0]
    assert (row["n"], row["diff"]) == (1, 2.0)
    assert math.isnan(row["ci_low"])
    assert math.isnan(row["ci_high"])
    assert not row["significant"]


def test_a_constant_nonzero_difference_is_significant_with_a_zero_width_interval() -> None:
    """A deterministic change (the same difference every replication) is exact, not noise."""
    table = paired_comparison(long_frame({"x": [1.0, 2.0, 3.0]}), long_frame({"x": [2.0, 3, 4]}))
    row = table.iloc[0]
    assert (row["diff"], row["ci_low"], row["ci_high"], row["significant"]) == (1, 1, 1, True)


def test_rounding_noise_is_no_difference() -> None:
    """Differences of 1e-12 relative (sums in another order) count as 0, not as significant."""
    a = long_frame({"x": [1e6, 2e6, 3e6]})
    b = long_frame({"x": [1e6 + 1e-7, 2e6 + 2e-7, 3e6 + 3e-7]})
    row = paired_comparison(a, b).iloc[0]
    assert (row["diff"], row["sd_diff"], row["significant"]) == (0.0, 0.0, False)


def test_values_only_one_side_has_are_not_paired() -> None:
    """An indicator B reports and A does not keeps B's mean; no difference is made up."""
    a = long_frame({"x": [1.0, 2.0]})
    b = long_frame({"x": [1.0, 2.0], "only_b": [5.0, 7.0]})
    row = paired_comparison(a, b).set_index("indicator").loc["only_b"]
    assert (row["n"], row["mean_b"]) == (0, 6.0)
    assert math.isnan(row["mean_a"])
    assert math.isnan(row["diff"])
    assert not row["significant"]


# ---- replications and common random numbers -----------------------------------------------


def test_replication_seeds_count_up_from_the_scenario_seed() -> None:
    """Replication r runs with seed + r."""
    assert replication_seeds(7, 3) == [7, 8, 9]


def test_identical_variants_differ_by_exactly_zero(bran: Callable[..., Scenario]) -> None:
    """A against itself on common random numbers: every difference is 0, none significant."""
    scenario = bran("horizon=6")
    result = compare(Variant("A", scenario, "bran"), Variant("B", scenario, "bran"), 3)
    table = result.table.dropna(subset=["diff"])
    assert len(table) > 20
    assert (table["diff"] == 0.0).all()
    assert (table["sd_diff"] == 0.0).all()
    assert not table["significant"].any()
    imports = cluster_values(
        result.indicators[result.indicators["variant"] == "A"], "material_imports_t"
    )
    assert len(set(imports)) == 3  # the replications themselves differ


def test_the_agent_lowers_disposal_significantly(bran: Callable[..., Scenario]) -> None:
    """Greedy clearing sends bran to the pigs: disposal and imports fall, reuse rises."""
    none = Variant("A", bran("agent.policy=none"), "bran", ("agent.policy=none",))
    greedy = Variant("B", bran("agent.policy=greedy"), "bran", ("agent.policy=greedy",))
    table = compare(none, greedy, 3, measure=headline_indicators).table
    cluster = table[(table["scope"] == "cluster") & (table["period"] == "all")]
    rows = cluster.set_index("indicator")
    for name in ("disposal_t", "material_imports_t"):
        assert rows.loc[name, "significant"], name
        assert rows.loc[name, "ci_high"] < 0.0, name
    assert rows.loc["residues_consumed_t", "ci_low"] > 0.0


def test_common_random_numbers_shrink_the_variance_of_the_difference(
    bran: Callable[..., Scenario],
) -> None:
    """The same seeds in A and B cancel the mill's and farm's noise out of the difference."""
    none, greedy = (
        bran("agent.policy=none", "horizon=10"),
        bran("agent.policy=greedy", "horizon=10"),
    )
    seeds = replication_seeds(1, 6)

    def imports_t(scenario: Scenario, seeds: list[int]) -> np.ndarray:
        return cluster_values(
            replicate(scenario, seeds, measure=headline_indicators), "material_imports_t"
        )

    base = imports_t(none, seeds)
    common = imports_t(greedy, seeds) - base
    independent = imports_t(greedy, replication_seeds(1001, 6)) - base
    var_common, var_independent = np.var(common, ddof=1), np.var(independent, ddof=1)
    assert var_common < var_independent / 10, (var_common, var_independent)


def test_replication_zero_is_the_plain_run(bran_path: Path, tmp_path: Path) -> None:
    """rep-000 holds the same bytes as `mfcsim run`; rep-001 is the run with seed + 1."""
    scenario = load_scenario(bran_path, days=5)
    frame = write_replications(scenario, tmp_path / "reps", 2)
    plain = ["run", str(bran_path), "--days", "5", "--quiet", "--out"]
    assert main([*plain, str(tmp_path / "plain")]) == 0
    assert main([*plain, str(tmp_path / "s12"), "--seed", "12"]) == 0
    for name in ("flows.parquet", "stocks.parquet", "indicators.parquet", "kpis.json"):
        rep0 = (tmp_path / "reps" / "rep-000" / name).read_bytes()
        rep1 = (tmp_path / "reps" / "rep-001" / name).read_bytes()
        assert rep0 == (tmp_path / "plain" / name).read_bytes(), name
        assert rep1 == (tmp_path / "s12" / name).read_bytes(), name
    assert list(frame["seed"].unique()) == [11, 12]


def test_a_failing_replication_leaves_nothing_behind(
    bran: Callable[..., Scenario], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If replication 2 fails, neither the folder nor its temporary twin remains."""
    from mfcsim import compare as module

    real = module.Simulation

    def failing(scenario: Scenario, *, seed: int) -> object:
        if seed == scenario.seed + 2:
            raise MassBalanceError(["mill/bran: off by 1 t"])
        return real(scenario, seed=seed)

    monkeypatch.setattr(module, "Simulation", failing)
    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(MassBalanceError):
        write_replications(bran("horizon=3"), runs / "reps", 3)
    assert list(runs.iterdir()) == []


def test_the_python_example_in_docs_compare_runs(
    run_doc_example: Callable[[str], dict[str, object]],
) -> None:
    """The ```python block of docs/compare.md runs as written."""
    table = run_doc_example("compare.md")["result"].table  # type: ignore[attr-defined]
    assert {"diff", "ci_low", "ci_high", "significant"} <= set(table.columns)


# ---- the command line ------------------------------------------------------------------------


def mfcsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m mfcsim ARGS` in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "mfcsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_run_reps_writes_one_folder_per_replication_reproducibly(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run --reps 3`: rep-000..rep-002, stacked indicators, seeds; same bytes with workers."""
    args = ["run", str(tiny_path), "--days", "3", "--reps", "3", "--quiet"]
    args += ["--set", "firms.dairy.variability.activity_cv=0.2"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0  # sequentially, in this process
    assert capsys.readouterr().out == f"{tmp_path / 'one'}\n"
    proc = mfcsim(*args, "--workers", "2", "--out", "two", cwd=tmp_path)  # a real process
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "two\n"
    one, two = tmp_path / "one", tmp_path / "two"
    assert (one / "rep-002" / "flows.parquet").read_bytes() == (
        two / "rep-002" / "flows.parquet"
    ).read_bytes()
    assert sorted(p.name for p in one.iterdir()) == [
        "indicators.parquet",
        "rep-000",
        "rep-001",
        "rep-002",
        "replications.json",
    ]
    assert (one / "indicators.parquet").read_bytes() == (two / "indicators.parquet").read_bytes()
    about = json.loads((one / "replications.json").read_text())
    assert (about["seeds"], about["folders"][2]) == ([7, 8, 9], "rep-002")
    assert json.loads((one / "rep-002" / "manifest.json").read_text())["seed"] == 9
    frame = pd.read_parquet(one / "indicators.parquet")
    assert list(frame.columns[:2]) == ["replication", "seed"]
    assert len(set(cluster_values(frame, "material_imports_t"))) == 3


def test_compare_cli_writes_the_comparison_and_workers_change_nothing(
    bran_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compare A --a-set --b-set`: a table, comparison.parquet/json; 2 workers, same bytes."""
    args = ["compare", str(bran_path), "--reps", "3", "--days", "4"]
    args += ["--a-set", "agent.policy=none", "--b-set", "agent.policy=greedy"]
    assert main([*args, "--out", str(tmp_path / "seq")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        str(tmp_path / "seq"),
        f"A: {bran_path} with agent.policy=none",
        f"B: {bran_path} with agent.policy=greedy",
    ]
    assert "B − A" in lines[4]
    assert any(line.startswith("disposal_t") and line.rstrip().endswith("yes") for line in lines)
    summary = json.loads((tmp_path / "seq" / "comparison.json").read_text())
    assert (summary["replications"], summary["seeds"]) == (3, [11, 12, 13])
    assert summary["b"]["overrides"] == ["agent.policy=greedy"]
    table = pd.read_parquet(tmp_path / "seq" / "comparison.parquet")
    assert len(summary["rows"]) == len(table)
    assert set(pd.read_parquet(tmp_path / "seq" / "indicators.parquet")["variant"]) == {"A", "B"}
    proc = mfcsim(*args, "--workers", "2", "--quiet", "--out", "par", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "par\n"
    for name in ("comparison.parquet", "indicators.parquet", "comparison.json"):
        assert (tmp_path / "seq" / name).read_bytes() == (tmp_path / "par" / name).read_bytes()


def test_compare_with_one_replication_says_no_interval(
    bran_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--reps 1 runs, and says that no interval can be computed."""
    out = tmp_path / "cmp"
    args = ["compare", str(bran_path), str(bran_path), "--reps", "1", "--days", "3"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "no confidence interval can be computed" in printed
    summary = json.loads((out / "comparison.json").read_text())
    assert all(row["ci_low"] is None and not row["significant"] for row in summary["rows"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["compare", "BRAN", "--b-set", "agent.polcy=greedy"],
            "--set: agent.polcy: unknown field (accepted: carbon_price, import_penalty, "
            "k_nearest, policy, start_day, unmet_penalty; did you mean policy?)",
        ),
        (
            ["compare", "BRAN", "BRAN", "--reps", "0"],
            "--reps 0: too small (accepted: a whole number, 1 or more)",
        ),
        (
            ["run", "BRAN", "--reps", "0"],
            "--reps 0: too small (accepted: a whole number, 1 or more)",
        ),
        (
            ["run", "BRAN", "--reps", "2", "--workers", "0"],
            "--workers 0: too small (accepted: a whole number, 1 or more)",
        ),
        (["compare", "BRAN", "missing.yaml"], "missing.yaml: file not found"),
        (["run", "missing.yaml", "--reps", "2"], "missing.yaml: file not found"),
        (
            ["compare", "BRAN"],
            "compare: B is missing (accepted: compare A.yaml B.yaml, or compare A.yaml "
            "--a-set path=value --b-set path=value)",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    args: list[str],
    message: str,
    bran_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Unknown fields, zero counts, missing files: one line on stderr, exit 2, no folder."""
    monkeypatch.chdir(tmp_path)
    argv = [str(bran_path) if a == "BRAN" else a for a in args]
    before = set(tmp_path.iterdir())
    assert main([*argv, "--out", "out"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"mfcsim: error: {message}\n")
    assert set(tmp_path.iterdir()) == before


def test_compare_refuses_a_non_empty_out_before_running(
    bran_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing non-empty --out is refused, and left as it was."""
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["compare", str(bran_path), str(bran_path), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"mfcsim: error: --out {out}: exists and is not empty (accepted: a new folder, or an "
        "empty one, in a folder you may write in)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bran.yaml", "mini.yaml", "taken"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
