"""The command line, end to end in a real process: run, validate, schema and bad arguments."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mfcsim.cli import main

CONSOLE_SCRIPT = Path(sys.executable).parent / "mfcsim"


def mfcsim(*args: str, cwd: Path, console_script: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `python -m mfcsim ARGS` (or the installed `mfcsim` script) and capture its output."""
    command = [str(CONSOLE_SCRIPT)] if console_script else [sys.executable, "-m", "mfcsim"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def test_run_prints_the_run_folder_and_its_headline(tiny_path: Path, tmp_path: Path) -> None:
    """`mfcsim run --out DIR` writes DIR, prints its path first, then the KPI table."""
    out = tmp_path / "run"
    proc = mfcsim("run", str(tiny_path), "--days", "3", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(out)
    assert lines[1] == f"report: {out / 'report.html'}"
    assert "mass balance max rel. error" in proc.stdout
    assert (out / "flows.parquet").is_file()
    assert json.loads((out / "manifest.json").read_text())["days"] == 3
    assert "Traceback" not in proc.stderr


def test_console_script_quiet_prints_only_the_default_run_folder(
    tiny_path: Path, tmp_path: Path
) -> None:
    """`mfcsim run --quiet` prints one line: runs/<name>/<UTC time>-seed<N>, which exists."""
    assert CONSOLE_SCRIPT.is_file()
    proc = mfcsim(
        "run", str(tiny_path), "--days", "2", "--quiet", cwd=tmp_path, console_script=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    printed = proc.stdout.strip()
    assert re.fullmatch(r"runs/tiny/\d{8}T\d{6}Z-seed7", printed), printed
    assert (tmp_path / printed / "kpis.json").is_file()
    assert proc.stderr == ""


def test_seed_days_and_set_change_the_run_and_repeat_bit_for_bit(
    tiny_path: Path, tmp_path: Path
) -> None:
    """--seed, --days and --set reach the run; two processes with them write the same ledger."""
    args = [
        "run",
        str(tiny_path),
        "--seed",
        "3",
        "--days",
        "4",
        "--set",
        "name=tiny-variant",
        "--set",
        "firms.dairy.variability.activity_cv=0.2",
        "--quiet",
    ]
    both = [  # two processes side by side
        subprocess.Popen(
            [sys.executable, "-m", "mfcsim", *args, "--out", str(tmp_path / out)],
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in ("a", "b")
    ]
    for proc in both:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert (manifest["scenario"], manifest["seed"], manifest["days"]) == ("tiny-variant", 3, 4)
    resolved = (tmp_path / "a" / "scenario.resolved.yaml").read_text()
    assert "activity_cv: 0.2" in resolved
    for name in ("flows.parquet", "stocks.parquet", "kpis.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_validate_prints_ok_and_a_summary(tiny_path: Path, tmp_path: Path) -> None:
    """`mfcsim validate` says ok and counts what the scenario holds."""
    proc = mfcsim("validate", str(tiny_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "ok",
        "tiny: 5 firms, 16 materials, 7 contracts, 0 links, 2 pipelines, horizon 30 d, seed 7",
    ]


def test_schema_prints_the_json_schema_of_scenarios(tmp_path: Path) -> None:
    """`mfcsim schema` prints valid JSON describing the scenario, firms included."""
    proc = mfcsim("schema", cwd=tmp_path, console_script=True)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert "firms" in schema["properties"]
    assert {"name", "horizon", "materials", "firms"} <= set(schema["required"])


def test_bad_arguments_exit_2_in_a_real_process(tmp_path: Path) -> None:
    """A missing scenario argument is a usage error: exit 2, no traceback, nothing written."""
    proc = mfcsim("run", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Missing argument" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run"], "Missing argument"),
        (["run", "TINY", "--days", "0"], "--days"),
        (["run", "TINY", "--seed", "-1"], "--seed"),
        (["run", "TINY", "--bogus"], "No such option"),
        (["frobnicate"], "No such command"),
        (["validate"], "Missing argument"),
    ],
)
def test_bad_arguments_exit_2(
    args: list[str], words: str, tiny_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Usage errors exit 2 and say what is wrong."""
    assert main([str(tiny_path) if a == "TINY" else a for a in args]) == 2
    _, err = capsys.readouterr()
    assert words in err
    assert "Traceback" not in err


def test_bad_set_exits_2_with_one_line(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A `--set` without `=` is reported on one line naming `--set`."""
    assert main(["run", str(tiny_path), "--set", "seed"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "mfcsim: error: --set: 'seed' is not of the form dotted.path=value (e.g. seed=3)\n"
    )


def test_a_bad_solver_thread_count_exits_2_and_writes_nothing(
    tiny_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``MFCSIM_SOLVER_THREADS`` other than a positive integer: one line, exit 2, no folder."""
    monkeypatch.setenv("MFCSIM_SOLVER_THREADS", "two")
    out_dir = tmp_path / "run"
    code = main(["run", str(tiny_path), "--set", "agent.policy=optimal", "--out", str(out_dir)])
    assert code == 2
    _, err = capsys.readouterr()
    assert err == (
        "mfcsim: error: environment variable MFCSIM_SOLVER_THREADS='two': accepted a positive "
        "integer (the threads the optimal policy solves its parts on; 1: one at a time)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_types_lists_the_firm_types(capsys: pytest.CaptureFixture[str]) -> None:
    """`mfcsim types` names each firm type with its parameters."""
    assert main(["types"]) == 0
    out, _ = capsys.readouterr()
    assert re.search(r"^generic: ", out, re.MULTILINE)
    assert re.search(r"^city: ", out, re.MULTILINE)
    assert re.search(r"^    population: inhabitants", out, re.MULTILINE)


@pytest.fixture
def unbalanced_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run gains 1 t on its first import row after the engine is done: it cannot balance."""
    from mfcsim.engine.simulation import Simulation
    from mfcsim.results import Results

    real_run = Simulation.run

    def run(self: Simulation, *, strict: bool = True) -> Results:
        results = real_run(self, strict=False)
        flows = results.flows
        first_import = flows.index[flows["kind"].astype(str) == "import"][0]
        flows.loc[first_import, "quantity"] += 1.0
        if strict:
            results.check_balance()
        return results

    monkeypatch.setattr(Simulation, "run", run)


def test_no_strict_warns_of_an_imbalance_with_and_without_reps(
    unbalanced_runs: None, tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--no-strict` writes the run(s) but prints the balance error, for one run and for --reps."""
    base = ["run", str(tiny_path), "--days", "2", "--quiet", "--no-strict"]
    assert main([*base, "--out", str(tmp_path / "one")]) == 0
    _, err = capsys.readouterr()
    (single,) = err.splitlines()
    assert single.startswith("mfcsim: warning: ")
    message = single.removeprefix("mfcsim: warning: ")
    assert message.startswith("mass balance violated at ")

    assert main([*base, "--reps", "2", "--out", str(tmp_path / "reps")]) == 0
    _, err = capsys.readouterr()
    first, second = err.splitlines()
    assert first == f"mfcsim: warning: rep-000: {message}"  # replication 0: the same seed
    assert second.startswith("mfcsim: warning: rep-001: mass balance violated at ")
    assert (tmp_path / "reps" / "rep-001" / "flows.parquet").is_file()

    strict = ["run", str(tiny_path), "--days", "2", "--quiet", "--reps", "2"]
    assert main([*strict, "--out", str(tmp_path / "strict")]) == 1
    _, err = capsys.readouterr()
    assert err.startswith("mfcsim: error: ")
    assert not (tmp_path / "strict").exists()


def test_headline_rows_are_the_registered_indicators(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every headline row is its indicator's cluster value over all, the same in kpis.json."""
    import pandas as pd

    from mfcsim.indicators.headline import HEADLINE

    out = tmp_path / "run"
    assert main(["run", str(tiny_path), "--days", "6", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    kpis = json.loads((out / "kpis.json").read_text())
    frame = pd.read_parquet(out / "indicators.parquet")
    cluster = frame[(frame["scope"] == "cluster") & (frame["period"] == "all")]
    indicator = dict(zip(cluster["indicator"], cluster["value"], strict=True))

    def row(key: str) -> float:
        label = re.escape(dict(HEADLINE)[key])
        found = re.search(rf"^{label}\s+(\S+)\s*$", printed, re.MULTILINE)
        assert found is not None, printed
        return float(found[1].replace(",", ""))

    for key in ("residues_generated_t", "residue_valorisation_share", "material_imports_t"):
        assert row(key) == pytest.approx(indicator[key], rel=1e-3)
        assert kpis[key] == pytest.approx(indicator[key])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("run", "{tiny}", "--seed", "-1"), "mfcsim run: error: Invalid value for '--seed'"),
        (("run", "{tiny}", "--bogus"), "mfcsim run: error: No such option: --bogus"),
        (("compare", "{tiny}", "--workers", "abc"), "mfcsim compare: error: Invalid value"),
        (("nonsense",), "mfcsim: error: No such command 'nonsense'"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    args: tuple[str, ...], expected: str, tiny_path: Path, tmp_path: Path
) -> None:
    """Usage errors of the parser read like every other error: one line on stderr, exit 2."""
    done = mfcsim(*(a.format(tiny=tiny_path) for a in args), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(expected), done.stderr
    assert not (tmp_path / "runs").exists()
