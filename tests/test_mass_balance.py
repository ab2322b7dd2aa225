"""Mass is conserved: at every node, for every material, and for the cluster as a whole."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfcsim.balance import check_mass_balance
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import MassBalanceError
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.testing import assert_mass_balanced, run_scenario

#: Materials the random clusters trade: tonnes, cubic metres (with density) and energy.
MASS = {
    "grain": {"unit": "t", "kind": "raw_material", "price": 200},
    "flour": {"unit": "t", "kind": "product", "price": 400},
    "bran": {"unit": "t", "kind": "residue"},
    "slurry": {"unit": "m3", "kind": "residue", "density": 1.05},
    "biogas": {"unit": "m3", "kind": "product", "density": 0.0012},
}
ENERGY = {"heat": {"unit": "MWh", "kind": "energy", "price": 30}}
#: The environment's side of every recipe: what a process takes in or gives off.
ENVIRONMENT = {
    "air_in": {"unit": "t", "kind": "environmental"},
    "vapour": {"unit": "t", "kind": "emission"},
    "eaten": {"unit": "t", "kind": "environmental", "sink": "consumption"},
}
MASS_T = {m: spec.get("density", 1.0) for m, spec in MASS.items()}
TRADED = [*MASS, *ENERGY]

amount = st.floats(0.01, 20.0)


def level(high: float) -> st.SearchStrategy[float]:
    """Zero or a quantity between 0.01 and ``high`` (no denormal dust)."""
    return st.one_of(st.just(0.0), st.floats(0.01, high))


@st.composite
def recipes(draw: st.DrawFn) -> dict[str, Any]:
    """A process whose mass difference is declared as an exchange with the environment."""
    inputs = draw(st.dictionaries(st.sampled_from(TRADED), amount, max_size=3))
    outputs = draw(st.dictionaries(st.sampled_from(TRADED), amount, min_size=1, max_size=3))
    diff = math.fsum(q * MASS_T.get(m, 0.0) for m, q in inputs.items()) - math.fsum(
        q * MASS_T.get(m, 0.0) for m, q in outputs.items()
    )
    recipe: dict[str, Any] = {
        "capacity": draw(level(50.0)),
        "inputs": inputs,
        "outputs": outputs,
    }
    if diff > 0:
        recipe["to_environment"] = {draw(st.sampled_from(["vapour", "eaten"])): diff}
    elif diff < 0:
        recipe["from_environment"] = {"air_in": -diff}
    return recipe


@st.composite
def firms(draw: st.DrawFn, fid: str) -> dict[str, Any]:
    """A generic firm with random recipes, storage, stocks and behaviour."""
    some = st.dictionaries(st.sampled_from(TRADED), level(30.0), max_size=3)
    return {
        "type": "generic",
        "location": {"x_km": draw(level(80.0)), "y_km": draw(level(80.0))},
        "processes": draw(st.dictionaries(st.sampled_from(["a", "b"]), recipes(), max_size=2)),
        "storage": draw(some),
        "initial_stock": draw(some),
        "demand": draw(st.dictionaries(st.sampled_from(TRADED), amount, max_size=2)),
        "variability": {"activity_cv": draw(st.sampled_from([0.0, 0.2, 0.6]))},
        "join_day": draw(st.integers(0, 3)),
        "imports": draw(st.booleans()),
        "exports": draw(st.booleans()),
    }


@st.composite
def clusters(draw: st.DrawFn) -> dict[str, Any]:
    """A random small cluster of 2-6 generic firms, with contracts and an agent, for a few days."""
    ids = [f"f{i}" for i in range(draw(st.integers(2, 6)))]
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    contracts, pipelines = {}, []
    for i, (supplier, receiver) in enumerate(draw(st.lists(pairs, max_size=5))):
        material = draw(st.sampled_from(TRADED))
        contract: dict[str, Any] = {
            "supplier": supplier,
            "receiver": receiver,
            "material": material,
            "quantity": draw(st.one_of(st.just("all"), level(25.0))),
            "every": draw(st.integers(1, 3)),
            "start_day": draw(st.integers(0, 2)),
            "mode": draw(st.sampled_from([None, "truck", "bike"])),
        }
        if material in ENERGY:  # energy travels by pipeline only
            contract["mode"] = None
            pipelines.append(
                {
                    "source": supplier,
                    "target": receiver,
                    "materials": [material],
                    "capacity": draw(level(40.0)),
                }
            )
        contracts[f"c{i}"] = contract
    return {
        "name": "random",
        "horizon": draw(st.integers(1, 6)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "materials": {**MASS, **ENERGY, **ENVIRONMENT},
        "firms": {fid: draw(firms(fid)) for fid in ids},
        "network": {
            "modes": {"truck": {"speed": "60 km/h"}, "bike": {"speed": "15 km/d"}},
            "pipelines": pipelines,
        },
        "contracts": contracts,
        "agent": {"policy": draw(st.sampled_from(["none", "greedy", "optimal"]))},
        "boundary": {
            "imports": {m: {} for m in draw(st.sets(st.sampled_from(TRADED)))},
            "exports": {m: {} for m in draw(st.sets(st.sampled_from(TRADED)))},
        },
    }


@given(data=clusters())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_clusters_always_balance(data: dict[str, Any]) -> None:
    """Whatever the recipes, contracts, storage, seed and horizon, every balance holds."""
    results = Simulation(scenario_from_dict(data)).run(strict=False)
    assert_mass_balanced(results)
    assert (results.stocks["quantity"] >= -1e-9).all(), "stocks never go negative"
    if len(results.stocks):  # pairs that are never held are left out
        assert sorted(results.stocks["t_day"].unique()) == list(range(data["horizon"] + 1))


# ---- an imbalance is caught ----------------------------------------------------------------
@pytest.fixture
def tiny_results(tiny_path: Path) -> Results:
    """The tiny scenario run for 10 days."""
    return run_scenario(tiny_path, days=10)


def _check(results: Results) -> float:
    return check_mass_balance(results.flows, results.stocks, results.materials, results.nodes)


def test_balanced_run_reports_its_largest_error(tiny_results: Results) -> None:
    """A strict run records the largest error of its mass balance in the KPIs."""
    assert tiny_results.kpis["mass_balance_max_rel_error"] == _check(tiny_results)


def test_changed_flow_quantity_is_caught_naming_node_and_material(
    tiny_results: Results,
) -> None:
    """One import row made larger after the run breaks the firm's feed and mass balance."""
    flows = tiny_results.flows
    row = np.flatnonzero(
        (flows["kind"].astype(str) == "import").to_numpy()
        & (flows["target"].astype(str) == "dairy").to_numpy()
        & (flows["material"].astype(str) == "feed").to_numpy()
    )[0]
    flows.loc[row, "quantity"] += 1.0
    with pytest.raises(MassBalanceError) as info:
        _check(tiny_results)
    offenders = info.value.offenders
    assert any(o.startswith("dairy/feed: residual 1 ") for o in offenders), offenders
    assert any(o.startswith("dairy/mass: ") for o in offenders), offenders
    assert "mass balance violated" in str(info.value)
    assert "dairy/feed" in str(info.value)


