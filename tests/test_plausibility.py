"""Plausibility: the measures on hand-made frames, the reference table, and every shipped
scenario's year against the published ranges (an outside value must be argued in its file)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mfcsim.errors import ResultsError
from mfcsim.plausibility import (
    MEASURES,
    Firm,
    Reference,
    Run,
    check,
    load_references,
    scenario_table,
    svg_chart,
    unexplained,
)
from mfcsim.testing import run_scenario

REPO = Path(__file__).resolve().parents[1]
REFERENCES = REPO / "data" / "published" / "plausibility.csv"
SHIPPED = sorted((REPO / "scenarios").rglob("*.yaml"))


def _flow(source: str, material: str, quantity: float, kind: str, **extra: str) -> dict:
    return {"t_day": 0.0, "source": source, "target": source, "material": material,
            "quantity": quantity, "kind": kind, **extra}  # fmt: skip


def _run() -> Run:
    """A year of two pig farms, a digester and a city, by hand."""
    pig_params = {"pigs": 1000, "meat": "live_pigs", "slurry": "pig_slurry"}
    firms = {
        "pigs_a": Firm("pigs_a", "pig_farm", pig_params, 1.0, 0.0, 365.0, {}),
        "pigs_b": Firm("pigs_b", "pig_farm", pig_params, 1.0, 0.0, 365.0, {}),
        "digester": Firm(
            "digester",
            "anaerobic_digester",
            {"biogas": "biogas"},
            2.0,
            0.0,
            365.0,
            {
                "digest_pig_slurry": {"outputs": {"biogas": 28.0}},
                "digest_food_waste": {"outputs": {"biogas": 200.0}},
            },
        ),
        "town": Firm(
            "town",
            "city",
            {"population": 100, "food_waste": "food_waste", "consumed": "consumed_food"},
            0.0,
            0.0,
            365.0,
            {},
        ),
    }
    flows = pd.DataFrame([
        _flow("pigs_a", "pig_slurry", 600.0, "production"),
        _flow("pigs_b", "pig_slurry", 400.0, "production"),
        _flow("digester", "pig_slurry", 1000.0, "consumption"),
        _flow("digester", "food_waste", 100.0, "consumption"),
        _flow("digester", "chp_heat", 33.0, "consumption"),
        _flow("town", "food_waste", 3.5, "production"),
    ])  # fmt: skip
    substances = pd.DataFrame([
        _flow("pigs_a", "pig_slurry", 6.0, "production", substance="N"),
        _flow("pigs_b", "pig_slurry", 2.0, "production", substance="N"),
        _flow("pigs_a", "compound_feed", 14.0, "consumption", substance="N"),
        _flow("pigs_b", "compound_feed", 10.0, "consumption", substance="N"),
        _flow("pigs_a", "live_pigs", 2.0, "production", substance="N"),
        _flow("pigs_b", "live_pigs", 2.0, "production", substance="N"),
        _flow("town", "consumed_food", 0.438, "production", substance="N"),
    ])  # fmt: skip
    activity = pd.DataFrame({
        "t_day": 0.0, "firm": "digester",
        "process": ["digest_pig_slurry", "digest_food_waste"],
        "planned": [1000.0, 100.0], "realised": [1000.0, 100.0],
    })  # fmt: skip
    units = {"pig_slurry": "t", "food_waste": "t", "chp_heat": "MWh", "biogas": "m3"}
    return Run(flows, substances, activity, units, firms, 365.0)


def _ref(quantity: str, subject: str, low: float, high: float) -> Reference:
    return Reference(quantity, subject, "u", low, high, "hand-made", "")


def test_measures_on_a_hand_made_year() -> None:
    """Each figure as computed by hand from the frames above."""
    run = _run()
    # 8 t N in 1,000 t slurry; (24 - 4) t N over 2,000 place-years; 33 MWh over 1,100 t
    assert MEASURES["n_kg_per_t"][0](run, "pig_slurry") == pytest.approx(8.0)
    assert MEASURES["n_excreted_kg_per_place_year"][0](run, "pig_farm") == pytest.approx(10.0)
    assert MEASURES["digester_heat_mwh_per_t"][0](run, "anaerobic_digester") == pytest.approx(0.03)
    assert MEASURES["biogas_m3_per_t"][0](run, "food_waste") == pytest.approx(200.0)
    assert MEASURES["household_food_waste_kg_per_person_year"][0](run, "city") == pytest.approx(
        35.0
    )
    assert MEASURES["food_eaten_n_g_per_person_day"][0](run, "city") == pytest.approx(12.0)
    # P is not tracked, so there is nothing to measure (no row, rather than a zero)
    assert MEASURES["p_kg_per_t"][0](run, "pig_slurry") is None


def test_inside_outside_and_arguments() -> None:
    """A value in its range is inside; one out of it outside, and unexplained unless argued."""
    refs = [
        _ref("n_kg_per_t", "pig_slurry", 6.0, 8.5),
        _ref("biogas_m3_per_t", "food_waste", 140, 170),
        _ref("milk_t_per_cow_year", "raw_milk", 8, 10),
    ]
    table = check(_run(), refs)
    assert list(table["key"]) == ["n_kg_per_t.pig_slurry", "biogas_m3_per_t.food_waste"]  # no dairy
    assert list(table["inside"]) == [True, False]
    assert list(unexplained(table)["key"]) == ["biogas_m3_per_t.food_waste"]
    argued = check(_run(), refs, {"biogas_m3_per_t.food_waste": "because"})
    assert unexplained(argued).empty
    with pytest.raises(ResultsError, match="no reference row"):
        check(_run(), refs, {"biogas_m3_per_t.whey": "nothing to argue"})


def test_a_per_year_quantity_is_left_out_of_a_short_run() -> None:
    run = _run()
    short = Run(run.flows, run.substances, run.activity, run.units, run.firms, 30.0)
    keys = check(short, [_ref("household_food_waste_kg_per_person_year", "city", 30, 45),
                         _ref("n_kg_per_t", "pig_slurry", 6, 8.5)])["key"]  # fmt: skip
    assert list(keys) == ["n_kg_per_t.pig_slurry"]


def test_the_reference_table_reads_and_every_row_has_a_source() -> None:
    refs = load_references(REFERENCES)
    assert len({r.key for r in refs}) == len(refs), "a key twice"
    assert all(r.source and r.low <= r.high for r in refs)


@pytest.mark.parametrize(
    ("line", "message"),
    [("yield_per_cow,x,u,1,2,s,", "not measured"), ("n_kg_per_t,x,u,3,2,s,", "above high"),
     ("n_kg_per_t,x,u,1,2,,", "needs a source"), ("n_kg_per_t,x,u,one,2,s,", "numbers")],
)  # fmt: skip
def test_a_bad_reference_row_is_named_by_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "refs.csv"
    path.write_text("quantity,subject,unit,low,high,source,note\n" + line + "\n")
    with pytest.raises(ResultsError, match=rf"refs.csv:2: .*{message}"):
        load_references(path)


def test_the_figure_colours_inside_argued_and_unexplained() -> None:
    refs = [
        _ref("n_kg_per_t", "pig_slurry", 6.0, 8.5),
        _ref("biogas_m3_per_t", "food_waste", 140, 170),
        _ref("biogas_m3_per_t", "pig_slurry", 30, 40),
    ]
    svg = svg_chart(check(_run(), refs, {"biogas_m3_per_t.food_waste": "why"}), "t")
    assert svg.startswith("<svg")
    assert svg.count("<circle") == 3
    for colour in ("#2a9d4b", "#e69500", "#d62828"):  # inside, argued, unexplained
        assert f'fill="{colour}"' in svg
    assert "&#8594; 200 u" in svg  # 200 is far above 170: drawn at the axis' end


@pytest.mark.parametrize(
    "path", SHIPPED, ids=lambda p: p.relative_to(REPO / "scenarios").as_posix()
)
def test_every_shipped_scenario_argues_what_lies_outside(path: Path) -> None:
    """A value of a shipped scenario's own run outside its published range needs an argument
    under ``plausibility:`` in the file (scenarios/README.md shows both)."""
    table = scenario_table(run_scenario(path), load_references(REFERENCES))
    bad = unexplained(table)
    assert bad.empty, "outside its range, not argued in the file: " + "; ".join(
        f"{r.key} = {r.value:.4g} (range {r.low:g}-{r.high:g})" for r in bad.itertuples()
    )
