"""The standalone report and the viewing commands: offline, repeatable, clear about bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mfcsim import runfiles
from mfcsim.errors import ResultsError
from mfcsim.reporting import build_report
from tests.viz_fixtures import TINY, runs_dir, write_tiny  # noqa: F401  (runs_dir: a fixture)


def mfcsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfcsim", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300, check=False)  # fmt: skip


def test_report_is_offline_and_has_every_figure(runs_dir: Path) -> None:  # noqa: F811
    """plotly.js inlined once, nothing loaded from elsewhere, one figure and CSV per section."""
    text = build_report(runs_dir / "tiny", baseline=runs_dir / "tiny-none")
    assert text.count("* plotly.js v") == 1
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"?https?:", text)
    keys = re.findall(r'<div id="fig-([a-z]+)" class="figure">', text)
    assert keys == ["sankey", "layers", "difference", "map", "scorecard", "stocks", "flows", "fill",
                    "provenance"]  # fmt: skip
    assert text.count('download="') == len(keys)


def test_same_seed_gives_the_same_report_bytes(tmp_path: Path) -> None:
    """Two runs of one seed give byte-identical reports (no time of writing is embedded)."""
    a = write_tiny(tmp_path / "a", days=12)
    b = write_tiny(tmp_path / "b", days=12)
    assert build_report(a, label="x") == build_report(b, label="x")
    other = write_tiny(tmp_path / "c", days=12, seed=8)
    assert build_report(other, label="x") != build_report(a, label="x")


def test_run_writes_the_report_inside_the_atomic_folder(tmp_path: Path) -> None:
    """`mfcsim run` writes report.html and says where; --no-report writes none."""
    out = tmp_path / "run"
    proc = mfcsim("run", str(TINY), "--days", "5", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == f"report: {out / 'report.html'}"
    assert "<title>mfcsim report: run</title>" in (out / "report.html").read_text()
    assert not list(tmp_path.glob(".*.tmp"))
    bare = tmp_path / "bare"
    proc = mfcsim("run", str(TINY), "--days", "5", "--out", str(bare), "--no-report", "--quiet",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not (bare / "report.html").exists()


def test_a_failing_report_leaves_no_run_folder(tmp_path: Path) -> None:
    """If writing the report fails, the run folder is not left half-written."""
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.load import load_scenario

    results = Simulation(load_scenario(TINY, days=3)).run()

    def fail(folder: Path) -> None:
        raise RuntimeError("report failed")

    with pytest.raises(RuntimeError):
        results.write(tmp_path / "run", also=fail)
    assert list(tmp_path.iterdir()) == []


def test_report_command_on_a_run_a_baseline_and_a_comparison(
    runs_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`mfcsim report` writes FILE.html for a run (with --baseline) and a comparison folder."""
    out = tmp_path / "r.html"
    proc = mfcsim("report", str(runs_dir / "tiny"), "-o", str(out), "--baseline",
                  str(runs_dir / "tiny-none"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert "baseline: tiny-none" in out.read_text()
    cmp = tmp_path / "cmp"
    proc = mfcsim("compare", str(TINY), "--a-set", "agent.policy=none", "--b-set",
                  "agent.policy=greedy", "--reps", "2", "--days", "5", "--out", str(cmp),
                  "--quiet", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = mfcsim("report", str(cmp), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (cmp / "report.html").read_text()
    assert '<div id="fig-comparison"' in text
    assert "95 % CI low" in text


def _broken(root: Path) -> dict[str, tuple[Path, str]]:
    """Folders that are not run folders, and a word of the message each must give."""
    missing = root / "missing-flows"
    shutil.copytree(root.parent / "src", missing)
    (missing / "flows.parquet").unlink()
    future = root / "future"
    shutil.copytree(root.parent / "src", future)
    manifest = json.loads((future / "manifest.json").read_text())
    (future / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    bad = root / "bad-parquet"
    shutil.copytree(root.parent / "src", bad)
    (bad / "stocks.parquet").write_text("not parquet")
    (root / "empty").mkdir()
    return {
        "nothing-here": (root / "nothing-here", "no such folder"),
        "empty": (root / "empty", "is empty"),
        "missing-flows": (missing, "flows.parquet is missing"),
        "future": (future, "run folder format 99"),
        "bad-parquet": (bad, "stocks.parquet is unreadable"),
    }


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    base = tmp_path_factory.mktemp("broken")
    write_tiny(base / "src", days=3)
    (base / "bad").mkdir()
    return _broken(base / "bad")


@pytest.mark.parametrize("case", ["nothing-here", "empty", "missing-flows", "future",
                                  "bad-parquet"])  # fmt: skip
def test_bad_folder_gives_one_line_and_exit_2(
    broken: dict[str, tuple[Path, str]], case: str, tmp_path: Path
) -> None:
    """`mfcsim report` on a folder that is not a readable run: one line on stderr, exit 2."""
    folder, words = broken[case]
    with pytest.raises(ResultsError, match=words):
        runfiles.read_run(folder)
    proc = mfcsim("report", str(folder), "-o", str(tmp_path / "x.html"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert words in proc.stderr
    assert proc.stderr.startswith("mfcsim: error: ")
    assert not (tmp_path / "x.html").exists()


def test_bad_output_and_dashboard_folder_give_exit_2(runs_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    """-o into a missing folder, and a dashboard over a missing folder: one line, exit 2."""
    proc = mfcsim("report", str(runs_dir / "tiny"), "-o", str(tmp_path / "no" / "r.html"),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    proc = mfcsim("dashboard", str(tmp_path / "no-runs"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no such folder" in proc.stderr, proc.stderr