def test_changed_stock_is_caught_naming_node_and_material(tiny_results: Results) -> None:
    """A stock changed at the last snapshot without a ledger row is an imbalance there."""
    stocks = tiny_results.stocks
    last = stocks["t_day"] == stocks["t_day"].max()
    at = last & (stocks["node"].astype(str) == "town") & (stocks["material"] == "vegetables")
    assert at.sum() == 1
    stocks.loc[at, "quantity"] += 0.5
    with pytest.raises(MassBalanceError) as info:
        tiny_results.check_balance()
    assert any(o.startswith("town/vegetables: residual -0.5") for o in info.value.offenders)


def test_dropped_ledger_row_unbalances_the_system(tiny_results: Results) -> None:
    """Losing an export row leaves mass unaccounted for at the firm and for the system."""
    flows = tiny_results.flows
    exports = np.flatnonzero((flows["kind"].astype(str) == "export").to_numpy())
    dropped = flows.iloc[exports[0]]
    tiny_results.flows = flows.drop(index=flows.index[exports[0]]).reset_index(drop=True)
    with pytest.raises(MassBalanceError) as info:
        _check(tiny_results)
    assert any(
        o.startswith(f"{dropped['source']}/{dropped['material']}: ") for o in info.value.offenders
    )


def test_strict_run_raises_when_a_firm_loses_mass(tiny_path: Path) -> None:
    """Stock removed behind the ledger's back during a run fails the run's own check."""
    sim = Simulation(load_scenario(tiny_path, days=3))
    dairy = next(f for f in sim.firms if f.id == "dairy")
    feed = sim.material_index["feed"]

    def leak(_event: object) -> None:
        dairy.stock[feed] -= 1.0

    sim.env.timeout(1.5).callbacks.append(leak)
    with pytest.raises(MassBalanceError, match="dairy/feed"):
        sim.run(strict=True)


