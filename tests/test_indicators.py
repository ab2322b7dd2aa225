"""Every indicator, checked against numbers worked out by hand on a four-firm scenario.

``tests/data/indicators_loop.yaml``: a farm (10 t grain and 2 t straw a day from 1 t imported
fertiliser and 10 t water), a mill (10 t grain -> 8 t flour + 2 t bran, from day 1), a digester
that joins on day 5 (straw + bran 1:1 -> 0.9 digestate + 0.1 CO2; from day 6, 4 t a day), the
farm spreading the digestate (3.6 t a day from day 7; it replaces 0.05 t fertiliser per t, at
3 t CO2e per t fertiliser), a town of 1000 eating 0.5 kg flour per person and day (10 % waste,
imported on days 0 and 1, from the mill from day 2). Until the digester joins, straw and bran
are landfilled (100 EUR/t, 0.5 t CO2e/t). Roads: farm-mill 10 km, farm-digester 5 km,
mill-digester 6 km, mill-town 20 km; trucks 0.1 EUR and 0.1 kg CO2e per t·km.

Periods: ``steady`` = days 7, 8, 9 (everything runs), ``early`` = days 0, 1, and ``all``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from mfcsim.indicators import INDICATORS, compute_indicators, print_scorecard
from mfcsim.indicators.docs import documented_table, indicators_markdown
from mfcsim.indicators.logistics import FLEET_ONLY
from mfcsim.indicators.planet import carried_over_share
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import run_scenario

LOOP = Path(__file__).parent / "data" / "indicators_loop.yaml"
Lookup = Callable[..., float]


def lookup(frame: pd.DataFrame) -> Lookup:
    """``value(indicator, scope="cluster", period="steady")`` from a long indicator frame."""
    table = frame.set_index(["indicator", "scope", "period"])["value"]

    def value(name: str, scope: str = "cluster", period: str = "steady") -> float:
        return float(table.loc[(name, scope, period)])

    return value


def loop_data(**changes: Any) -> dict[str, Any]:
    """The loop scenario as a mapping, with top-level sections replaced."""
    data = yaml.safe_load(LOOP.read_text())
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def loop() -> Results:
    return run_scenario(LOOP)


@pytest.fixture(scope="module")
def value(loop: Results) -> Lookup:
    return lookup(loop.indicators)


def test_every_row_has_its_unit_and_a_known_period(loop: Results) -> None:
    """The frame is long: indicator, scope, period, value, unit; periods all, early, steady."""
    frame = loop.indicators
    assert list(frame.columns) == ["indicator", "scope", "period", "value", "unit"]
    compared = {"end_vs_start_diff", "end_vs_start_ratio"}  # steady vs early: no midpoint
    assert set(frame["period"]) == {"all", "early", "steady", *compared}
    reported = {name: s for name, s in INDICATORS.items() if name not in FLEET_ONLY}
    rates = {f"{name}_per_day" for name, spec in reported.items() if spec.additive}
    assert set(frame["indicator"]) == set(reported) | rates
    units = frame.drop_duplicates("indicator").set_index("indicator")["unit"]
    assert units["transport_tkm"] == "t*km"
    assert units["margin_eur"] == "EUR"


def test_residue_valorisation_counts_a_chain_once(value: Lookup) -> None:
    """Steady day: straw 2 t + bran 2 t + food waste 0.05 t generated; the digestate (3.6 t)
    continues the straw and bran the digester took (its inputs are all residue), so it is not
    generated again. Used as inputs: 3.6 t digestate spread + 0.4 t of straw and bran that
    left the digester as CO2 = 4 t. Rate 4 / 4.05."""
    assert value("residues_generated_t") == pytest.approx(3 * 4.05)
    assert value("residues_generated_t", "firm:digester") == pytest.approx(0.0)
    assert value("residues_generated_t", "firm:farm") == pytest.approx(3 * 2.0)
    assert value("residues_valorised_t") == pytest.approx(3 * 4.0)
    assert value("residues_valorised_t", "firm:farm") == pytest.approx(3 * 3.6)
    assert value("residues_valorised_t", "firm:digester") == pytest.approx(3 * 0.4)
    assert value("residue_valorisation_share") == pytest.approx(4.0 / 4.05)


def test_residue_valorisation_over_the_whole_run(value: Lookup) -> None:
    """All 10 days: straw 20 + bran 18 (days 1-9) + food waste 0.5 = 38.5 t generated (the
    digestate, 4 days x 3.6 t, continues straw and bran); used: digestate 3 days x 3.6 t +
    4 days x 0.4 t to CO2 = 12.4 t. Landfilled: straw of days 0-4 (10 t), bran of days 1-4
    (8 t) and food waste (0.5 t) = 18.5 t. The rest (the last day's digestate, 3.6 t, and
    2 t of straw and bran) has met no end yet: the rate is 12.4 / (12.4 + 18.5)."""
    assert value("residues_generated_t", period="all") == pytest.approx(38.5)
    assert value("residues_valorised_t", period="all") == pytest.approx(12.4)
    assert value("residue_valorisation_share", period="all") == pytest.approx(12.4 / 30.9)
    assert value("residue_valorisation_share", period="early") == pytest.approx(0.0)


def test_residue_valorisation_stays_a_share_when_old_stock_is_used() -> None:
    """Variant: the farm starts with 20 t of digestate and spreads it all on day 0 (it can
    spread 100 t a day). Early on it uses more residue than the region generates (20 t against
    4 t straw, 2 t bran and 0.1 t food waste, all landfilled): the rate is 20 / (20 + 6.1),
    not 20 / 6.1."""
    firms = loop_data()["firms"]
    firms["farm"]["initial_stock"] = {"digestate": 20.0}
    value = lookup(run_scenario(loop_data(firms=firms)).indicators)
    assert value("residues_valorised_t", period="early") == pytest.approx(20.0)
    assert value("residues_generated_t", period="early") == pytest.approx(6.1)
    assert value("residue_valorisation_share", period="early") == pytest.approx(20.0 / 26.1)


def test_carry_over_follows_the_residue_share_of_a_recipes_input_mass() -> None:
    """Tiny: the digester takes only manure and food waste (all residue): all its digestate
    continues them; the glasshouse takes 0.1 kg CO2 (residue) and 3 kg water per m2-day (heat
    has no mass): 0.1 / 3.1 of its green waste continues the CO2; the dairy's manure none."""
    shares = carried_over_share(load_scenario(Path(__file__).parents[1] / "scenarios/tiny.yaml"))
    assert shares[("digester", "digestate")] == pytest.approx(1.0)
    assert shares[("greenhouse", "green_waste")] == pytest.approx(0.1 / 3.1)
    assert shares[("dairy", "cattle_manure")] == pytest.approx(0.0)


