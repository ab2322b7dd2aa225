"""The run folder: every file a run promises, written atomically, and read back unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import mfcsim
from mfcsim.cli import main
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import ResultsError, UsageError
from mfcsim.results import Results, resolved_yaml
from mfcsim.scenario.load import load_scenario
from mfcsim.scenario.root import Scenario

DAYS = 10
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
FILES = {
    "flows.parquet",
    "stocks.parquet",
    "nodes.parquet",
    "materials.parquet",
    "kpis.json",
    "manifest.json",
    "scenario.resolved.yaml",
}


@pytest.fixture(scope="module")
def tiny_scenario(tiny_path: Path) -> Scenario:
    """The tiny scenario, shortened to ten days."""
    return load_scenario(tiny_path, days=DAYS)


@pytest.fixture(scope="module")
def run_folder(tiny_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the tiny scenario written to a fresh folder."""
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    folder = Simulation(tiny_scenario).run().write(tmp_path_factory.mktemp("runs") / "tiny")
    (folder.parent / "started.txt").write_text(started.isoformat())
    return folder


def test_run_folder_holds_every_file(run_folder: Path) -> None:
    """flows, stocks, nodes, materials, KPIs, manifest and the resolved scenario are there."""
    assert {p.name for p in run_folder.iterdir()} >= FILES


def test_flows_have_the_ledger_columns(run_folder: Path) -> None:
    """flows.parquet has one row per movement with its time, ends, material, amount and kind."""
    flows = pd.read_parquet(run_folder / "flows.parquet")
    columns = ["t_day", "source", "target", "material", "quantity", "kind"]
    assert list(flows.columns[:6]) == columns
    assert len(flows) > 0
    assert (flows["quantity"] > 0).all()
    assert flows["t_day"].between(0, DAYS).all()
    kinds = {"production", "consumption", "shipment", "import", "export", "disposal", "emission"}
    assert kinds <= set(flows["kind"].astype(str))


def test_stocks_cover_every_day_from_0_to_the_horizon(run_folder: Path) -> None:
    """stocks.parquet lists each node and material it tracks at every t_day 0..horizon."""
    stocks = pd.read_parquet(run_folder / "stocks.parquet")
    assert list(stocks.columns) == ["t_day", "node", "material", "quantity"]
    assert sorted(stocks["t_day"].unique()) == [float(d) for d in range(DAYS + 1)]
    assert stocks.groupby("t_day").size().nunique() == 1


def test_nodes_give_a_role_to_every_node_in_flows_and_stocks(
    run_folder: Path, tiny_scenario: Scenario
) -> None:
    """nodes.parquet says firm, transit or boundary for every node that appears anywhere."""
    nodes = pd.read_parquet(run_folder / "nodes.parquet")
    flows = pd.read_parquet(run_folder / "flows.parquet")
    stocks = pd.read_parquet(run_folder / "stocks.parquet")
    role = dict(zip(nodes["node"], nodes["role"], strict=True))
    assert set(role.values()) == {"firm", "transit", "boundary"}
    used = (
        set(flows["source"].astype(str))
        | set(flows["target"].astype(str))
        | set(stocks["node"].astype(str))
    )
    assert used <= set(role)
    assert {n for n, r in role.items() if r == "firm"} == set(tiny_scenario.firms)
    assert role["in_transit"] == "transit"
    for boundary in ("import", "export", "air", "consumption", "landfill"):
        assert role[boundary] == "boundary"
    types = dict(zip(nodes["node"], nodes["type"], strict=True))
    assert types["digester"] == "anaerobic_digester"


def test_materials_table_lists_every_material_with_its_unit(
    run_folder: Path, tiny_scenario: Scenario
) -> None:
    """materials.parquet has one row per scenario material with unit and mass per unit."""
    mats = pd.read_parquet(run_folder / "materials.parquet").set_index("id")
    assert set(mats.index) == set(tiny_scenario.materials)
    assert mats.loc["biogas", "unit"] == "m3"
    assert mats.loc["biogas", "mass_t_per_unit"] == pytest.approx(0.001221)
    assert mats.loc["heat", "mass_t_per_unit"] == 0.0


