"""Sweeps on Dask: real LocalClusters of 2 workers, real processes killed, no mocks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mfcsim.cli import main
from mfcsim.compare import indicators_of
from mfcsim.engine.simulation import Simulation
from mfcsim.sweep import store
from mfcsim.sweep.analysis import status, summarize
from mfcsim.sweep.design import check_factors, factorial, parse_vary, read_base, runs, variants
from mfcsim.sweep.runner import run_sweep

#: Day-to-day variation, so that replications differ.
NOISE = "firms.dairy.variability.activity_cv=0.2"
CAPACITY = "firms.digester.params.capacity_t_per_day"


def sweep_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """`python -m mfcsim sweep run ARGS` in a real process, in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "mfcsim", "sweep", "run", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finished_parts(folder: Path) -> list[Path]:
    return sorted((folder / "runs").glob("part-*.parquet")) if folder.is_dir() else []


def wait_for(condition: object, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def assert_every_run_once(folder: Path, expected: set[str]) -> pd.DataFrame:
    """Every run id of the design exactly once in runs/, and its indicators exactly once."""
    table = store.read_table(folder, "runs")
    assert sorted(table["run_id"]) == sorted(expected)
    indicators = store.read_table(folder, "indicators")
    per_run = indicators.groupby("run_id").size()
    assert set(per_run.index) == expected
    assert per_run.nunique() == 1  # no run's rows twice
    assert not indicators.duplicated(["run_id", "indicator", "scope", "period"]).any()
    for kept in [p.name for p in folder.iterdir() if p.name == "flows"]:
        owners = [
            set(pd.read_parquet(p, columns=["run_id"])["run_id"])
            for p in sorted((folder / kept).glob("part-*.parquet"))
        ]
        assert sorted(i for part in owners for i in part) == sorted(expected)  # one part each
    return table


def design_ids(folder: Path) -> set[str]:
    about = json.loads((folder / "sweep.json").read_text())
    base = read_base(Path(about["scenario"]["file"]), about["set"], about["days"])
    factors = [
        parse_vary(f"{f['path']}={','.join(map(str, f['values']))}")
        for f in about["design"]["factors"]
    ]
    return {r.run_id for r in runs(base, variants(factors), about["reps"], about["seed"])}


def test_a_sweep_on_two_dask_workers_equals_the_runs_made_one_by_one(
    tiny_path: Path, tmp_path: Path
) -> None:
    """2 variants x 2 replications on a LocalCluster of 2: indicators equal to the bit."""
    base = read_base(tiny_path, [NOISE], 3)
    factors = [parse_vary(f"{CAPACITY}=6,9")]
    check_factors(base, factors)
    folder = tmp_path / "sweep"
    report = run_sweep(base, factorial(factors), 2, 7, folder, workers=2, batch=1)
    assert (report.total, report.finished, report.failed) == (4, 4, 0)
    got = store.read_table(folder, "indicators")
    assert list(got.columns[:5]) == ["run_id", "variant", CAPACITY, "replication", "seed"]
    for run in runs(base, variants(factors), 2, 7):
        alone = indicators_of(Simulation(base.scenario(run.params), seed=run.seed).run())
        mine = got[got["run_id"] == run.run_id].drop(columns=got.columns[:5])
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone, check_exact=True)
        assert (run.seed, mine.shape[0] > 0) == (7 + run.replication, True)
    values = got[(got["indicator"] == "material_imports_t") & (got["scope"] == "cluster")]
    assert values.groupby("replication")["seed"].unique().tolist() == [[7], [8]]  # CRN
    assert values["value"].nunique() > 2  # the noise and the capacity both matter
    about = json.loads((folder / "sweep.json").read_text())
    assert (about["runs"], about["seeds"], about["design"]["factors"][0]["values"]) == (
        4,
        [7, 8],
        [6, 9],
    )
    again = run_sweep(
        base, factorial(factors), 2, 7, folder, workers=2
    )  # resume: nothing left to run
    assert (again.skipped, again.finished) == (4, 0)
    summary = summarize(folder)
    rows = summary[summary["indicator"] == "material_imports_t"]
    rows = rows[(rows["scope"] == "cluster") & (rows["period"] == "all")]
    assert (rows["n"].tolist(), rows[CAPACITY].tolist()) == ([2, 2], [6, 9])
    assert (rows["ci_low"] <= rows["mean"]).all()
    assert (rows["mean"] <= rows["ci_high"]).all()