def test_circularity_of_inputs(value: Lookup) -> None:
    """Steady day material inputs (water and soil uptake excluded): farm fertiliser 1 +
    digestate 3.6, mill grain 10, digester straw 2 + bran 2, town flour 0.5 = 19.1 t; of
    which residues from the region 3.6 + 4 = 7.6 t."""
    assert value("regional_secondary_input_share") == pytest.approx(7.6 / 19.1)
    assert value("regional_secondary_input_share", "firm:farm") == pytest.approx(3.6 / 4.6)
    assert value("regional_secondary_input_share", "firm:digester") == pytest.approx(1.0)
    assert value("regional_secondary_input_share", "firm:mill") == pytest.approx(0.0)
    assert value("inflow_circularity") == pytest.approx(7.6 / 19.1)


def test_imported_residues_count_for_inflow_circularity_only() -> None:
    """Variant: the digester imports its bran (2 t a day in steady state) and the mill
    landfills its own. Inflow circularity counts the imported bran, the regional share does
    not; the digestate continues only the 2 t of regional straw, so the digester generates
    3.6 - 2 = 1.6 t of residue a day and uses none to the end."""
    contracts = loop_data()["contracts"]
    del contracts["bran"]
    boundary = loop_data()["boundary"]
    boundary["imports"]["bran"] = {"price": "50 EUR/t"}
    value = lookup(run_scenario(loop_data(contracts=contracts, boundary=boundary)).indicators)
    assert value("inflow_circularity", "firm:digester") == pytest.approx(1.0)
    assert value("regional_secondary_input_share", "firm:digester") == pytest.approx(0.5)
    assert value("inflow_circularity") == pytest.approx(7.6 / 19.1)
    assert value("regional_secondary_input_share") == pytest.approx(5.6 / 19.1)
    assert value("residues_generated_t", "firm:digester") == pytest.approx(3 * 1.6)
    # farm 2 + mill 2 + digester 1.6 + town 0.05 generated; 3.6 t digestate spread
    assert value("residue_valorisation_share") == pytest.approx(3.6 / 5.65)


