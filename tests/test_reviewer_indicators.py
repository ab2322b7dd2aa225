"""Indicators a reviewer accepts: each new definition against numbers worked out by hand.

Most tests run ``tests/data/indicators_loop.yaml`` (see ``tests/test_indicators.py`` for its
days and flows) with a few fields changed; the trade-margin tests run a three-firm chain
(farm -> shop -> town) written out below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from mfcsim.cli import main
from mfcsim.errors import OverloadedCarrierError, ScenarioError, UsageError
from mfcsim.indicators import baseline_comparisons
from mfcsim.indicators.periods import Period, milestones
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.substances.balance import check_substance_closure
from mfcsim.testing import run_scenario

LOOP = Path(__file__).parent / "data" / "indicators_loop.yaml"


def cluster(results: Results, name: str, period: str = "steady", scope: str = "cluster") -> float:
    """One value of the run's indicators frame."""
    frame = results.indicators
    hit = frame[
        (frame["indicator"] == name) & (frame["scope"] == scope) & (frame["period"] == period)
    ]
    assert len(hit) == 1, (name, scope, period, len(hit))
    return float(hit["value"].iloc[0])


# ---------------------------------------------------------------- GHG apart from other releases


@pytest.mark.parametrize(("gwp", "factor"), [("AR6-GWP100", 27.0), ("AR5-GWP100", 28.0)])
def test_a_declared_gas_takes_its_co2e_from_the_gwp_set(gwp: str, factor: float) -> None:
    """The digester's 0.4 t a day, declared biogenic CH4 under agriculture: steady days 7-9
    give 3 x 0.4 x GWP t CO2e in agriculture, none in process; the manifest names the set."""
    results = run_scenario(
        LOOP,
        overrides=(
            f"gwp={gwp}",
            "materials.co2_released.ghg=ch4_biogenic",
            "materials.co2_released.ghg_category=agriculture",
        ),
    )
    assert cluster(results, "ghg_agriculture_t_co2e") == pytest.approx(3 * 0.4 * factor)
    assert cluster(results, "ghg_process_t_co2e") == 0.0
    assert results.manifest["gwp"]["set"] == gwp
    assert results.manifest["gwp"]["t_co2e_per_t"]["ch4_biogenic"] == factor


def test_biogenic_co2_is_beside_the_total_and_water_is_not_an_emission() -> None:
    """Declared biogenic CO2: 1.2 t in co2_biogenic_t on steady days, 0 t CO2e; the farm's
    10 t of water vapour a day is water released, not another release."""
    results = run_scenario(
        LOOP,
        overrides=(
            "materials.co2_released.ghg=co2_biogenic",
            "materials.co2_released.ghg_category=process",
        ),
    )
    assert cluster(results, "co2_biogenic_t") == pytest.approx(3 * 0.4)
    assert cluster(results, "ghg_process_t_co2e") == 0.0
    assert cluster(results, "water_released_t") == pytest.approx(3 * 10.0)
    assert cluster(results, "other_releases_t") == 0.0


def test_a_declared_gas_disposed_of_counts_where_it_is_vented() -> None:
    """Food waste declared biogenic CO2: its 0.05 t a day to landfill on steady days."""
    results = run_scenario(
        LOOP,
        overrides=(
            "materials.food_waste.ghg=co2_biogenic",
            "materials.food_waste.ghg_category=waste",
        ),
    )
    assert cluster(results, "co2_biogenic_t") == pytest.approx(3 * 0.05)


