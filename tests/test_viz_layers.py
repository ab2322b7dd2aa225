"""The layering of the figures: viz reads no file and shows nothing; dashboards use only viz,
the run-folder reader, the indicators and the errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from dashboards.catalog import first_complete, run_folders
from mfcsim.viz.network_map import EARTH_KM_PER_DEG, firm_positions
from mfcsim.viz.rundata import RunData

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_IN_DASHBOARDS = ("mfcsim.viz", "mfcsim.runfiles", "mfcsim.indicators", "mfcsim.errors")
FILE_CALLS = {"open", "read_parquet", "read_csv", "read_text", "read_bytes", "write_text",
              "write_html", "show", "to_parquet", "to_csv_file"}  # fmt: skip


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [f"{n.module}.{a.name}" for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.module for a in n.names]  # fmt: skip
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "mfcsim" / "viz").glob("*.py")), ids=str)
def test_viz_imports_only_viz_and_reads_no_file(path: Path) -> None:
    """A viz module imports no other part of mfcsim, and calls nothing that reads or shows."""
    inside = [m for m in _imports(path) if m.startswith("mfcsim")]
    assert all(m.startswith("mfcsim.viz") for m in inside), inside
    tree = ast.parse(path.read_text())
    called = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
              for n in ast.walk(tree) if isinstance(n, ast.Call)}  # fmt: skip
    assert not called & FILE_CALLS, called & FILE_CALLS


@pytest.mark.parametrize("path", sorted((ROOT / "dashboards").glob("*.py")), ids=str)
def test_dashboards_use_only_viz_reader_and_indicators(path: Path) -> None:
    """The explorer arranges figures; it computes nothing from the engine or the ledger."""
    inside = [m for m in _imports(path) if m.startswith("mfcsim")]
    assert all(m.startswith(ALLOWED_IN_DASHBOARDS) for m in inside), inside


def test_catalog_lists_runs_and_broken_folders(tmp_path: Path) -> None:
    """Run and comparison folders, nested or not, and empty or broken ones, are offered."""
    for folder, files in {"a/r1": ["manifest.json", "flows.parquet"], "b": [],
                          "c/cmp": ["comparison.parquet"], "d/e/f": ["x.parquet"],
                          "notes": ["readme.txt"]}.items():  # fmt: skip
        (tmp_path / folder).mkdir(parents=True)
        for f in files:
            (tmp_path / folder / f).write_text("")
    runs = run_folders(tmp_path)
    assert runs == ["a/r1", "b", "c/cmp", "d/e/f"]
    assert first_complete(tmp_path, runs) == "a/r1"


def test_lat_lon_firms_are_placed_in_km() -> None:
    """Two firms 0.01 degree of latitude apart stand about 1.11 km apart, on one x."""
    nodes = pd.DataFrame({"node": ["a", "b", "air"], "role": ["firm", "firm", "boundary"],
                          "type": ["farm", "farm", "air"], "lat": [51.0, 51.01, None],
                          "lon": [5.0, 5.0, None]})  # fmt: skip
    data = RunData("x", pd.DataFrame(), pd.DataFrame(), nodes, pd.DataFrame())
    pos = firm_positions(data).set_index("node")
    assert list(pos.index) == ["a", "b"]
    assert pos.loc["b", "y_km"] - pos.loc["a", "y_km"] == pytest.approx(0.01 * EARTH_KM_PER_DEG)
    assert pos.loc["a", "x_km"] == pytest.approx(pos.loc["b", "x_km"])
