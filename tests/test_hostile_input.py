"""Hostile and careless input: one line, exit 2, bounded time and memory, nothing written.

The cases that could hang or eat memory run ``mfcsim`` in a child process, measured with
``os.wait4`` (its own peak memory) and a 10 s timer; the others run the CLI in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import yaml

from mfcsim.cli import main
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import FirmHookError, UsageError
from mfcsim.firms.base import Firm, Param
from mfcsim.firms.registry import installed_entry_points
from mfcsim.runfolder import atomic_folder
from mfcsim.scenario.checks import RESERVED_NODES
from mfcsim.scenario.load import load_scenario
from mfcsim.scenario.reader import MAX_FILE_BYTES
from mfcsim.scenario.root import MAX_HORIZON_DAY
from mfcsim.testing import run_scenario
from mfcsim.world import IN_TRANSIT, SINKS

from .conftest import MINI_YAML, REPO

#: Limits every bad input is held to (issue 13).
SECONDS, PEAK_BYTES = 10.0, 2**30


def cli(argv: list[str], cwd: Path) -> tuple[int, str, str, float, int]:
    """Run ``python -m mfcsim ARGS`` in a child: (exit code, stdout, stderr, s, peak bytes)."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    with out.open("wb") as o, err.open("wb") as e:
        start = time.perf_counter()
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        child = subprocess.Popen(
            [sys.executable, "-m", "mfcsim", *argv], cwd=cwd, stdout=o, stderr=e, env=env
        )
        timer = threading.Timer(SECONDS + 20, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    text = (out.read_text(errors="replace"), err.read_text(errors="replace"))
    out.unlink()
    err.unlink()
    return child.returncode, *text, seconds, usage.ru_maxrss * 1024


def assert_refused(argv: list[str], cwd: Path, *needles: str) -> str:
    """Exit 2, one line on stderr holding every needle, within the time and memory limits."""
    before = set(cwd.iterdir())
    code, stdout, stderr, seconds, peak = cli(argv, cwd)
    assert code == 2, (code, stderr[-2000:])
    assert stderr.count("\n") == 1, stderr[:2000]
    assert stderr.startswith("mfcsim"), stderr[:2000]
    assert "Traceback" not in stderr
    assert stdout == ""
    for needle in needles:
        assert needle in stderr, stderr
    assert seconds < SECONDS, seconds
    assert peak < PEAK_BYTES, peak
    assert set(cwd.iterdir()) == before  # no run folder, nothing half-written
    return stderr


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def mini(tmp_path: Path, **changes: Any) -> Path:
    """The mini scenario with top-level or dotted changes, as a file."""
    data = yaml.safe_load(MINI_YAML)
    for dotted, value in changes.items():
        node = data
        *head, last = dotted.split("__")
        for key in head:
            node = node[key]
        node[last] = value
    return write(tmp_path / "s.yaml", yaml.safe_dump(data, sort_keys=False))


# ---- crashes -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*RESERVED_NODES, "landfill"])
def test_a_firm_named_like_a_node_of_the_boundary_is_refused(tmp_path: Path, name: str) -> None:
    text = MINI_YAML.replace("  bakery:", f"  {name}:").replace(
        "receiver: bakery", f"receiver: {name}"
    )
    write(tmp_path / "s.yaml", text)
    code = main(["validate", str(tmp_path / "s.yaml")])
    assert code == 2


def test_the_reserved_names_are_the_simulations_own(tmp_path: Path) -> None:
    assert set(RESERVED_NODES) == {IN_TRANSIT, "import", "export", "environment",
                                   *SINKS, "consumption"}  # fmt: skip


def test_a_recursive_alias_is_one_line(tmp_path: Path) -> None:
    write(tmp_path / "s.yaml", MINI_YAML + "extra: &l [*l]\n")
    assert_refused(["validate", "s.yaml"], tmp_path, "recursive", "s.yaml:")


def test_extends_of_a_special_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    write(tmp_path / "s.yaml", "extends: /dev/zero\n" + MINI_YAML)
    assert_refused(["validate", "s.yaml"], tmp_path, "/dev/zero", "not a regular file")


def test_a_file_beyond_the_size_limit_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "s.yaml", MINI_YAML + "#" * (MAX_FILE_BYTES + 10) + "\n")
    assert_refused(["validate", "s.yaml"], tmp_path, f"at most {MAX_FILE_BYTES:,}")