def test_an_undeclared_release_without_co2e_is_another_release() -> None:
    """co2_released with no ghg and no co2e: 1.2 t of other releases on steady days."""
    results = run_scenario(
        LOOP,
        overrides=("materials.co2_released.ghg=null", "materials.co2_released.ghg_category=null"),
    )
    assert cluster(results, "other_releases_t") == pytest.approx(3 * 0.4)
    assert cluster(results, "ghg_process_t_co2e") == 0.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"ghg": "ch4_fossil", "ghg_category": "waste", "co2e": 5.0},
            "materials.gas.co2e: 5 t CO2e per unit differs from 29.8 (ch4_fossil in AR6-GWP100)",
        ),
        ({"ghg": "n2o"}, "materials.gas.ghg_category: missing"),
        ({"ghg_category": "energy"}, "materials.gas.ghg: missing"),
    ],
)
def test_bad_ghg_declarations_are_one_line_errors(changes: dict[str, Any], message: str) -> None:
    data = yaml.safe_load(LOOP.read_text())
    data["materials"]["gas"] = {"unit": "t", "kind": "emission", **changes}
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        scenario_from_dict(data, source="loop.yaml")


# ------------------------------------------------------------------ households, trade margin


def chain(markup: float | None) -> dict[str, Any]:
    """A farm grows 10 t of vegetables a day (100 EUR/t); a shop buys them all and sells them
    on to a town of 1,000 eating 10 kg a head a day. Roads 10 km, 0.1 EUR per t·km."""
    shop: dict[str, Any] = {"type": "generic", "location": {"x_km": 10, "y_km": 0}}
    if markup is not None:
        shop["markup"] = markup
    return {
        "name": "chain",
        "horizon": "6 d",
        "materials": {
            "veg": {"unit": "t", "kind": "product", "price": "100 EUR/t"},
            "uptake": {"unit": "t", "kind": "environmental"},
            "food_waste": {"unit": "t", "kind": "residue"},
            "consumed_food": {"unit": "t", "kind": "environmental", "sink": "consumption"},
        },
        "firms": {
            "farm": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "grow": {
                        "capacity": 10,
                        "from_environment": {"uptake": 1.0},
                        "outputs": {"veg": 1.0},
                    }
                },
            },
            "shop": shop,
            "town": {
                "type": "city",
                "location": {"x_km": 20, "y_km": 0},
                "imports": False,
                "params": {
                    "population": 1000,
                    "diet_kg_per_person_day": {"veg": 10},
                    "waste_share": 0.0,
                },
            },
        },
        "network": {
            "detour_factor": 1.0,
            "modes": {"truck": {"cost": "0.1 EUR/tkm", "co2e": 0.0, "speed": "1000 km/h"}},
        },
        "contracts": {
            "to_shop": {
                "supplier": "farm",
                "receiver": "shop",
                "material": "veg",
                "quantity": "all",
            },
            "to_town": {
                "supplier": "shop",
                "receiver": "town",
                "material": "veg",
                "quantity": "all",
            },
        },
        "agent": {"policy": "none"},
    }


def purchases_resold(results: Results) -> tuple[float, float]:
    """Tonnes of veg the shop sold, and what they cost it (100 EUR/t, bought from the farm)."""
    ships = results.extra["shipments"]
    sold = float(ships.loc[(ships["supplier"] == "shop").to_numpy(), "quantity"].sum())
    return sold, sold * 100.0


def test_reselling_at_cost_is_a_trade_margin_of_zero() -> None:
    """Markup 0: the shop sells at its purchase cost, trade margin 0. Its value added is what
    it pays for transport (t x 10 km x 0.1 EUR), not the goods' value; its margin also counts
    the last delivery it holds at the end (bought, not yet sold: 10 t at 100 EUR)."""
    results = run_scenario(chain(0.0))
    sold, _ = purchases_resold(results)
    assert sold == pytest.approx(50.0)
    held = results.stocks[(results.stocks["node"] == "shop").to_numpy()]
    assert float(held.loc[held["t_day"] == held["t_day"].max(), "quantity"].sum()) == 10.0
    assert cluster(results, "trade_margin_eur", "all", "firm:shop") == pytest.approx(0.0, abs=1e-9)
    assert cluster(results, "value_added_eur", "all", "firm:shop") == pytest.approx(-sold * 1.0)
    margin = cluster(results, "margin_eur", "all", "firm:shop")
    assert margin == pytest.approx(-sold * 1.0 - 10 * 100.0)