def test_a_large_stock_with_tiny_flows_is_no_false_alarm():
    """The tolerance scales with the largest stock too: float rounding on a big stock passes."""
    from mfcsim.testing import run_scenario

    scenario = {
        "name": "big-stock",
        "horizon": 5,
        "materials": {
            "grain": {"unit": "t", "kind": "raw_material"},
            "flour": {"unit": "t", "kind": "product"},
        },
        "firms": {
            "mill": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "mill": {"capacity": 0.001, "inputs": {"grain": 1.0}, "outputs": {"flour": 1.0}}
                },
                "initial_stock": {"grain": 1e5 + 0.1},
                "exports": False,
            }
        },
    }
    results = run_scenario(scenario)
    assert results.kpis["mass_balance_max_rel_error"] < 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 500), st.integers(1, 64))
def test_running_sums_are_bincounts_bit_for_bit(seed: int, rows: int, block_rows: int) -> None:
    """Block by block, any block length: the sums np.bincount makes of the whole key."""
    from mfcsim import coded

    rng = np.random.default_rng(seed)
    key = rng.integers(0, 7, rows).astype(np.int16)
    values = rng.random(rows) * 10.0 ** rng.integers(-6, 7, rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coded, "RUNNING_BLOCK_ROWS", block_rows)
        sums = coded.running_sums(9, rows, lambda block: (key[block], values[block]))
    assert sums.tobytes() == np.bincount(key, weights=values, minlength=9).tobytes()


def test_the_balance_check_works_a_block_of_rows_at_a_time() -> None:
    """Numpy's traced peak of the mass check stays far below one float column of the ledger."""
    import tracemalloc

    import pandas as pd

    n = 400_000
    rng = np.random.default_rng(1)
    nodes = pd.DataFrame({"node": ["a", "b", "import", "export"],
                          "role": ["firm", "firm", "boundary", "boundary"]})  # fmt: skip
    flows = pd.DataFrame({
        "source": pd.Categorical(np.where(rng.random(n) < 0.5, "import", "a")),
        "target": pd.Categorical(np.where(rng.random(n) < 0.5, "export", "b")),
        "material": pd.Categorical(["m"] * n), "quantity": np.zeros(n),
        "kind": pd.Categorical(["shipment"] * n),
    })  # fmt: skip
    stocks = pd.DataFrame({"t_day": [0.0], "node": ["a"], "material": ["m"], "quantity": [0.0]})
    materials = pd.DataFrame({"id": ["m"], "mass_t_per_unit": [1.0]})
    from mfcsim import coded

    check_mass_balance(flows, stocks, materials, nodes)  # warm: numpy's first calls
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coded, "RUNNING_BLOCK_ROWS", 1 << 14)
        tracemalloc.start()
        try:
            check_mass_balance(flows, stocks, materials, nodes)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # the coded columns (node, material codes and two masks: 5 bytes a row here) and one
    # block; whole-ledger keys and masses took 21 bytes a row
    assert peak < 8 * n


def test_running_sums_refuse_a_key_outside_the_cells() -> None:
    """np.add.at would add a -1 key to the last cell; running_sums refuses it as bincount did."""
    from mfcsim.coded import running_sums

    for key in (np.array([0, -1, 2]), np.array([0, 3])):
        with pytest.raises(ValueError, match=r"keys must lie in 0\.\.2"):
            running_sums(3, len(key), lambda block, key=key: (key[block], np.ones(len(key))[block]))
