"""The organic-cluster generator (seed 004): seeded, runnable, and transport grows with spread."""

import pytest
import yaml

from mfcsim.cli import main
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.scenario.organic import organic_cluster_yaml
from mfcsim.testing import run_scenario

EXCHANGED = ("cattle_manure", "feed_grain", "straw")


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
    """It loads; 10 farms are 4 arable, 3 vegetable, 3 dairy, plus the processor and the city."""
    text = organic_cluster_yaml(10, layout="clustered", spread_km=8, seed=1)
    scenario = scenario_from_dict(yaml.safe_load(text))
    kinds = [fid.split("_")[0] for fid in scenario.firms if "_" in fid]
    assert sorted(kinds) == ["arable"] * 4 + ["dairy"] * 3 + ["vegetable"] * 3
    assert {"city", "processor"} <= set(scenario.firms)
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