@pytest.mark.parametrize("out", ["link", "dangling", "NEW/..", "afile/sub", "."])
def test_bad_out_paths_are_refused_before_the_run(tmp_path: Path, out: str) -> None:
    write(tmp_path / "s.yaml", MINI_YAML.replace("horizon: 5 d", "horizon: 3000 d"))
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    write(tmp_path / "afile", "x")
    assert_refused(["run", "s.yaml", "--quiet", "--out", out], tmp_path, f"--out {out}")
    assert not (tmp_path / "NEW").exists()


@pytest.mark.parametrize("command", ["run", "compare"])
def test_the_out_path_is_checked_before_anything_is_simulated(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    def no_run(*_: Any, **__: Any) -> None:
        raise AssertionError("simulated before checking --out")

    monkeypatch.setattr(Simulation, "run", no_run)
    write(tmp_path / "afile", "x")
    argv = [command, str(mini(tmp_path)), "--out", str(tmp_path / "afile" / "sub")]
    if command == "compare":
        argv += ["--b-set", "agent.policy=greedy", "--reps", "2"]
    assert main(argv) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_loser_of_two_runs_into_one_folder_exits_2_and_the_winner_stays(
    tmp_path: Path,
) -> None:
    final = tmp_path / "run"
    with (  # noqa: PT012
        pytest.raises(UsageError, match="another run wrote it first"),
        atomic_folder(final) as tmp,
    ):
        (tmp / "mine.txt").write_text("loser")
        final.mkdir()  # the other run renames its folder into place meanwhile
        (final / "kpis.json").write_text("winner")
    assert [p.name for p in final.iterdir()] == ["kpis.json"]
    assert (final / "kpis.json").read_text() == "winner"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folder left


def test_a_hook_with_a_wrong_signature_is_refused_when_the_type_is_defined() -> None:
    with pytest.raises(FirmHookError, match=r"planned_activity\(self, day, process\)"):

        class Lazy(Firm):
            def planned_activity(self, day):  # type: ignore[override]
                return 1.0


class _Keyed(Firm, type_name="test_keyed_by_id"):
    """Wants its stock keyed by material id, and returns numpy scalars."""

    PARAMETERS: ClassVar[dict[str, Param] | None] = None

    def target_stock(self, day: int) -> dict:  # type: ignore[override]
        return {"grain": np.float32(4.0)}

    def planned_activity(self, day: int, process: Any) -> float:
        return np.float64(2.0)  # type: ignore[return-value]


class _Broken(Firm, type_name="test_broken_setup"):
    PARAMETERS: ClassVar[dict[str, Param] | None] = None

    def setup(self) -> None:
        raise KeyError("no such thing")


class _BadKey(Firm, type_name="test_bad_target_key"):
    PARAMETERS: ClassVar[dict[str, Param] | None] = None

    def target_stock(self, day: int) -> dict:  # type: ignore[override]
        return {"graim": 1.0}


def test_target_stock_by_material_id_and_numpy_scalars_are_accepted(tmp_path: Path) -> None:
    data = yaml.safe_load(MINI_YAML)
    data["firms"]["mill"]["type"] = "test_keyed_by_id"
    results = run_scenario(data)
    imports = results.flows[(results.flows["kind"] == "import")]
    assert imports["quantity"].iloc[0] == pytest.approx(4.0)  # holds 4 t of grain on day 0


@pytest.mark.parametrize(
    ("firm_type", "needles"),
    [
        ("test_broken_setup", ["firm 'mill'", "test_broken_setup", "setup()", "KeyError"]),
        ("test_bad_target_key", ["target_stock()", "'graim'", "material id"]),
    ],
)
def test_a_failing_hook_is_one_line_naming_firm_type_hook_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], firm_type: str, needles: list[str]
) -> None:
    scenario = mini(tmp_path, firms__mill__type=firm_type)
    assert main(["run", str(scenario), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for needle in needles:
        assert needle in err
    assert not (tmp_path / "o").exists()


# ---- hangs and memory ------------------------------------------------------------------------
def test_an_alias_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    write(tmp_path / "s.yaml", MINI_YAML + "\n".join(bomb) + "\n")
    assert_refused(["validate", "s.yaml"], tmp_path, "expands to more than")


@pytest.mark.parametrize(
    "horizon", ["2**2**40 d", "10**10**7 d", "1" * 64_000 + " d", "1e9 d", "1e300 d"]
)
def test_quantities_and_horizons_that_would_hang_are_refused_at_once(
    tmp_path: Path, horizon: str
) -> None:
    write(tmp_path / "s.yaml", MINI_YAML.replace("horizon: 5 d", f"horizon: '{horizon}'"))
    stderr = assert_refused(["validate", "s.yaml"], tmp_path, "horizon")
    assert len(stderr) < 700


def test_a_run_that_cannot_fit_in_memory_is_refused_with_the_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mfcsim.engine.memory as memory

    scenario = load_scenario(mini(tmp_path, horizon=f"{MAX_HORIZON_DAY} d"))
    need = memory.memory_needed_bytes(scenario)
    assert need == 8 * ((2 + 1) * 3 * (MAX_HORIZON_DAY + 1) + 2 * MAX_HORIZON_DAY * 1)
    monkeypatch.setattr(memory, "machine_memory_bytes", lambda: need - 1)
    with pytest.raises(UsageError, match="need at least"):
        Simulation(scenario)


# ---- silent corruption ------------------------------------------------------------------------
def test_a_set_path_with_a_typo_is_refused_naming_the_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = REPO / "scenarios" / "tiny.yaml"
    args = ["run", str(tiny), "--days", "2", "--quiet", "--out", str(tmp_path / "o")]
    assert main([*args, "--set", "firms.dairy.processes.keep_cow.capacity=5"]) == 2
    assert "did you mean keep_cows?" in capsys.readouterr().err
    assert main([*args, "--set", "firms.dairyy.location.x_km=3"]) == 2
    assert capsys.readouterr().err.startswith("mfcsim: error: --set: firms.dairyy")
    assert not (tmp_path / "o").exists()


def test_a_set_may_reach_fields_not_written_in_the_file(tmp_path: Path) -> None:
    scenario = load_scenario(mini(tmp_path), ["agent.policy=greedy", "agent.k_nearest=3"])
    assert scenario.agent.policy == "greedy"


def test_a_process_with_no_inputs_and_no_outputs_is_refused(tmp_path: Path) -> None:
    scenario = mini(tmp_path, firms__mill__processes__idle={"capacity": 1})
    assert main(["validate", str(scenario)]) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"materials__grain__price": float("nan")},
        {"firms__mill__location__x_km": float("nan")},
        {"network": {"detour_factor": float("inf")}},
        {"firms__mill__processes__grind__capacity": float("inf")},
    ],
)
def test_non_finite_numbers_are_refused(tmp_path: Path, change: dict[str, Any]) -> None:
    scenario = mini(tmp_path, **change)
    assert main(["validate", str(scenario)]) == 2