def test_a_markup_is_the_trade_margin_and_households_pay_it() -> None:
    """Markup 0.25 on 100 EUR/t: trade margin 25 EUR per t sold; the town spends 125 EUR/t,
    its own figure; the firms' margin and value added leave the household out."""
    results = run_scenario(chain(0.25))
    sold, cost = purchases_resold(results)
    assert cluster(results, "trade_margin_eur", "all", "firm:shop") == pytest.approx(0.25 * cost)
    assert cluster(results, "household_food_expenditure_eur", "all") == pytest.approx(1.25 * cost)
    per_head = cluster(results, "household_food_expenditure_eur_per_capita_yr", "all")
    assert per_head == pytest.approx(1.25 * cost / 1000 / (6 / 365))
    scopes = set(results.indicators.loc[results.indicators["indicator"] == "margin_eur", "scope"])
    assert "firm:town" not in scopes
    assert sold == pytest.approx(cost / 100.0)


def test_a_markup_per_firm_type_and_the_firms_own_first() -> None:
    """``markups: {generic: 0.1}``: the shop (generic) resells at 10 %; the farm makes its
    veg, so nothing of it is resold. A firm's own markup wins over its type's."""
    results = run_scenario(chain(None) | {"markups": {"generic": 0.1}})
    _, cost = purchases_resold(results)
    assert cluster(results, "trade_margin_eur", "all", "firm:shop") == pytest.approx(0.1 * cost)
    assert cluster(results, "trade_margin_eur", "all", "firm:farm") == 0.0
    results = run_scenario(chain(0.3) | {"markups": {"generic": 0.1}})
    _, cost = purchases_resold(results)
    assert cluster(results, "trade_margin_eur", "all", "firm:shop") == pytest.approx(0.3 * cost)
    with pytest.raises(ScenarioError, match=r"markups\.retailr: no firm of type 'retailr'"):
        scenario_from_dict(chain(None) | {"markups": {"retailr": 0.2}}, source="chain.yaml")


def test_value_added_is_margin_plus_the_change_in_stock_value() -> None:
    """Over the whole run the firms start and end with the stocks they hold: value added =
    revenue − costs + (end − start stock value at 100 EUR/t)."""
    results = run_scenario(chain(0.25))
    stocks = results.stocks
    firms = stocks[stocks["node"].isin(["farm", "shop"]).to_numpy()]
    held = firms.groupby("t_day")["quantity"].sum()
    change = (held.iloc[-1] - held.iloc[0]) * 100.0
    margin = cluster(results, "margin_eur", "all")
    assert cluster(results, "value_added_eur", "all") == pytest.approx(margin + change)


# ------------------------------------------------------------------------ residue trade


def test_residue_trade_volume_value_and_gate_fees_avoided() -> None:
    """Steady days: straw 2 t (10 EUR/t) and bran 2 t (50 EUR/t) shipped to the digester,
    3.6 t digestate (0 EUR) to the farm: 7.6 t, 120 EUR a day; the landfill fee (100 EUR/t)
    on the straw and bran and digestate not disposed: 760 EUR a day, a saving."""
    results = run_scenario(LOOP)
    assert cluster(results, "residues_traded_t") == pytest.approx(3 * 7.6)
    assert cluster(results, "residues_traded_value_eur") == pytest.approx(3 * 120.0)
    assert cluster(results, "residue_gate_fees_avoided_eur") == pytest.approx(3 * 760.0)


def test_a_residue_with_a_negative_price_has_a_negative_trade_value() -> None:
    """Straw at -5 EUR/t: the farm pays the digester 10 EUR a day to take it (sign rule)."""
    results = run_scenario(LOOP, overrides=("materials.straw.price=-5",))
    value = cluster(results, "residues_traded_value_eur", scope="material:straw")
    assert value == pytest.approx(3 * -10.0)


