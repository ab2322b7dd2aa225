"""The organic-cluster generator (seed 004): seeded, runnable, and transport grows with spread."""

import importlib.util
from pathlib import Path

import pytest
import yaml

from mfcsim.cli import main
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.scenario.organic import organic_cluster_yaml
from mfcsim.testing import run_scenario

EXCHANGED = ("cattle_manure", "wheat", "straw")


def _tkm_per_t(farms: int, layout: str, spread_km: float) -> float:
    text = organic_cluster_yaml(farms, layout=layout, spread_km=spread_km, seed=7, days=30)
    results = run_scenario(yaml.safe_load(text))  # mass balance checked
    flows = results.flows
    dispatched = (flows["kind"] == "shipment") & (flows["source"] != "in_transit")
    ships = flows[dispatched & flows["material"].isin(EXCHANGED)]  # all in t
    assert ships["quantity"].sum() > 0, "no manure, feed or straw exchanged"
    return float((ships["quantity"] * ships["distance_km"]).sum() / ships["quantity"].sum())


@pytest.mark.parametrize("farms", [10, 200])
@pytest.mark.parametrize("layout", ["clustered", "fragmented"])
def test_transport_per_tonne_exchanged_grows_with_spread(farms, layout):
    """t·km per tonne of manure, feed and straw exchanged grows from 4 to 16 to 40 km spread."""
    near, mid, far = (_tkm_per_t(farms, layout, d) for d in (4.0, 16.0, 40.0))
    assert near < mid < far


def test_fragmented_farms_haul_further_than_clustered_ones():
    """The same 200 farms scattered over the region haul each tonne further than in a block."""
    assert _tkm_per_t(200, "fragmented", 16.0) > _tkm_per_t(200, "clustered", 16.0)


def test_same_seed_same_file_and_another_seed_another():
    """The YAML is a function of the arguments, byte for byte; the seed moves the farms."""
    one = organic_cluster_yaml(40, layout="fragmented", spread_km=12.5, seed=3)
    assert one == organic_cluster_yaml(40, layout="fragmented", spread_km=12.5, seed=3)
    assert one != organic_cluster_yaml(40, layout="fragmented", spread_km=12.5, seed=4)


def test_generated_file_is_a_valid_scenario_with_the_three_farm_kinds_and_cites_sources():
    """It loads; 10 farms are 4 arable, 3 vegetable, 3 dairy, plus processor, composter, cities."""
    text = organic_cluster_yaml(10, layout="clustered", spread_km=8, seed=1)
    scenario = scenario_from_dict(yaml.safe_load(text))
    kinds = [fid.split("_")[0] for fid in scenario.firms if "_" in fid]
    assert sorted(kinds) == ["arable"] * 4 + ["dairy"] * 3 + ["vegetable"] * 3
    assert {"alkmaar", "amsterdam", "processor", "composter"} <= set(scenario.firms)
    assert "G01" in scenario.sources
    assert text.count("assumption") >= 10


def test_cli_writes_the_same_bytes_as_the_function(tmp_path, capsys):
    """``mfcsim generate organic-cluster -o FILE`` writes what the generator returns."""
    out = tmp_path / "oc.yaml"
    args = ["generate", "organic-cluster", "--farms", "12", "--layout", "fragmented"]
    assert main([*args, "--spread-km", "9", "--seed", "5", "-o", str(out)]) == 0
    want = organic_cluster_yaml(12, layout="fragmented", spread_km=9, seed=5)
    assert out.read_bytes() == want.encode()


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        ("--farms", "2", "from 3"),
        ("--layout", "ring", "clustered, fragmented"),
        ("--spread-km", "0", "> 0"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(capsys, option, value, accepted):
    """A bad count, layout or spread: one line naming the option and what is accepted."""
    argv = ["generate", "organic-cluster", "--farms", "10", option, value]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert option in err
    assert accepted in err


# ---------------------------------------------------------------- the shipped scenario and variants
SHIPPED = Path(__file__).parents[1] / "scenarios" / "organic"


def _tools_organic():
    spec = importlib.util.spec_from_file_location(
        "organic_scenarios", Path(__file__).parents[1] / "tools" / "organic_scenarios.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_variants_are_the_generators_output():
    """scenarios/organic/ holds exactly what `make organic` writes (never edited by hand)."""
    tool = _tools_organic()
    assert sorted(p.name for p in SHIPPED.glob("*.yaml")) == sorted(tool.VARIANTS)
    assert tool.main(["--check"]) == 0


@pytest.fixture(scope="module")
def year() -> dict[str, dict[str, float]]:
    """Whole-run cluster indicators of every shipped variant (one year each), by short name."""
    values = _tools_organic().run_values()
    return {name.removeprefix("organic_").removesuffix(".yaml"): v for name, v in values.items()}


def test_the_docs_table_is_the_variants_year(year):
    """docs/organic-cluster.md's table is what `tools/organic_scenarios.py --table` writes."""
    tool = _tools_organic()
    values = {f"organic_{name}.yaml": v for name, v in year.items()}
    assert tool.table(values) in tool.DOC.read_text()


def test_the_organic_rule_holds_and_the_cluster_feeds_its_land(year):
    """No mineral N on the farms; manure and compost are spread; every mechanism reports."""
    base = year["cluster"]
    assert base["rule_breach_t"] == 0.0
    assert base["machine_wait_days"] > 0
    assert base["machine_capital_avoided_eur"] > 0
    assert base["coop_sales_premium_eur"] > 0
    assert base["coop_purchase_savings_eur"] > 0
    assert 0 < base["fleet_load_factor"] <= 1
    assert base["residue_valorisation_share"] > 0.9


def test_the_variants_differ_where_their_mechanism_acts(year):
    """Fragmented farms haul further; own machines never wait and avoid no investment;
    without the fleet there are no trips; without the cooperative no premium; few farms
    feed less of the cities."""
    base = year["cluster"]
    assert year["fragmented"]["transport_tkm"] > base["transport_tkm"]
    assert year["own_machines"]["machine_wait_days"] == 0.0
    assert year["own_machines"]["machine_capital_avoided_eur"] == 0.0
    assert "fleet_trips" not in year["no_fleet"]
    assert base["fleet_trips"] > 0
    assert "coop_sales_premium_eur" not in year["no_cooperative"]
    assert year["few"]["food_self_sufficiency"] < base["food_self_sufficiency"]


def test_a_farm_with_a_mineral_top_up_breaks_the_rule_by_what_it_spread():
    """Give one arable farm an N need: the rule reports exactly its mineral fertiliser used."""
    data = yaml.safe_load((SHIPPED / "organic_cluster.yaml").read_text())
    farm = data["firms"]["arable_000"]
    farm["params"]["n_need_kg_per_ha"] = 170
    farm["processes"]["fertilise_mineral_fertiliser"] = {
        "transfer": {"N": {"applied_to_soil": 1.0}}
    }
    data["boundary"]["imports"]["mineral_fertiliser"] = {}
    data["horizon"] = "140 d"
    results = run_scenario(data)
    flows = results.flows
    used = flows[(flows["kind"] == "consumption") & (flows["material"] == "mineral_fertiliser")]
    assert set(used["source"]) == {"arable_000"}
    frame = results.indicators
    rows = frame[(frame["indicator"] == "rule_breach_t") & (frame["period"] == "all")]
    values = dict(zip(rows["scope"], rows["value"], strict=True))
    assert values["firm:arable_000"] == pytest.approx(used["quantity"].sum())
    assert values["rule:organic_no_mineral_n"] == pytest.approx(used["quantity"].sum())
    assert used["quantity"].sum() > 0
