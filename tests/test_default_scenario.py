"""The default scenario declares what the People and Planet indicators need, consistently.

Jobs (``fte``), land (``land_ha``) and the virgin inputs that residues replace
(``replaces``) are data in ``scenarios/default.yaml``; these tests hold them to the firm
parameters and coefficients they are derived from, and check one replacement against the
flows it claims to stand for.
"""

from pathlib import Path

import pytest

from mfcsim.firms.registry import FIRM_TYPES
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import run_scenario

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios" / "default.yaml"
#: The firm parameter that holds each land-using type's area (ha).
AREA_PARAM = {"greenhouse": "area_ha", "arable_farm": "area_ha", "dairy_farm": "grassland_ha"}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DEFAULT)


def resolved(firm) -> dict:
    """The firm's parameters with its type's defaults filled in."""
    return FIRM_TYPES[firm.type].resolve_params(firm.params)


def test_land_equals_the_area_the_firm_type_farms(scenario):
    """Farms and glasshouses declare land_ha = their area parameter; no other firm has land."""
    for fid, firm in scenario.firms.items():
        area = AREA_PARAM.get(firm.type)
        expected = float(firm.params[area]) if area else 0.0
        assert firm.land_ha == expected, fid
    assert sum(f.land_ha > 0 for f in scenario.firms.values()) == 11


def test_every_firm_but_the_city_has_jobs(scenario):
    for fid, firm in scenario.firms.items():
        assert (firm.fte > 0) == (firm.type != "city"), fid


@pytest.mark.parametrize("material", ["digestate", "compost"])
def test_organic_fertiliser_replaces_the_mineral_n_the_farms_plan_it_to(scenario, material):
    """Ratio = N fraction × organic_n_availability / N fraction of the mineral fertiliser."""
    (rep,) = scenario.materials[material].replaces
    assert rep.material == "mineral_fertiliser"
    for firm in scenario.firms.values():
        if material in firm.params.get("fertiliser_rates_t_per_ha", {}):
            params = resolved(firm)
            assert params["mineral_fertiliser"] == rep.material
            n_share = scenario.materials[material].composition["N"]
            expected = n_share * params["organic_n_availability"] / params["mineral_n_share"]
            assert rep.ratio == pytest.approx(expected, rel=1e-4)


def test_spent_grain_replaces_soy_meal_at_the_substitution_ratio(scenario):
    (rep,) = scenario.materials["brewers_spent_grain"].replaces
    members = scenario.substitution["feed_protein"].members
    assert rep.ratio == members["brewers_spent_grain"] / members[rep.material]


def test_replaced_materials_carry_their_import_emission_factor(scenario):
    for material in ("mineral_fertiliser", "soy_meal", "co2"):
        spec = scenario.materials[material]
        assert spec.co2e > 0
        assert spec.co2e == scenario.boundary.imports[material].co2e


def test_only_regional_residues_replace(scenario):
    """A substitute that could be imported would be credited for what was bought."""
    substitutes = {m for m, spec in scenario.materials.items() if spec.replaces}
    assert substitutes == {"digestate", "compost", "brewers_spent_grain", "chp_heat", "chp_co2"}
    assert not substitutes & set(scenario.boundary.imports)


def test_chp_heat_avoids_what_a_bought_mwh_of_boiler_heat_emits(scenario):
    """126.07 m3 gas/MWh (LHV C6/C8, boiler 0.9) × 1.78 kg/m3 (C6) = the heat import factor."""
    (rep,) = scenario.materials["chp_heat"].replaces
    gas = scenario.materials[rep.material]
    assert gas.co2e == pytest.approx(1.78e-3)  # t CO2e per m3, conversion_coefficients.csv C6
    lhv_mj_per_m3 = 1.78 / 56.1 * 1000.0  # C6 (kg CO2/m3) / C8 (kg CO2/GJ)
    assert rep.ratio == pytest.approx(3600.0 / lhv_mj_per_m3 / 0.9, rel=1e-4)
    heat_import = scenario.boundary.imports["heat"].co2e
    assert rep.ratio * gas.co2e == pytest.approx(heat_import, rel=1e-4)
    assert scenario.materials["chp_co2"].replaces[0].ratio == 1.0