# ------------------------------------------------------------------------------ nutrients


#: N in the digestate spread and the grain harvested of the loop scenario's farm.
SOIL_N = (
    "materials.digestate.composition={N: 0.01}",
    "materials.applied_to_soil.composition={N: 0.01}",
    "materials.grain.composition={N: 0.02}",
    "materials.grain.harvested=true",
)


def test_soil_balance_per_hectare_and_year() -> None:
    """Digestate with 1 % N spread (3.6 t a day) is 0.036 t N into the soil; grain (2 % N,
    harvested, 10 t a day) takes 0.2 t off. Steady (3 days) on the farm's 50 ha:
    3 x (0.036 − 0.2) = −0.492 t, i.e. −0.492 x 1000 / 50 / (3 / 365) kg/ha/yr."""
    results = run_scenario(
        LOOP,
        overrides=SOIL_N,
    )
    assert cluster(results, "n_soil_balance_t") == pytest.approx(3 * (0.036 - 0.2))
    per_ha_yr = 3 * (0.036 - 0.2) * 1000 / 50 / (3 / 365)
    assert cluster(results, "n_soil_balance_kg_per_ha_yr") == pytest.approx(per_ha_yr)
    assert cluster(results, "n_soil_balance_kg_per_ha_yr", scope="firm:farm") == pytest.approx(
        per_ha_yr
    )
    frame = results.indicators
    losses = frame[frame["indicator"] == "n_losses_processing_t"]
    assert "firm:farm" not in set(losses["scope"])
    assert "firm:town" not in set(losses["scope"])  # a household


def test_soil_balance_adds_the_declared_deposition_and_fixation() -> None:
    """As above, plus 20 kg N/ha/yr of deposition and 10 of fixation on the farm's 50 ha:
    (20 + 10) x 50 x (3 / 365) / 1000 t more over the 3 days."""
    results = run_scenario(
        LOOP,
        overrides=(
            *SOIL_N,
            "firms.farm.soil_inputs_kg_per_ha_yr={N: {deposition: 20, fixation: 10}}",
        ),
    )
    extra_t = 30 * 50 * (3 / 365) / 1000
    assert cluster(results, "n_soil_balance_t") == pytest.approx(3 * (0.036 - 0.2) + extra_t)
    per_ha_yr = (3 * (0.036 - 0.2) + extra_t) * 1000 / 50 / (3 / 365)
    assert cluster(results, "n_soil_balance_kg_per_ha_yr") == pytest.approx(per_ha_yr)
    assert cluster(results, "p_soil_balance_t") == pytest.approx(
        cluster(run_scenario(LOOP), "p_soil_balance_t")
    )


# --------------------------------------------------------------------------------- periods


def test_rates_and_comparisons_of_periods() -> None:
    """Jobs: 10 FTE early, 12 steady: end − start 2, ratio 1.2. Totals are compared through
    their per-day rates only: disposal_t_per_day = disposal_t / days."""
    results = run_scenario(LOOP)
    assert cluster(results, "jobs_fte", "end_vs_start_diff") == pytest.approx(2.0)
    assert cluster(results, "jobs_fte", "end_vs_start_ratio") == pytest.approx(1.2)
    early, steady = (cluster(results, "disposal_t", p) for p in ("early", "steady"))
    assert cluster(results, "disposal_t_per_day", "early") == pytest.approx(early / 2)
    assert cluster(results, "disposal_t_per_day", "end_vs_start_diff") == pytest.approx(
        steady / 3 - early / 2
    )
    frame = results.indicators
    compared = frame[frame["period"].str.contains("_vs_")]
    assert "disposal_t" not in set(compared["indicator"])