def test_kpis_report_boundary_flows_residues_and_the_balance(run_folder: Path) -> None:
    """kpis.json has imports/exports/disposal/releases per unit, residues and balance error."""
    kpis = json.loads((run_folder / "kpis.json").read_text())
    names = ("material_imports_t", "energy_imports_MWh", "exports_t", "energy_exports_MWh",
             "disposal_t", "ghg_total_t_co2e", "other_releases_t", "water_released_t")  # fmt: skip
    for name in names:
        assert isinstance(kpis[name], float), name
    assert kpis["residues_produced_t"] > 0
    assert 0 < kpis["residues_consumed_t"] <= kpis["residues_produced_t"]
    # the error of the balance of the frames written beside it
    assert kpis["mass_balance_max_rel_error"] == Results.read(run_folder).check_balance()


def test_kpis_are_derived_from_the_ledger(run_folder: Path) -> None:
    """Import, export and disposal tonnes equal the sums of those ledger rows."""
    kpis = json.loads((run_folder / "kpis.json").read_text())
    flows = pd.read_parquet(run_folder / "flows.parquet")
    mats = pd.read_parquet(run_folder / "materials.parquet").set_index("id")
    tonnes = flows["quantity"] * flows["material"].astype(str).map(mats["mass_t_per_unit"])
    kind = flows["kind"].astype(str)
    water = flows["material"].astype(str).map(mats["water"]).astype(bool)
    assert kpis["material_imports_t"] == pytest.approx(tonnes[(kind == "import") & ~water].sum())
    assert kpis["water_input_t"] == pytest.approx(tonnes[(kind == "import") & water].sum())
    assert kpis["exports_t"] == pytest.approx(tonnes[kind == "export"].sum())
    assert kpis["disposal_t"] == pytest.approx(tonnes[kind == "disposal"].sum())
    assert min(kpis["material_imports_t"], kpis["exports_t"], kpis["disposal_t"]) > 0


def test_manifest_records_provenance(run_folder: Path) -> None:
    """manifest.json names scenario, hash, seed, versions, wall time and creation time."""
    manifest = json.loads((run_folder / "manifest.json").read_text())
    resolved = (run_folder / "scenario.resolved.yaml").read_bytes()
    assert manifest["scenario"] == "tiny"
    assert manifest["scenario_sha256"] == hashlib.sha256(resolved).hexdigest()
    assert manifest["seed"] == 7
    assert manifest["days"] == DAYS
    versions = manifest["versions"]
    assert versions["mfcsim"] == mfcsim.__version__
    for package in ("python", "simpy", "numpy", "pandas", "pyarrow", "pydantic"):
        assert versions[package] not in ("", "unknown")
    created = dt.datetime.fromisoformat(manifest["created_utc"])
    started = dt.datetime.fromisoformat((run_folder.parent / "started.txt").read_text())
    # seconds of this run: more than nothing, less than the time since the fixture started it
    since_started_s = (dt.datetime.now(dt.UTC) - started).total_seconds()
    assert 0.0 < manifest["wall_time_s"] < since_started_s
    assert created.utcoffset() == dt.timedelta(0)
    assert started <= created <= dt.datetime.now(dt.UTC)


def test_resolved_scenario_loads_back_to_the_same_scenario(
    run_folder: Path, tiny_scenario: Scenario
) -> None:
    """scenario.resolved.yaml is a valid scenario equal to the one that ran."""
    assert load_scenario(run_folder / "scenario.resolved.yaml") == tiny_scenario


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_resolves_to_an_equal_scenario(path: Path, tmp_path: Path) -> None:
    """The resolved YAML of each scenarios/*.yaml (units, extends, types expanded) loads back."""
    scenario = load_scenario(path)
    resolved = tmp_path / "scenario.resolved.yaml"
    resolved.write_text(resolved_yaml(scenario), encoding="utf-8")
    assert load_scenario(resolved) == scenario