def test_outflow_circularity(value: Lookup) -> None:
    """Material leaving firms, steady day: farm ships 10 grain + 2 straw, mill ships 0.5 flour
    + 2 bran and exports 7.5 flour, digester ships 3.6 digestate, town landfills 0.05 food
    waste (CO2 and vapour are emissions, not material): 25.6 of 25.65 t go on to a use."""
    assert value("outflow_circularity") == pytest.approx(25.6 / 25.65)
    assert value("outflow_circularity", "firm:town") == pytest.approx(0.0)
    assert value("outflow_circularity", "firm:mill") == pytest.approx(1.0)
    # days 0-1: farm 20 grain shipped, 4 straw landfilled; mill (day 1) 0.5 + 7 flour, 2 bran
    assert value("outflow_circularity", period="early") == pytest.approx(27.5 / 33.6)


def test_virgin_input_water_and_disposal(value: Lookup) -> None:
    """Fertiliser 1 t a day; flour imported by the town on days 0 and 1 (0.5 t each); water
    10 t a day is counted on its own; soil uptake is an environmental exchange."""
    assert value("virgin_material_input_t") == pytest.approx(3.0)
    assert value("virgin_material_input_t", period="all") == pytest.approx(10.0 + 1.0)
    assert value("virgin_material_input_t", "material:flour", "early") == pytest.approx(1.0)
    assert value("virgin_material_input_t", "firm:town", "early") == pytest.approx(1.0)
    assert value("water_input_t", period="all") == pytest.approx(100.0)
    assert value("disposal_t") == pytest.approx(3 * 0.05)
    assert value("disposal_t", period="all") == pytest.approx(10.0 + 8.0 + 0.5)
    assert value("disposal_t", "material:straw", "all") == pytest.approx(10.0)
    assert value("disposal_t", "firm:mill", "all") == pytest.approx(8.0)


def test_food_self_sufficiency_and_population_fed(value: Lookup) -> None:
    """The town eats 0.5 t flour a day, imported on days 0 and 1: 4 of 5 t regional."""
    assert value("food_self_sufficiency", period="all") == pytest.approx(0.8)
    assert value("food_self_sufficiency", "firm:town", "all") == pytest.approx(0.8)
    assert value("food_self_sufficiency", "material:flour", "early") == pytest.approx(0.0)
    assert value("food_self_sufficiency") == pytest.approx(1.0)
    assert value("population_fed_share", period="all") == pytest.approx(0.8)


def test_a_hungry_town_is_self_sufficient_but_not_fed() -> None:
    """Variant: the town may not import. It eats nothing on days 0 and 1, then the mill's
    flour: all it ate was regional (1.0), but only 4 of the 5 t its 1000 people need (0.8),
    and 8 of its 10 daily orders were served in full."""
    firms = loop_data()["firms"]
    firms["town"]["imports"] = False
    value = lookup(run_scenario(loop_data(firms=firms)).indicators)
    assert value("food_self_sufficiency", period="all") == pytest.approx(1.0)
    assert value("population_fed_share", period="all") == pytest.approx(0.8)
    assert value("population_fed_share", "firm:town", "early") == pytest.approx(0.0)
    assert value("fill_rate", period="all") == pytest.approx(0.8)
    assert value("fill_rate", "firm:town", "early") == pytest.approx(0.0)


def test_transport(value: Lookup) -> None:
    """Steady day: grain 10 t x 10 km + straw 2 x 5 + flour 0.5 x 20 + bran 2 x 6 + digestate
    3.6 x 5 = 150 t·km; CO2e 0.1 kg per t·km."""
    assert value("transport_tkm") == pytest.approx(3 * 150.0)
    assert value("transport_tkm", "firm:farm") == pytest.approx(3 * 110.0)
    assert value("transport_tkm", "material:bran") == pytest.approx(3 * 12.0)
    # grain 10 days, flour 9, straw and bran 5, digestate 4
    assert value("transport_tkm", period="all") == pytest.approx(1000 + 90 + 50 + 60 + 72)
    assert value("ghg_transport_t_co2e") == pytest.approx(3 * 150.0 * 1e-4)
    assert value("ghg_transport_t_co2e", "firm:digester") == pytest.approx(3 * 18.0 * 1e-4)


def test_co2e_by_source(value: Lookup) -> None:
    """Digester CO2 0.4 t a day at 1 t CO2e/t; landfill 0.5 t CO2e/t; imports: fertiliser
    2 t CO2e/t, flour 1 t CO2e/t."""
    assert value("ghg_process_t_co2e") == pytest.approx(3 * 0.4)
    assert value("ghg_process_t_co2e", "material:co2_released", "all") == pytest.approx(4 * 0.4)
    assert value("ghg_waste_t_co2e") == pytest.approx(3 * 0.05 * 0.5)
    assert value("ghg_waste_t_co2e", period="all") == pytest.approx(18.5 * 0.5)
    assert value("ghg_agriculture_t_co2e") == 0.0
    assert value("ghg_energy_t_co2e") == 0.0
    assert value("ghg_imports_embodied_t_co2e") == pytest.approx(3 * 2.0)
    assert value("ghg_imports_embodied_t_co2e", period="all") == pytest.approx(10 * 2.0 + 1.0 * 1.0)


