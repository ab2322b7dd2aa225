"""Substances: hand-computed flows, mixing, transfer coefficients, balances, nutrient balances.

The cluster: firm ``a`` holds 10 t of slurry as declared (N 0.5 %); firm ``b`` turns imported
grain (N 2 %) into slurry with a transfer coefficient (all N to the slurry, so its slurry has
N 2 %). Both ship all their slurry on day 0 to ``hub``, which mixes 10 t at 0.5 % and 5 t at
2 % (N 0.15 t in 15 t: 1 %) and ships 6 t on day 1 to ``digester``, a transfer-coefficient
process that sends 90 % of the N to digestate and 10 % with the gas to air.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mfcsim.cli import main
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import MassBalanceError, ScenarioError
from mfcsim.results import Results
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.substances import replay as substances
from mfcsim.substances.replay import nutrient_balance
from mfcsim.testing import run_scenario


def slurry(supplier: str, receiver: str, **terms: object) -> dict:
    """A contract for slurry."""
    return {"supplier": supplier, "receiver": receiver, "material": "slurry", **terms}


def cluster() -> dict:
    """The scenario of the module docstring, as a mapping."""
    return {
        "name": "substances",
        "horizon": 3,
        "agent": {"policy": "none"},
        "materials": {
            "grain": {"unit": "t", "kind": "raw_material", "composition": {"N": 0.02}},
            "slurry": {"unit": "t", "kind": "residue", "composition": {"N": 0.005}},
            "digestate": {"unit": "t", "kind": "residue"},
            "gas": {"unit": "t", "kind": "emission"},
        },
        "firms": {
            "a": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "initial_stock": {"slurry": 10},
            },
            "b": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 10},
                "processes": {
                    "convert": {
                        "capacity": 5,
                        "inputs": {"grain": 1},
                        "outputs": {"slurry": 1},
                        "transfer": {"N": {"slurry": 1.0}},
                    }
                },
            },
            "hub": {
                "type": "generic",
                "location": {"x_km": 10, "y_km": 0},
                "storage": {"slurry": 100},
            },
            "digester": {
                "type": "generic",
                "location": {"x_km": 20, "y_km": 0},
                "land_ha": 2.0,
                "processes": {
                    "digest": {
                        "capacity": 100,
                        "inputs": {"slurry": 1},
                        "outputs": {"digestate": 0.9},
                        "to_environment": {"gas": 0.1},
                        "transfer": {"N": {"digestate": 0.9, "gas": 0.1}},
                    }
                },
            },
        },
        "contracts": {
            "a_hub": slurry("a", "hub", quantity="all", end_day=0),
            "b_hub": slurry("b", "hub", quantity="all", end_day=0),
            "hub_dig": slurry("hub", "digester", quantity=6, start_day=1, end_day=1),
        },
        "boundary": {"imports": {"grain": {"price": 1}}},
    }


@pytest.fixture(scope="module")
def results() -> Results:
    """The cluster, unchecked: the substance balance is a test of its own."""
    return Simulation(scenario_from_dict(cluster())).run(strict=False)


def n_of(results: Results, **where: str) -> float:
    """Sum of the N flows whose columns equal the given values."""
    f = results.substance_flows
    mask = (f["substance"].astype(str) == "N").to_numpy().copy()
    for column, value in where.items():
        mask &= (f[column].astype(str) == value).to_numpy()
    return float(f.loc[mask, "quantity"].sum())


def test_recipe_and_transfer_outputs_carry_hand_computed_n(results):
    """Declared stock ships at 0.5 %; the transfer process passes the grain's 2 % to slurry."""
    assert n_of(results, source="a", target="in_transit") == pytest.approx(10 * 0.005)
    assert n_of(results, source="b", kind="production", t_day="0.0") == pytest.approx(5 * 0.02)
    assert n_of(results, source="b", target="in_transit") == pytest.approx(5 * 0.02)


def test_mixed_stock_ships_its_mean_composition(results):
    """The hub mixes 0.05 t N in 10 t and 0.1 t in 5 t: the 6 t it ships carry 1 %."""
    assert n_of(results, source="hub", target="in_transit") == pytest.approx(6 * 0.01)
    assert n_of(results, source="in_transit", target="digester") == pytest.approx(0.06)


def test_transfer_coefficients_split_the_digesters_n(results):
    """90 % of 0.06 t N to digestate (disposed of), 10 % with the gas to air."""
    assert n_of(results, source="digester", kind="consumption") == pytest.approx(0.06)
    assert n_of(results, source="digester", target="air") == pytest.approx(0.006)
    assert n_of(results, source="digester", kind="disposal") == pytest.approx(0.054)


def test_substance_balance_holds_and_stocks_end_as_computed(results):
    """The hub keeps 9 t at 1 %: 0.09 t N at the end."""
    stocks = results.substance_replay.stocks
    end = stocks[(stocks["t_day"] == 3) & (stocks["node"] == "hub")]
    assert float(end.loc[end["substance"] == "N", "quantity"].iloc[0]) == pytest.approx(0.09)
    results.check_balance()