def test_milestones_of_named_periods() -> None:
    """Start begins first, end ends last, the midpoint is the period nearest the middle."""
    periods = [
        Period("all", 0, 100),
        Period("late", 80, 100),
        Period("pilot", 0, 20),
        Period("middle", 40, 60),
    ]
    marks = milestones(periods)
    assert {k: p.name for k, p in marks.items()} == {
        "start": "pilot",
        "end": "late",
        "midpoint": "middle",
    }
    assert milestones(periods[:2]) == {}


def test_a_warm_up_is_left_out_of_every_period() -> None:
    """Warm-up 2 d: ``all`` is days 2-9; farm 4 + mill 6 FTE, digester 2 FTE for 5 of 8 days:
    10 + 2 x 5 / 8 = 11.25 FTE."""
    overrides = ("evaluation.warm_up=2 d", "evaluation.periods.early={start: 2 d, end: 4 d}")
    results = run_scenario(LOOP, overrides=overrides)
    assert cluster(results, "jobs_fte", "all") == pytest.approx(11.25)
    assert results.kpis["water_input_t"] == pytest.approx(cluster(results, "water_input_t", "all"))


def test_a_period_within_the_warm_up_is_a_one_line_error() -> None:
    with pytest.raises(ScenarioError, match=r"evaluation\.periods\.early\.start: 0 d is within"):
        load_scenario(LOOP, ["evaluation.warm_up=1 d"])


def test_comparison_with_a_baseline_run(tmp_path: Path) -> None:
    """The same run as its own baseline differs by 0 (ratio 1) in every period; a baseline
    with other periods is refused (exit 2)."""
    base = tmp_path / "base"
    assert main(["run", str(LOOP), "--out", str(base), "--quiet"]) == 0
    out = tmp_path / "again"
    assert main(["run", str(LOOP), "--out", str(out), "--quiet", "--baseline", str(base)]) == 0
    frame = pd.read_parquet(out / "indicators.parquet")
    diff = frame[frame["period"] == "steady_vs_baseline_diff"]
    assert len(diff) > 0
    assert (diff["value"].fillna(0.0) == 0.0).all()
    jobs = frame[(frame["period"] == "all_vs_baseline_ratio") & (frame["indicator"] == "jobs_fte")]
    assert float(jobs[jobs["scope"] == "cluster"]["value"].iloc[0]) == 1.0
    other = Results.read(base).indicators
    with pytest.raises(UsageError, match="--baseline: its periods"):
        baseline_comparisons(frame, other.assign(period=other["period"] + "x"))
    bad = tmp_path / "bad"
    code = main(["run", str(LOOP), "--out", str(bad), "--baseline", str(tmp_path / "none")])
    assert code == 2


# ---------------------------------------------------------------------- substance closure


def test_substances_heavier_than_their_flow_fail_the_run() -> None:
    """0.9 t of X and Y in a 0.5 t flow: the closure check names the flow and the excess."""
    flows = pd.DataFrame(
        {
            "t_day": [3.0, 3.0, 4.0],
            "source": ["mill", "mill", "mill"],
            "target": ["in_transit"] * 3,
            "material": ["concentrate"] * 3,
            "substance": ["X", "Y", "X"],
            "quantity": [0.45, 0.45, 0.2],
            "kind": ["shipment"] * 3,
        }
    )
    row, carrier = np.array([7, 7, 9]), np.array([0.5, 0.5, 0.5])
    with pytest.raises(OverloadedCarrierError,
                       match=r"'concentrate' from 'mill' on day 3 carries 0\.9 t of X\+Y in 0\.5 t "
                       r"\(excess 0\.4 t\)"):  # fmt: skip
        check_substance_closure(flows, row, carrier)
    assert check_substance_closure(flows.iloc[2:], row[2:], carrier[2:]) == 0.0