def test_avoided_virgin_input_and_emissions(value: Lookup) -> None:
    """3.6 t digestate a day x 0.05 t fertiliser per t = 0.18 t fertiliser, x 3 t CO2e/t."""
    assert value("avoided_virgin_input_t", "material:fertiliser") == pytest.approx(3 * 0.18)
    assert value("avoided_virgin_input_t") == pytest.approx(3 * 0.18)
    assert value("ghg_avoided_t_co2e") == pytest.approx(3 * 0.18 * 3.0)
    assert value("ghg_avoided_t_co2e", "material:digestate") == pytest.approx(3 * 0.54)
    assert value("ghg_avoided_t_co2e", period="early") == pytest.approx(0.0)


def test_avoided_input_keeps_the_replaced_materials_unit(loop: Results) -> None:
    """The replaced material's own unit is on its rows; the cluster row is mass."""
    rows = loop.indicators
    rows = rows[(rows["indicator"] == "avoided_virgin_input_t") & (rows["period"] == "steady")]
    assert dict(zip(rows["scope"], rows["unit"], strict=True)) == {
        "cluster": "t",
        "material:fertiliser": "t",
    }


def test_total_co2e_does_not_subtract_the_avoided_again(value: Lookup) -> None:
    """Steady: transport 0.045 + process 1.2 + disposal 0.075 + imports 6 t CO2e. The farm's
    fertiliser imports are already lower for the digestate it spreads; the avoided 1.62 t is
    reported beside the total, not subtracted from it (that would count the saving twice)."""
    assert value("ghg_total_t_co2e") == pytest.approx(0.045 + 1.2 + 0.075 + 6.0)
    # farm: its shipments 330 t·km and its fertiliser imports
    assert value("ghg_total_t_co2e", "firm:farm") == pytest.approx(0.033 + 6.0)


def test_revenue_costs_and_margin(value: Lookup) -> None:
    """Steady day at material prices: farm sells grain 2000 + straw 20 EUR and pays fertiliser
    300, water 10 and its transport 11; the mill sells flour 250 + bran 100 in the region and
    exports 3375, pays grain 2000 and transport 2.2; the digester pays 120 + 1.8; the town pays
    flour 250 and landfill 5. The town is a household: its flour is final consumption
    expenditure (250 a day), outside the firms' costs, margin and value added."""
    assert value("revenue_eur", "firm:farm") == pytest.approx(3 * 2020.0)
    assert value("revenue_eur", "firm:mill") == pytest.approx(3 * 3725.0)
    assert value("revenue_eur") == pytest.approx(3 * 5745.0)
    assert value("costs_eur", "firm:farm") == pytest.approx(3 * 321.0)
    assert value("costs_eur", "firm:mill") == pytest.approx(3 * 2002.2)
    assert value("costs_eur", "firm:digester") == pytest.approx(3 * 121.8)
    assert value("costs_eur") == pytest.approx(3 * 2445.0)
    assert value("margin_eur", "firm:digester") == pytest.approx(-3 * 121.8)
    assert value("margin_eur") == pytest.approx(3 * (5745.0 - 2445.0))
    assert value("household_food_expenditure_eur") == pytest.approx(3 * 250.0)
    assert value("household_food_expenditure_eur", "firm:town") == pytest.approx(3 * 250.0)
    with pytest.raises(KeyError):
        value("margin_eur", "firm:town")


def test_value_of_residues_traded(value: Lookup) -> None:
    """Straw 2 t x 10 EUR and bran 2 t x 50 EUR a day from day 5; digestate is free."""
    assert value("residues_traded_value_eur") == pytest.approx(3 * 120.0)
    assert value("residues_traded_value_eur", "material:bran", "all") == pytest.approx(5 * 100.0)
    assert value("residues_traded_value_eur", period="all") == pytest.approx(5 * 120.0)


def test_jobs_follow_the_days_a_firm_is_in_the_cluster(value: Lookup) -> None:
    """Farm 4, mill 6, digester 2 FTE from day 5: 12 in steady state, 10 early, 11 overall."""
    assert value("jobs_fte") == pytest.approx(12.0)
    assert value("jobs_fte", period="early") == pytest.approx(10.0)
    assert value("jobs_fte", period="all") == pytest.approx(11.0)
    assert value("jobs_fte", "firm:digester", "all") == pytest.approx(1.0)