def _no_outflow_apply(self, rows, content):
    """A broken replay: what leaves a stock is recorded but not taken from it."""
    into = rows[self.writes[rows]]
    cell = self.dst[into] * self.n_m + self.mat[into]
    np.add.at(self.q_state, cell, self.q[into])
    np.add.at(self.s_state, cell, content[into])
    out = rows[self.reads[rows] | (self.category[rows] == substances._ARRIVAL)]
    np.subtract.at(self.q_state, self.src[out] * self.n_m + self.mat[out], self.q[out])


def _doubling_production(original):
    def broken(self, prod, content):
        return 2.0 * original(self, prod, content)

    return broken


@pytest.mark.parametrize(
    ("attribute", "make", "message"),
    [
        ("_apply", lambda original: _no_outflow_apply, "hub/N: substance residual"),
        ("_production", _doubling_production, "b/N: transfer coefficients made"),
    ],
)
def test_a_broken_replay_is_caught(monkeypatch, attribute, make, message):
    """Dropping outflows from stocks, or doubling production, fails the substance check."""
    sim = Simulation(scenario_from_dict(cluster()))
    original = getattr(substances._Context, attribute)
    monkeypatch.setattr(substances._Context, attribute, make(original))
    with pytest.raises(MassBalanceError, match=message):
        sim.run(strict=True)


def test_nutrient_balance_per_firm_cluster_and_hectare(results):
    """Digester: in 0.06, out 0.054, air 0.006, surplus 0.006 t = 3 kg/ha on 2 ha."""
    table = nutrient_balance(results, "N")
    dig = table.loc["digester"]
    assert dig["inputs_t"] == pytest.approx(0.06)
    assert dig["outputs_t"] == pytest.approx(0.054)
    assert dig["to_air_t"] == pytest.approx(0.006)
    assert dig["surplus_t"] == pytest.approx(0.006)
    assert dig["surplus_kg_per_ha"] == pytest.approx(3.0)
    hub = table.loc["hub"]
    assert (hub["inputs_t"], hub["stock_change_t"], hub["surplus_t"]) == pytest.approx(
        (0.15, 0.09, 0.0)
    )
    assert math.isnan(table.loc["hub", "surplus_kg_per_ha"])
    # region: in 3 days x 5 t grain at 2 %; out b's slurry of days 1 and 2 (disposed of)
    # and the digestate; stocks: a -0.05, hub +0.09; surplus = the N sent to air
    region = table.loc["cluster"]
    assert region["inputs_t"] == pytest.approx(0.3)
    assert region["outputs_t"] == pytest.approx(0.2 + 0.054)
    assert region["stock_change_t"] == pytest.approx(0.04)
    assert region["surplus_t"] == pytest.approx(0.006)
    assert region["land_ha"] == 2.0


def test_nutrient_indicators_are_registered(results):
    """n_surplus_t of the digester over the whole run is the hand-computed 0.006 t."""
    ind = results.indicators
    row = ind[(ind["indicator"] == "n_surplus_t") & (ind["scope"] == "firm:digester")]
    assert float(row.loc[row["period"] == "all", "value"].iloc[0]) == pytest.approx(0.006)
    names = {"n_surplus_t", "p_surplus_t", "n_soil_balance_kg_per_ha_yr", "n_losses_processing_t"}
    assert names <= set(ind["indicator"])


def test_substance_flows_round_trip_through_the_run_folder(results, tmp_path):
    folder = results.write(tmp_path / "run")
    back = Results.read(folder)
    pd.testing.assert_frame_equal(
        back.substance_flows.reset_index(drop=True),
        results.substance_flows.reset_index(drop=True),
        check_categorical=False,
    )


@pytest.mark.parametrize(
    ("transfer", "problem"),
    [
        ({"N": {"digestate": 0.8, "gas": 0.1}}, "of 'N' in process 'digest' of firm 'digester' "
         "sum to 0.9 (accepted: shares that sum to 1)"),
        ({"N": {"slurry": 1.0}}, "'slurry' is not an output or to_environment material"),
    ],
)  # fmt: skip
def test_bad_transfer_coefficients_are_one_line_errors(tmp_path, capsys, transfer, problem):
    data = cluster()
    data["firms"]["digester"]["processes"]["digest"]["transfer"] = transfer
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError, match=r"firms\.digester\.processes\.digest\.transfer\.N"):
        scenario_from_dict(data)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert len(err.strip().splitlines()) == 1
    assert f"{path}:" in err
    assert "Traceback" not in err


def test_default_scenario_balances_for_substances():
    """A month of the default scenario: every substance balances at every node."""
    root = Path(__file__).resolve().parents[1]
    run = run_scenario(root / "scenarios" / "default.yaml", days=30)
    assert set(run.substance_replay.substances) >= {"N", "P", "dry_matter"}