def test_a_client_killed_with_sigkill_resumes_and_runs_each_id_once(
    tiny_path: Path, tmp_path: Path
) -> None:
    """SIGKILL the client after some runs: the same command finishes the rest only."""
    args = [str(tiny_path), "--days", "3", "--set", NOISE, "--vary", f"{CAPACITY}=5:9:1"]
    args += ["--reps", "3", "--workers", "2", "--batch", "1", "--quiet", "--out", "sw"]
    args += ["--keep", "flows"]
    folder = tmp_path / "sw"
    proc = sweep_cli(*args, cwd=tmp_path)
    try:
        wait_for(lambda: len(finished_parts(folder)) >= 3 or proc.poll() is not None)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the client and its workers
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    before = {p.name: p.stat().st_mtime_ns for p in finished_parts(folder)}
    done = store.finished_ids(folder)
    assert 3 <= len(done) < 15
    proc = sweep_cli(*args, cwd=tmp_path)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert out == "sw\n"
    assert_every_run_once(folder, design_ids(folder))
    after = {p.name: p.stat().st_mtime_ns for p in finished_parts(folder)}
    assert {k: after[k] for k in before} == before  # finished parts untouched, not re-run
    assert len(after) - len(before) == 15 - len(done)
    assert status(folder)["remaining"] == 0
    flows = store.read_table(folder, "flows")
    assert {"run_id", "variant", CAPACITY, "replication", "seed", "material"} <= set(flows.columns)