def test_json_outputs_are_strict_json(tmp_path: Path) -> None:
    """A run without buyers has NaN fill rates: they are null, not NaN."""
    out = tmp_path / "o"
    assert main(["run", str(mini(tmp_path)), "--quiet", "--out", str(out)]) == 0

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    for name in ("kpis.json", "manifest.json", "scorecard.json"):
        data = json.loads((out / name).read_text(), parse_constant=refuse)
        assert data
    assert json.loads((out / "kpis.json").read_text())["fill_rate"] is None


# ---- messages and files ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (MINI_YAML + "odd: !python/object:os.system ls\n", "YAML"),
        (MINI_YAML + "odd: \x07bell\n", "YAML"),
        (MINI_YAML.replace("price: 200 EUR/t", "price: '" + "9" * 200_000 + " EUR/t'"), "price"),
        (MINI_YAML.replace("  bakery:", '  "bak\\nery\\nmfcsim: error: forged":'), "bak"),
    ],
)
def test_every_error_is_one_short_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str
) -> None:
    write(tmp_path / "s.yaml", text)
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert needle in err
    assert len(err) < 700


def test_scientific_notation_is_a_number(tmp_path: Path) -> None:
    text = MINI_YAML.replace("capacity: 10 / d", "capacity: 1e1")
    scenario = load_scenario(write(tmp_path / "s.yaml", text))
    assert scenario.firms["mill"].processes["grind"].capacity == 10.0