def test_results_read_round_trips(run_folder: Path, tiny_scenario: Scenario) -> None:
    """Results.read gives back the frames, KPIs, manifest and scenario text that were written."""
    again = Results.read(run_folder)
    original = Simulation(tiny_scenario).run()
    for name in ("flows", "stocks", "nodes", "materials"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(original, name))
    assert again.kpis.keys() == original.kpis.keys()
    for key, value in original.kpis.items():
        if key in ("clearing_seconds_total",):
            continue  # a timing, not a result
        assert (math.isnan(value) and math.isnan(again.kpis[key])) or again.kpis[key] == value
    assert again.extra.keys() == original.extra.keys()
    for name, frame in original.extra.items():
        pd.testing.assert_frame_equal(again.extra[name], frame, check_dtype=False)
    assert again.scenario_yaml == original.scenario_yaml
    assert again.manifest["scenario_sha256"] == original.manifest["scenario_sha256"]


def test_reading_a_missing_or_incomplete_folder_fails_clearly(tmp_path: Path) -> None:
    """Results.read names the folder that is not a run folder."""
    with pytest.raises(ResultsError, match="not a folder"):
        Results.read(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "kpis.json").write_text("{}")
    with pytest.raises(ResultsError, match="not a complete run folder"):
        Results.read(tmp_path / "half")


# ---- atomic writing ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results(tiny_scenario: Scenario) -> Results:
    """Results of the tiny scenario, not yet written."""
    return Simulation(tiny_scenario).run()


def test_write_leaves_no_temporary_folder(results: Results, tmp_path: Path) -> None:
    """After a write the parent holds the run folder and nothing else."""
    folder = results.write(tmp_path / "run")
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert {p.name for p in folder.iterdir()} >= FILES


def test_write_into_an_empty_existing_folder_is_allowed(results: Results, tmp_path: Path) -> None:
    """An existing empty folder may be the destination."""
    (tmp_path / "run").mkdir()
    folder = results.write(tmp_path / "run")
    assert {p.name for p in folder.iterdir()} >= FILES


def test_interrupted_write_leaves_nothing_behind(
    results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing fails half way, neither the run folder nor a temporary folder remains."""
    write_files = Results._write_files

    def fail_half_way(self: Results, folder: Path) -> None:
        (folder / "flows.parquet").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Results, "_write_files", fail_half_way)
    with pytest.raises(OSError, match="disk full"):
        results.write(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(Results, "_write_files", write_files)


def test_write_refuses_a_non_empty_folder_and_leaves_it_alone(
    results: Results, tmp_path: Path
) -> None:
    """Writing over a folder that holds something is a UsageError and changes nothing."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="exists and is not empty"):
        results.write(tmp_path / "run")
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["notes.txt"]
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_cli_run_into_a_non_empty_out_exits_2_and_leaves_it_alone(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mfcsim run --out DIR` with DIR not empty prints one error line and exits 2."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(tiny_path), "--days", "2", "--out", str(out)]) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    assert stderr == (
        f"mfcsim: error: --out {out}: exists and is not empty (accepted: a new folder, or an "
        "empty one, in a folder you may write in)\n"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.parametrize(("version", "ok"), [(2, True), (None, True), (3, False), ("2", False)])
def test_run_folders_carry_a_format_version_checked_when_read(
    tiny_path: Path, tmp_path: Path, version: object, ok: bool
) -> None:
    import json

    from mfcsim.errors import ResultsError
    from mfcsim.results import Results
    from mfcsim.runfolder import FORMAT_VERSION
    from mfcsim.testing import run_scenario

    folder = run_scenario(tiny_path, days=2).write(tmp_path / "run")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 2
    if version is None:
        del manifest["format_version"]  # a v0.1 folder
    else:
        manifest["format_version"] = version
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if ok:
        Results.read(folder)
    else:
        with pytest.raises(ResultsError, match="format"):
            Results.read(folder)