def test_fill_rate(value: Lookup) -> None:
    """The town's order is served in full every day (imports fill the first two)."""
    assert value("fill_rate", period="all") == pytest.approx(1.0)
    assert value("fill_rate", "material:flour") == pytest.approx(1.0)


def test_indicators_round_trip_through_the_run_folder(loop: Results, tmp_path: Path) -> None:
    """indicators.parquet and scorecard.json are in the run folder; Results.read gives the
    same frame back without computing it again."""
    folder = loop.write(tmp_path / "run")
    assert (folder / "indicators.parquet").is_file()
    again = Results.read(folder)
    pd.testing.assert_frame_equal(again.indicators, loop.indicators)
    card = yaml.safe_load((folder / "scorecard.json").read_text())
    assert set(card) == {"people", "planet", "profit"}
    assert card["people"]["jobs_fte"]["steady"] == pytest.approx(12.0)
    assert card["planet"]["residue_valorisation_share"]["unit"] == "share"


def test_read_back_results_compute_the_same_indicators(loop: Results, tmp_path: Path) -> None:
    """From the run folder's frames and resolved scenario alone, the same numbers come out."""
    folder = loop.write(tmp_path / "run")
    (folder / "indicators.parquet").unlink()
    again = Results.read(folder)
    pd.testing.assert_frame_equal(compute_indicators(again), loop.indicators)


def test_a_negative_price_is_paid_by_the_supplier() -> None:
    """Variant: straw at -10 EUR/t (a gate fee): the farm pays the digester 20 EUR a day."""
    materials = loop_data()["materials"]
    materials["straw"]["price"] = "-10 EUR/t"
    value = lookup(run_scenario(loop_data(materials=materials)).indicators)
    assert value("revenue_eur", "firm:farm") == pytest.approx(3 * 2000.0)
    assert value("costs_eur", "firm:farm") == pytest.approx(3 * (321.0 + 20.0))
    assert value("revenue_eur", "firm:digester") == pytest.approx(3 * 20.0)
    assert value("costs_eur", "firm:digester") == pytest.approx(3 * (100.0 + 1.8))
    assert value("residues_traded_value_eur", "material:straw") == pytest.approx(-3 * 20.0)


def test_the_documentation_lists_exactly_the_registered_indicators() -> None:
    """docs/indicators.md holds the generated table (`python -m mfcsim.indicators.docs
    docs/indicators.md` rewrites it): every registered indicator, nothing else."""
    text = (Path(__file__).parents[1] / "docs" / "indicators.md").read_text()
    table = documented_table(text)
    assert table == indicators_markdown()
    rows = table.split("### Indicators")[1].splitlines()[4:]
    names = [line.split("`")[1] for line in rows]
    assert sorted(names) == sorted(INDICATORS)


def test_the_own_indicator_example_of_the_documentation_runs(loop: Results) -> None:
    """The example in docs/indicators.md registers and computes (then is removed again)."""
    text = (Path(__file__).parents[1] / "docs" / "indicators.md").read_text()
    code = text.split("## Your own indicator")[1].split("```python")[1].split("```")[0]
    try:
        exec(compile(code, "docs/indicators.md", "exec"), {})
        value = lookup(compute_indicators(loop))
        assert value("landfill_t", "firm:farm", "all") == pytest.approx(10.0)
    finally:
        INDICATORS.pop("landfill_t", None)


def test_mfcsim_run_prints_the_scorecard(tmp_path: Path) -> None:
    """After the headline table: the 3P scorecard, one column per period."""
    proc = subprocess.run(
        [sys.executable, "-m", "mfcsim", "run", str(LOOP), "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    card = proc.stdout[proc.stdout.index("3P scorecard") :]
    compared = ["end_vs_start_diff", "end_vs_start_ratio"]
    header = ["3P", "scorecard", "unit", "all", "early", "steady", *compared]
    assert card.splitlines()[0].split() == header
    assert re.search(r"jobs_fte\s+FTE\s+11\s+10\s+12\s+2\s+1\.2\b", card)
    assert proc.stdout.index("mass balance max rel. error") < proc.stdout.index("3P scorecard")


def test_the_printed_scorecard_keeps_whole_names(capsys: pytest.CaptureFixture[str]) -> None:
    """In a pipe, every row is one line with the indicator's whole name, however wide."""
    wide = pd.DataFrame({"unit": ["share"], "all": [123456789.0], "start": [987654321.0],
                         "mid": [123456789.0], "end": [987654321.0]},
                        index=["a_rather_long_indicator_name_share"])  # fmt: skip
    print_scorecard({"planet": wide})
    printed = capsys.readouterr().out
    assert "  a_rather_long_indicator_name_share  share  123,456,789" in printed