def test_a_dead_runs_temporary_folder_is_removed_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = subprocess.Popen(["sleep", "0"])
    child.wait()  # a process id that is free now
    stale = tmp_path / f".o.{child.pid}.abc123.tmp"
    stale.mkdir()
    (stale / "flows.parquet").write_text("half")
    alive = tmp_path / f".o.{os.getpid()}.def456.tmp"  # a run still going: left alone
    alive.mkdir()
    assert main(["run", str(mini(tmp_path)), "--quiet", "--out", str(tmp_path / "o")]) == 0
    assert not stale.exists()
    assert alive.exists()
    assert "mfcsim: note: removed" in capsys.readouterr().err


def test_run_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert main(["run", str(mini(tmp_path)), "--quiet", "--out", str(tmp_path / "o")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o750


def test_plug_ins_are_not_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "evil-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mfcsim.firms]\nevil = evil_module:Evil\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "path", ["", *sys.path])
    assert "evil" not in [ep.name for ep in installed_entry_points("mfcsim.firms")]
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    info.rename(elsewhere / info.name)
    monkeypatch.setattr(sys, "path", [str(elsewhere), *sys.path])
    assert "evil" in [ep.name for ep in installed_entry_points("mfcsim.firms")]


def test_sigterm_while_a_run_folder_is_written_leaves_nothing_behind(tmp_path: Path) -> None:
    """The signal arrives after the first file is written: the temporary folder goes."""
    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from mfcsim import results\n"
        "def write(self, folder):\n"
        "    (folder / 'flows.parquet').write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "results.Results._write_files = write\n"
        "sys.argv = ['mfcsim', 'run', sys.argv[1], '--quiet', '--out', sys.argv[2]]\n"
        "from mfcsim.cli import console\n"
        "console()\n"
    )
    scenario, out = mini(tmp_path), tmp_path / "o"
    done = subprocess.run(
        [sys.executable, str(script), str(scenario), str(out)], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 143, done.stderr
    assert done.stderr == "mfcsim: terminated; an unfinished run folder is removed\n"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".o.")] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("firms__mill__location__x_km", 1e308),
        ("firms__mill__location__y_km", -1e300),
        ("seed", 10**40),
        ("firms__mill__processes__grind__capacity", "1e20 / d"),
    ],
)
def test_numbers_too_large_to_compute_with_are_refused(
    tmp_path: Path, field: str, value: Any
) -> None:
    """A greenhouse 1e308 km away overflowed distances and costs (found by the property test)."""
    scenario = mini(tmp_path, **{field: value})
    with pytest.raises(Exception, match="too large"):
        load_scenario(scenario)