def test_a_failing_run_is_recorded_and_the_others_finish(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value refused when its variant loads fails that variant's runs, not the sweep."""
    out = tmp_path / "sw"
    args = ["sweep", "run", str(tiny_path), "--days", "2", "--vary", f"{CAPACITY}=8,-1,6"]
    assert main([*args, "--reps", "2", "--workers", "2", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.out == f"{out}\n"
    assert "2 run(s) failed" in printed.err
    about = status(out)
    assert (about["finished"], about["failed"], about["remaining"]) == (4, 2, 0)
    assert {f["variant"] for f in about["failures"]} == {1}
    assert all("greater than or equal to 0" in f["error"] for f in about["failures"])
    assert sorted(store.read_table(out, "runs")["variant"]) == [0, 0, 2, 2]
    assert main(["sweep", "status", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "6 run(s): 4 finished, 2 failed, 0 remaining"
    assert len(lines) == 3
    assert lines[1].startswith("failed: ")


def test_a_worker_killed_mid_sweep_the_sweep_completes_with_every_run_once(
    tiny_path: Path, tmp_path: Path
) -> None:
    """SIGKILL one Dask worker process while runs are going: Dask reruns its task."""
    args = [str(tiny_path), "--days", "3", "--vary", f"{CAPACITY}=5:9:1", "--reps", "2"]
    args += ["--workers", "2", "--batch", "1", "--quiet", "--out", "sw"]
    folder = tmp_path / "sw"
    proc = sweep_cli(*args, cwd=tmp_path)
    try:
        wait_for(lambda: len(finished_parts(folder)) >= 1 or proc.poll() is not None)
        workers = _spawned_children(proc.pid)
        assert workers, "no worker process found"
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, err
    assert_every_run_once(folder, design_ids(folder))
    assert status(folder)["failed"] == 0
    assert len(finished_parts(folder)) == 10


def _spawned_children(pid: int) -> list[int]:
    """The worker processes a client started (multiprocessing spawn children of ``pid``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and "spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--vary", "firms.digester.params.capacity_t_per_dax=1,2"],
            "mfcsim: error: --vary: firms.digester.params.capacity_t_per_dax: no entry "
            "'capacity_t_per_dax' in firms.digester.params (did you mean capacity_t_per_day?)",
        ),
        (
            ["--vary", "firms.nope.params.x=1"],
            "mfcsim: error: --vary: firms.nope.params.x: no entry 'nope' in firms (",
        ),
        (
            ["--vary", f"{CAPACITY}=9:1:2"],
            f"mfcsim: error: --vary {CAPACITY}=9:1:2: not a range (accepted: step > 0",
        ),
        (
            ["--vary", f"{CAPACITY}=1:x:2"],
            f"mfcsim: error: --vary {CAPACITY}=1:x:2: not a range (accepted: lo:hi:step",
        ),
        (["--vary", f"{CAPACITY}=1,1"], f"mfcsim: error: --vary {CAPACITY}: a value is listed"),
        (["--vary", "seed=1,2"], "mfcsim: error: --vary seed: not a parameter to vary"),
        (["--vary", f"{CAPACITY}=-1"], "greater than or equal to 0"),
        (["--reps", "0"], "mfcsim: error: --reps 0: too small"),
        (["--keep", "stocks"], "mfcsim: error: --keep stocks: unknown table (accepted: flows)"),
    ],
)
def test_bad_sweep_input_is_one_line_exit_2_and_nothing_written(
    tiny_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "sw"
    assert main(["sweep", "run", str(tiny_path), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("mfcsim: error: ")
    assert message in err
    assert not out.exists()


def test_an_out_folder_of_another_sweep_or_of_anything_else_is_refused(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sw"
    base = read_base(tiny_path, [], 2)
    run_sweep(base, factorial([parse_vary(f"{CAPACITY}=6")]), 1, 7, out, workers=1)
    before = sorted(p.name for p in out.rglob("*"))
    args = ["sweep", "run", str(tiny_path), "--days", "3", "--vary", f"{CAPACITY}=6"]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"mfcsim: error: --out {out}: holds another sweep (its days differs; accepted: a new "
        "or empty folder, or this same sweep's folder to resume it)\n"
    )
    assert sorted(p.name for p in out.rglob("*")) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main([*args, "--out", str(other)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


SOBOL_FILE = """\
scenario: {tiny}
days: 2
reps: 1
set: [firms.dairy.variability.activity_cv=0.2]
sample:
  method: sobol
  n: 4
  seed: 3
  factors:
    firms.digester.params.capacity_t_per_day: [4, 12]
    firms.town.params.population: [3000, 8000]
"""


def test_a_sobol_sweep_file_runs_its_sample_and_gives_indices_with_convergence(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sweep file with a SALib Sobol sample: N (D + 2) variants, S1/ST at N/4.. N."""
    sweep_file = tmp_path / "sobol.yaml"
    sweep_file.write_text(SOBOL_FILE.format(tiny=tiny_path))
    out = tmp_path / "sw"
    args = ["sweep", "run", str(sweep_file), "--workers", "2", "--headline", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    about = json.loads((out / "sweep.json").read_text())
    assert (about["design"]["kind"], about["variants"], len(about["design"]["samples"])) == (
        "sobol",
        16,
        16,
    )
    runs_table = store.read_table(out, "runs")
    assert sorted(runs_table["variant"]) == list(range(16))
    assert runs_table["firms.town.params.population"].between(3000, 8000).all()
    assert main(["sweep", "sensitivity", str(out)]) == 0
    table = pd.read_parquet(out / "sensitivity.parquet")
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)
    assert sorted(table["n"].unique()) == [2, 4]  # N/4 = 1 base sample is too few
    food = table[(table["indicator"] == "final_consumption_t") & (table["n"] == 4)]
    by = food.set_index("parameter")["ST"]
    assert by["firms.town.params.population"] > 0.9  # the town eats what it has people for
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [str(out / "sensitivity.parquet"), str(out / "sensitivity.html")]
    assert any(line.startswith("final_consumption_t") for line in printed)
    html = (out / "sensitivity.html").read_text()
    assert "final_consumption_t: total Sobol index ST" in html
    assert html.count('"name":"N = 4"') == table["indicator"].nunique()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "scenario: {tiny}\nsample: {{method: grid, n: 4, factors: {{a: [0, 1]}}}}\n",
            "sample.method: 'grid' (accepted: latin, sobol, morris)",
        ),
        (
            "scenario: {tiny}\nsample: {{method: sobol, n: 6, factors: {{a: [0, 1]}}}}\n",
            "sample.n: 6: Sobol needs a power of 2",
        ),
        (
            "scenario: {tiny}\nsample: {{method: latin, n: 4, factors: {{a: [1, 0]}}}}\n",
            "sample.factors.a: must be [low, high] with low < high",
        ),
        ("scenario: {tiny}\nreps: 0\n", "reps: must be 1 or more"),
        ("scenario: {tiny}\nrepz: 2\n", "repz: unknown key"),
        (
            "scenario: {tiny}\nsample: {{method: latin, n: 4, factors: {{firms.no.x: [0, 1]}}}}\n",
            "--vary: firms.no.x: no entry 'no' in firms",
        ),
    ],
)
def test_a_bad_sweep_file_is_one_line_exit_2_and_nothing_written(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    sweep_file = tmp_path / "bad.yaml"
    sweep_file.write_text(text.format(tiny=tiny_path))
    out = tmp_path / "sw"
    assert main(["sweep", "run", str(sweep_file), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("mfcsim: error: ")
    assert message in err
    assert not out.exists()


def test_an_existing_dask_cluster_given_by_scheduler_runs_sweeps_and_replications(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--scheduler ADDRESS: a running cluster's workers do the runs; same bytes as here."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        address = cluster.scheduler_address
        args = ["run", str(tiny_path), "--days", "2", "--reps", "2", "--quiet", "--set", NOISE]
        assert main([*args, "--out", str(tmp_path / "here")]) == 0
        assert main([*args, "--scheduler", address, "--out", str(tmp_path / "there")]) == 0
        sweep = ["sweep", "run", str(tiny_path), "--days", "2", "--vary", f"{CAPACITY}=6,9"]
        assert main([*sweep, "--scheduler", address, "--quiet", "--out", str(tmp_path / "sw")]) == 0
        done = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    capsys.readouterr()
    for name in ("indicators.parquet", "rep-001/flows.parquet"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes()
    assert status(tmp_path / "sw")["finished"] == 2
    assert done == ["replication", "run_batch"]  # both went through that scheduler


def test_the_python_example_in_docs_sweep_runs(
    run_doc_example: Callable[[str], dict[str, object]],
) -> None:
    """The ```python block of docs/sweep.md runs as written."""
    table = run_doc_example("sweep.md")["table"]
    assert set(table["variant"]) == {0, 1, 2}  # type: ignore[index]


def test_several_scenario_files_are_one_factor_of_a_sweep_file(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """scenario: [a.yaml, b.yaml] crossed with vary: each variant runs its own file."""
    text = tiny_path.read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("population: 5000", "population: 9000"))
    sweep_file = tmp_path / "files.yaml"
    sweep_file.write_text(f"scenario: [a.yaml, b.yaml]\ndays: 2\nvary:\n  {CAPACITY}: [6, 9]\n")
    out = tmp_path / "sw"
    args = ["sweep", "run", str(sweep_file), "--workers", "2", "--headline", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    got = store.read_table(out, "indicators")
    assert list(got.columns[:4]) == ["run_id", "variant", "scenario", CAPACITY]
    food = got[got["indicator"] == "final_consumption_t"].set_index(["scenario", CAPACITY])
    assert food["value"].nunique() == 2  # the town's size, not the digester, sets it
    assert food.loc[("a.yaml", 9), "value"] == food.loc[("a.yaml", 6), "value"]
    alone = read_base(tmp_path / "b.yaml", [], 2).scenario([(CAPACITY, 9)])
    kpis = Simulation(alone, seed=alone.seed).run().kpis
    assert food.loc[("b.yaml", 9), "value"] == kpis["final_consumption_t"]
    about = json.loads((out / "sweep.json").read_text())
    assert about["design"]["factors"][0] == {"path": "scenario", "values": ["a.yaml", "b.yaml"]}


def test_the_same_command_without_out_resumes_in_its_default_folder(
    tiny_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No --out: runs/sweep/<name>/<hash of the design>, the same again for the same command."""
    monkeypatch.chdir(tmp_path)
    args = ["sweep", "run", str(tiny_path), "--vary", f"{CAPACITY}=6", "--workers", "1"]
    assert main([*args, "--days", "2"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert main([*args, "--days", "2"]) == 0
    second = capsys.readouterr().out.splitlines()
    assert first[0] == second[0]
    assert first[0].startswith("runs/sweep/tiny/")
    assert second[1].startswith("1 run(s): 0 finished now, 0 failed, 1 finished before")
    assert main([*args, "--days", "3"]) == 0  # another horizon: another folder
    assert capsys.readouterr().out.splitlines()[0] != first[0]


def test_a_cluster_starts_while_another_holds_the_dashboard_port() -> None:
    """Two sweeps at once: the second's LocalCluster takes a free port for its dashboard
    (``dashboard_address=None`` still binds 8787 in distributed, which warns: an error here)."""
    import socket

    from mfcsim.sweep.cluster import ordered_map

    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:
        pass  # another process holds it already: the same situation
    try:
        assert list(ordered_map(abs, [-1, -2], workers=2)) == [1, 2]
    finally:
        holder.close()


def _solver_threads_here() -> str | None:
    import os

    return os.environ.get("MFCSIM_SOLVER_THREADS")


def test_workers_share_the_cores_among_their_solver_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each of a LocalCluster's workers solves on the cores divided by the workers (≥ 1),
    or on what ``MFCSIM_SOLVER_THREADS`` says where it is set."""
    import os

    from mfcsim.sweep.cluster import dask_client

    monkeypatch.delenv("MFCSIM_SOLVER_THREADS", raising=False)
    expected = str(max(1, len(os.sched_getaffinity(0)) // 2))
    with dask_client(2) as client:
        assert set(client.run(_solver_threads_here).values()) == {expected}
    monkeypatch.setenv("MFCSIM_SOLVER_THREADS", "3")
    with dask_client(2) as client:
        assert set(client.run(_solver_threads_here).values()) == {"3"}


def test_a_bad_solver_thread_count_stops_a_sweep_before_anything_is_written(
    tiny_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``MFCSIM_SOLVER_THREADS=0``: one line, exit 2, no sweep folder, no worker started."""
    monkeypatch.setenv("MFCSIM_SOLVER_THREADS", "0")
    out = tmp_path / "sw"
    args = ["sweep", "run", str(tiny_path), "--vary", "agent.policy=greedy,optimal",
            "--days", "3", "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "MFCSIM_SOLVER_THREADS='0': accepted a positive integer" in err
    assert not out.exists()