def test_several_transfer_processes_share_out_what_the_firm_consumed():
    """A second digester process on grain (N 2 %, half to air) beside the slurry one.

    Over 3 days: 2 t grain a day (0.04 t N, 0.02 to air, 0.02 to digestate) and, on day 2,
    the 6 t of slurry (0.06 t N: 0.006 to air, 0.054 to digestate).
    """
    data = cluster()
    data["firms"]["digester"]["processes"]["digest_grain"] = {
        "capacity": 2,
        "inputs": {"grain": 1},
        "outputs": {"digestate": 0.9},
        "to_environment": {"gas": 0.1},
        "transfer": {"N": {"digestate": 0.5, "gas": 0.5}},
    }
    run = run_scenario(data)
    assert n_of(run, source="digester", target="air") == pytest.approx(3 * 0.02 + 0.006)
    assert n_of(run, source="digester", kind="disposal") == pytest.approx(3 * 0.02 + 0.054)


def _grain_mill(processes: int) -> dict:
    """A firm with ``processes`` transfer processes, process k on its own imported grain
    ``grain_k`` (N 2 %; the ledger does not say which process ran, so each has its own input),
    sending (10 + 10 k) % of its N to the gas and the rest to the digestate."""
    return {
        "type": "generic",
        "location": {"x_km": 40, "y_km": 10 * processes},
        "processes": {
            f"p{k}": {
                "capacity": 1 + k,
                "inputs": {f"grain_{k}": 1},
                "outputs": {"digestate": 0.9},
                "to_environment": {"gas": 0.1},
                "transfer": {"N": {"digestate": 0.9 - 0.1 * k, "gas": 0.1 + 0.1 * k}},
            }
            for k in range(processes)
        },
    }


def test_firms_with_several_processes_keep_their_own_allocation_on_the_same_days():
    """Two firms beside the two-process digester, with 2 and 3 grain processes, work on the
    same days: each gets its own split (hand-computed), and the digester's flows are those of
    a run without them. Each firm's day: process k takes 1 + k t of its grain (N 0.02 t a t)
    and sends (0.1 + 0.1 k) of that N to the air."""
    alone = cluster()
    alone["firms"]["digester"]["processes"]["digest_grain"] = {
        "capacity": 2,
        "inputs": {"grain": 1},
        "outputs": {"digestate": 0.9},
        "to_environment": {"gas": 0.1},
        "transfer": {"N": {"digestate": 0.5, "gas": 0.5}},
    }
    both = yaml.safe_load(yaml.safe_dump(alone))
    both["firms"]["mill2"], both["firms"]["mill3"] = _grain_mill(2), _grain_mill(3)
    for k in range(3):
        both["materials"][f"grain_{k}"] = {
            "unit": "t", "kind": "raw_material", "composition": {"N": 0.02},
        }  # fmt: skip
        both["boundary"]["imports"][f"grain_{k}"] = {"price": 1}
    base, run = run_scenario(alone), run_scenario(both)
    for kind in ("disposal", "emission"):
        assert n_of(run, source="digester", kind=kind) == n_of(base, source="digester", kind=kind)

    def to_air(processes: int) -> float:
        return 3 * sum((1 + k) * 0.02 * (0.1 + 0.1 * k) for k in range(processes))

    assert n_of(run, source="mill2", target="air") == pytest.approx(to_air(2))
    assert n_of(run, source="mill3", target="air") == pytest.approx(to_air(3))


OVERLOADED = """\
name: overloaded
horizon: 5 d
materials:
  rich: {unit: t, kind: raw_material, price: 10, composition: {N: 0.2}}
  feed: {unit: t, kind: product, composition: {N: 0.01}}
  light: {unit: t, kind: product}
  vapour: {unit: t, kind: emission, water: true}
firms:
  mill:
    type: generic
    location: {x_km: 0, y_km: 0}
    processes:
      mix:
        capacity: 10 / d
        inputs: {rich: 1 t}
        outputs: {feed: 1 t}
        transfer: {N: {feed: 1.0}}
  farm:
    type: generic
    location: {x_km: 5, y_km: 0}
    imports: false
    processes:
      eat:
        capacity: 10 / d
        inputs: {feed: 1 t}
        outputs: {light: 0.05 t}
        to_environment: {vapour: 0.95 t}
        transfer: {N: {light: 1.0}}  # fits feed's declared 1 % N, not the 20 % the mill passes on
contracts:
  feed: {supplier: mill, receiver: farm, material: feed, quantity: all}
boundary:
  imports: {rich: {}}
"""


def test_a_transfer_that_overloads_a_material_at_run_time_is_bad_input(tmp_path) -> None:
    """The load-time check reads declared compositions; the run's replay finds the feed 20 %
    N (the mill passes its input's N on), so 1 t of feed puts 0.2 t N into 0.05 t: refused
    as bad input at the coefficient's line (exit 2), not reported as a broken balance."""
    from mfcsim.cli.entry import main
    from mfcsim.errors import OverloadedCarrierError

    path = tmp_path / "overloaded.yaml"
    path.write_text(OVERLOADED)
    with pytest.raises(OverloadedCarrierError) as info:
        run_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}:28: firms.farm.processes.eat.transfer.N.light: 'light'")
    assert "accepted: transfer coefficients and compositions" in message
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