def test_transfer_coefficients_that_overfill_an_output_are_refused_at_load() -> None:
    """Ore {X: 0.5, Y: 0.5} split 0.5 / 0.5, X and Y both 0.9 to the concentrate."""
    data = yaml.safe_load(LOOP.read_text())
    data["materials"].update(
        {
            "ore": {"unit": "t", "kind": "raw_material", "composition": {"X": 0.5, "Y": 0.5}},
            "concentrate": {"unit": "t", "kind": "product"},
            "tailings": {"unit": "t", "kind": "residue"},
        }
    )
    data["firms"]["mine"] = {
        "type": "generic",
        "location": {"x_km": 1, "y_km": 1},
        "processes": {
            "split": {
                "capacity": 1,
                "inputs": {"ore": 1.0},
                "outputs": {"concentrate": 0.5, "tailings": 0.5},
                "transfer": {
                    "X": {"concentrate": 0.9, "tailings": 0.1},
                    "Y": {"concentrate": 0.9, "tailings": 0.1},
                },
            }
        },
    }
    with pytest.raises(ScenarioError, match=r"'concentrate' would carry 0\.9 t of substances"):
        scenario_from_dict(data, source="ore.yaml")


# ------------------------------------------------------------- idle and per-firm-path firms


def test_idle_firms_are_named_in_the_manifest_and_the_run_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A press that never gets its seed (no supplier, no imports) does nothing all run."""
    data = yaml.safe_load(LOOP.read_text())
    data["materials"]["seed"] = {"unit": "t", "kind": "raw_material"}
    data["materials"]["oil"] = {"unit": "t", "kind": "product"}
    data["firms"]["press"] = {
        "type": "generic",
        "location": {"x_km": 2, "y_km": 2},
        "imports": False,
        "processes": {"press": {"capacity": 1, "inputs": {"seed": 1}, "outputs": {"oil": 1}}},
    }
    path = tmp_path / "idle.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["idle_firms"] == ["press"]
    assert manifest["per_firm_path_firms"] == []
    assert "idle firms (no production or consumption all run): press" in capsys.readouterr().err


def test_firms_on_the_per_firm_path_are_named() -> None:
    """The default scenario's farms override hooks: they run on the per-firm path."""
    results = run_scenario(Path(__file__).parents[1] / "scenarios/default.yaml", days=2)
    slow = results.manifest["per_firm_path_firms"]
    assert "potato_farm_best" in slow
    assert "retail_dc" not in slow


def test_every_registered_name_follows_the_naming_rule() -> None:
    """Each name ends with its unit's suffix or is an established name (docs/indicators.md)."""
    from mfcsim.indicators import INDICATORS
    from mfcsim.indicators.naming import follows_rule

    assert [name for name in INDICATORS if not follows_rule(name)] == []
    assert not follows_rule("residue_valorisation_rate")


def test_a_bad_ghg_declaration_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILE:LINE: field.path: problem (accepted ...), exit code 2."""
    text = LOOP.read_text().replace(
        "  food_waste: {unit: t, kind: residue}",
        "  food_waste: {unit: t, kind: residue, ghg: n2o, ghg_category: waste, co2e: 300}",
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("  food_waste:"))
    assert f"bad.yaml:{line}: materials.food_waste.co2e: 300 t CO2e per unit differs" in err
    assert "(accepted: leave co2e out, or ghg: co2e" in err


def test_idle_firms_are_those_without_production_or_consumption_rows() -> None:
    """Only a firm's production and consumption rows make it active; order of ``firms`` kept."""
    import pandas as pd

    from mfcsim.engine.collect import idle_firms

    flows = pd.DataFrame({
        "source": pd.Categorical(["b", "a", "c", "c"], categories=["a", "b", "c", "d"]),
        "kind": pd.Categorical(["production", "shipment", "consumption", "disposal"]),
    })  # fmt: skip
    for frame in (flows, flows.astype({"source": str, "kind": str})):
        assert idle_firms(frame, ["d", "c", "b", "a"]) == ["d", "a"]
