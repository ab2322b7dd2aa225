"""Provenance: the comments of a scenario's files become data, one row per number.

A number's comment is the one at the end of its line, else the block right above it, else
its enclosing field's; its status is ``assumption`` if the comment says so, ``cited`` if it
names an id of ``sources:``, ``noted`` for any other comment and ``uncited`` without one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario
from mfcsim.scenario.provenance import classify, comment_at, trailing_comment
from mfcsim.testing import run_scenario

REPO = Path(__file__).resolve().parents[1]

BASE = """\
extends: tiny.yaml
name: provenance-test
materials:
  # cattle slurry: TS 10 % (C1)
  cattle_manure: {unit: t, kind: residue, composition: {dry_matter: 0.10, N: 0.004}}
  food_waste: {unit: t, kind: residue, price: -50, description: "bin #2"}  # assumption: a gate fee
firms:
  dairy:
    processes:
      keep_cows:  # herd as in the region's statistics, in words
        capacity: 100 / d
"""


@pytest.fixture
def scenario(tmp_path: Path):
    tiny = (REPO / "scenarios" / "tiny.yaml").read_text()
    (tmp_path / "tiny.yaml").write_text(tiny + '\nsources:\n  C1: "a citation"\n')
    (tmp_path / "mine.yaml").write_text(BASE)
    return load_scenario(tmp_path / "mine.yaml")


def test_a_comment_above_applies_to_every_number_of_the_line(scenario) -> None:
    dm = scenario.provenance["materials.cattle_manure.composition.dry_matter"]
    n = scenario.provenance["materials.cattle_manure.composition.N"]
    assert (dm.status, dm.sources, dm.value) == ("cited", ("C1",), "0.1")
    assert n.status == "cited"
    assert dm.at.endswith("mine.yaml:5")


def test_an_assumption_and_a_hash_inside_quotes(scenario) -> None:
    price = scenario.provenance["materials.food_waste.price"]
    assert price.status == "assumption"
    assert price.note == "assumption: a gate fee"
    assert price.value == "-50"


def test_a_number_takes_its_enclosing_fields_comment(scenario) -> None:
    capacity = scenario.provenance["firms.dairy.processes.keep_cows.capacity"]
    assert capacity.status == "noted"
    assert capacity.note == "herd as in the region's statistics, in words"


def test_numbers_of_an_extended_file_point_to_that_file(scenario) -> None:
    tiny_numbers = [p for k, p in scenario.provenance.items() if "tiny.yaml:" in p.at]
    assert tiny_numbers
    assert all(p.status in {"assumption", "cited", "noted", "uncited"} for p in tiny_numbers)


def test_comment_reading_rules() -> None:
    assert trailing_comment("a: 1  # note") == "note"
    assert trailing_comment("a: '1 # not a comment'") == ""
    assert trailing_comment("url: http://x#y") == ""
    assert classify("CC biogas_yield C1; K12-K13 inferred", ["K12-K13", "C1", "C10"]) == (
        "cited", ("K12-K13", "C1"))  # fmt: skip
    assert classify("C10 says so", ["C1"]) == ("noted", ())
    assert classify("Assumption, see C1", ["C1"]) == ("assumption", ("C1",))
    assert comment_at(str(REPO / "nowhere.yaml"), 3) == ""


def test_the_run_folder_lists_the_default_scenarios_assumptions(tmp_path: Path) -> None:
    results = run_scenario(REPO / "scenarios" / "default.yaml", days=3)
    folder = results.write(tmp_path / "run")
    table = pd.read_parquet(folder / "provenance.parquet")
    assert list(table.columns) == ["path", "value", "at", "status", "sources", "note"]
    by_path = table.set_index("path")
    assert by_path.loc["materials.pig_slurry.composition.N", "status"] == "assumption"
    assert "C1" in by_path.loc["materials.pig_slurry.composition.dry_matter", "sources"]
    assert not table["path"].str.contains("location").any()
    counts = table["status"].value_counts()
    assert counts["assumption"] > 100
    assert counts["cited"] > 10
    # read back from the folder, the resolved scenario carries the same provenance
    assert Results.read(folder).provenance.equals(results.provenance)


def test_the_report_panel_counts_numbers_by_section_and_status() -> None:
    from mfcsim.viz.provenance import provenance_counts, provenance_figure

    table = pd.DataFrame({
        "path": ["materials.a.price", "materials.b.price", "firms.x.capacity", "agent.k"],
        "status": ["assumption", "cited", "assumption", "uncited"],
    })  # fmt: skip
    counts = provenance_counts(table)
    assert counts.values.tolist() == [
        ["agent", "uncited", 1], ["firms", "assumption", 1],
        ["materials", "assumption", 1], ["materials", "cited", 1],
    ]  # fmt: skip
    fig = provenance_figure(table)
    assumption = next(t for t in fig.data if t.name == "assumption")
    assert dict(zip(assumption.y, assumption.x, strict=True)) == {
        "materials": 1, "firms": 1, "agent": 0}  # fmt: skip
    assert "4 numbers" in fig.layout.title.text
    assert "50% assumptions" in fig.layout.title.text