def test_digestate_and_compost_save_the_mineral_fertiliser_they_claim():
    """Without its organic fertilisers a potato farm buys exactly the replaced CAN more.

    Fifty days: fertilising starts on day 46, so four days of spreading.
    """
    farm = "potato_farm_best"
    actual = run_scenario(DEFAULT, days=50)
    without = run_scenario(
        DEFAULT,
        days=50,
        overrides=(
            f"firms.{farm}.params.fertiliser_rates_t_per_ha={{}}",
            f"firms.{farm}.processes={{}}",  # the transfer coefficients of the spreading go too
        ),
    )

    def mineral_t(results) -> float:
        rows = results.flows
        rows = rows[(rows["kind"] == "consumption") & (rows["source"] == farm)]
        return float(rows.loc[rows["material"] == "mineral_fertiliser", "quantity"].sum())

    frame = actual.indicators
    row = frame[
        (frame["indicator"] == "ghg_avoided_t_co2e")
        & (frame["scope"] == f"firm:{farm}")
        & (frame["period"] == "all")
    ]
    avoided_t = float(row["value"].iloc[0]) / actual.scenario.materials["mineral_fertiliser"].co2e
    assert avoided_t > 1.0
    assert mineral_t(without) - mineral_t(actual) == pytest.approx(avoided_t, rel=1e-3)


# ---- nutrient balances (N, P) of the year ----------------------------------------------------
#: Firms that pass nutrients on: whatever they do not ship they release (wastewater, NH3).
PASS_THROUGH = {"feed_mill", "food_processor", "brewery", "anaerobic_digester", "retailer", "city"}
#: Farm N surplus per ha a plausible farm shows (plausibility judgement: a fertilised farm
#: loses some N; no Dutch farm type should exceed the >300 kg N/ha of the dairy farms below).
FARM_N_KG_PER_HA = (50.0, 300.0)
#: Dairy farms on Dutch sandy soils cut their N surplus from over 300 to about 120 kg N/ha a
#: year (Sonneveld, Roelsma and Brus, "Nitrogen management and nitrate leaching on some Dutch
#: dairy farms", WUR; not in data/published).
DAIRY_N_KG_PER_HA = (120.0, 300.0)


@pytest.fixture(scope="module")
def balances():
    """N and P balances of the default scenario's year, and each firm's type."""
    from mfcsim.substances.replay import nutrient_balance

    results = run_scenario(DEFAULT)
    types = {fid: firm.type for fid, firm in results.scenario.firms.items()}
    return {s: nutrient_balance(results, s) for s in ("N", "P")}, types


@pytest.mark.parametrize("substance", ["N", "P"])
def test_processing_firms_pass_nutrients_through(balances, substance):
    """No processor creates or destroys N or P; it releases at most a tenth of what it gets."""
    tables, types = balances
    table = tables[substance]
    firms = [fid for fid, kind in types.items() if kind in PASS_THROUGH]
    assert len(firms) == 10
    for fid in firms:
        row = table.loc[fid]
        assert row["inputs_t"] > 0, fid
        # what is neither shipped nor kept is released (to air, water, soil), nothing else
        released = row["to_air_t"] + row["to_water_t"] + row["to_soil_t"]
        assert row["surplus_t"] == pytest.approx(released, abs=1e-6 * row["inputs_t"]), fid
        assert abs(row["surplus_t"]) <= (0.1 + 1e-9) * row["inputs_t"], (fid, substance)


def test_farms_n_surplus_per_ha_is_plausible(balances):
    (tables, types) = balances
    table = tables["N"]
    farms = table[table["land_ha"] > 0].drop(index="cluster")
    assert len(farms) == 11
    low, high = FARM_N_KG_PER_HA
    assert farms["surplus_kg_per_ha"].between(low, high).all(), farms["surplus_kg_per_ha"]
    dairy = [fid for fid, kind in types.items() if kind == "dairy_farm"]
    assert table.loc[dairy, "surplus_kg_per_ha"].between(*DAIRY_N_KG_PER_HA).all()
    assert low <= table.loc["cluster", "surplus_kg_per_ha"] <= high


def test_pig_farms_lose_housing_ammonia_only(balances):
    """Pig farms have no land: their N surplus is the NH3 of housing, 5-10 % of the feed's N."""
    (tables, types) = balances
    pigs = [fid for fid, kind in types.items() if kind == "pig_farm"]
    n, p = tables["N"].loc[pigs], tables["P"].loc[pigs]
    assert n["surplus_t"].to_numpy() == pytest.approx(n["to_air_t"].to_numpy(), rel=1e-9)
    assert (n["surplus_t"] / n["inputs_t"]).between(0.05, 0.10).all()
    assert (p["surplus_t"].abs() <= 1e-6 * p["inputs_t"]).all()


def test_regional_p_is_near_balance_and_farms_p_plausible(balances):
    """The region's P surplus is within 5 % of its P inputs; no farm over ±50 kg P/ha."""
    (tables, _types) = balances
    table = tables["P"]
    cluster = table.loc["cluster"]
    assert abs(cluster["surplus_t"]) <= 0.05 * cluster["inputs_t"]
    farms = table[table["land_ha"] > 0].drop(index="cluster")
    assert farms["surplus_kg_per_ha"].abs().max() <= 50.0
