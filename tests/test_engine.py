"""The engine's daily rhythm, shipments, storage, boundary trade and reproducibility."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mfcsim.engine.simulation import Simulation
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario
from mfcsim.scenario.reader import deep_merge
from mfcsim.scenario.root import Scenario
from mfcsim.testing import flow_rows, run_scenario

HORIZON = 5


def cluster(**changes: Any) -> dict[str, Any]:
    """A mill grinding imported grain (10 t/d) and a bakery 50 km away; `changes` deep-merged."""
    base: dict[str, Any] = {
        "name": "engine",
        "horizon": HORIZON,
        "seed": 1,
        "materials": {
            "grain": {"unit": "t", "kind": "raw_material", "price": 200},
            "flour": {"unit": "t", "kind": "product", "price": 400},
            "bran": {"unit": "t", "kind": "residue"},
        },
        "firms": {
            "mill": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "grind": {
                        "capacity": 10,
                        "inputs": {"grain": 1.0},
                        "outputs": {"flour": 0.8, "bran": 0.2},
                    }
                },
            },
            "bakery": {"type": "generic", "location": {"x_km": 30, "y_km": 40}},
        },
        "network": {"detour_factor": 1.0},
        "boundary": {"imports": {"grain": {}}},
    }
    return deep_merge(base, changes)


def _contract(**fields: Any) -> dict[str, Any]:
    return {"supplier": "mill", "receiver": "bakery", "material": "flour", **fields}


def supplier_cluster(**changes: Any) -> dict[str, Any]:
    """The mill only holds 100 t of flour and ships 4 t a day to the bakery."""
    data = cluster(
        firms={"mill": {"initial_stock": {"flour": 100.0}}},
        contracts={"flour": _contract(quantity=4.0)},
    )
    data["firms"]["mill"]["processes"] = {}
    return deep_merge(data, changes)


def run(data: dict[str, Any], seed: int | None = None) -> Results:
    """Validate and run a scenario mapping with the mass-balance check on."""
    return run_scenario(data, seed=seed)


rows = flow_rows


def stock(results: Results, node: str, material: str) -> pd.Series:
    """A node's stock of a material by t_day (0 where never held)."""
    s = results.stocks
    hit = s[(s["node"].astype(str) == node) & (s["material"].astype(str) == material)]
    days = pd.Index(np.arange(HORIZON + 1, dtype=float), name="t_day")
    return hit.set_index("t_day")["quantity"].reindex(days, fill_value=0.0)


# ---- reproducibility -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def noisy_tiny(tiny_path: Path) -> Scenario:
    """The tiny scenario over 10 days with random daily activity at the dairy and greenhouse."""
    return load_scenario(
        tiny_path,
        [
            "firms.dairy.variability.activity_cv=0.2",
            "firms.greenhouse.variability.activity_cv=0.3",
        ],
        days=10,
    )


def test_same_seed_writes_byte_identical_run_files(noisy_tiny: Scenario, tmp_path: Path) -> None:
    """Two runs with one seed give the same flows, stocks and KPIs, bit for bit."""
    a = Simulation(noisy_tiny, seed=3).run().write(tmp_path / "a")
    b = Simulation(noisy_tiny, seed=3).run().write(tmp_path / "b")
    for name in ("flows.parquet", "stocks.parquet", "kpis.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seed_gives_different_flows(noisy_tiny: Scenario) -> None:
    """With activity_cv > 0, another seed draws other daily activities."""
    a = Simulation(noisy_tiny, seed=3).run()
    b = Simulation(noisy_tiny, seed=4).run()
    milk_a = rows(a, kind="production", source="dairy", material="milk")["quantity"]
    milk_b = rows(b, kind="production", source="dairy", material="milk")["quantity"]
    assert len(milk_a) == len(milk_b) == 10
    assert not np.allclose(milk_a, milk_b)
    assert not a.flows.equals(b.flows)


def test_adding_a_firm_does_not_reshuffle_the_others_random_numbers() -> None:
    """Random streams are keyed by firm id, so a new firm leaves the mill's activity alone."""
    noisy = {"firms": {"mill": {"variability": {"activity_cv": 0.3}}}}
    alone = run(cluster(**noisy), seed=9)
    oven = {"type": "generic", "location": {"x_km": 1, "y_km": 1}, **noisy["firms"]["mill"]}
    crowded = cluster(**noisy)
    crowded["firms"] = {"oven": oven, **crowded["firms"]}
    together = run(crowded, seed=9)
    made_alone = rows(alone, kind="production", source="mill", material="flour")
    made_together = rows(together, kind="production", source="mill", material="flour")
    assert made_alone["quantity"].tolist() == made_together["quantity"].tolist()
    assert len(set(made_alone["quantity"].round(9))) > 1  # the activity really varies


# ---- storage and disposal ------------------------------------------------------------------
def test_residue_beyond_storage_goes_to_disposal_exactly() -> None:
    """The mill makes 2 t bran a day and stores 0.5 t: the excess goes to landfill each day."""
    results = run(
        cluster(
            firms={"mill": {"storage": {"bran": 0.5}}},
            boundary={"disposal": {"landfill": {"gate_fee": 100, "co2e": 0.5}, "dissipation": {}}},
        )
    )
    made = rows(results, kind="production", source="mill", material="bran")
    assert made["quantity"].tolist() == pytest.approx([2.0] * HORIZON)
    dumped = rows(results, kind="disposal", source="mill", material="bran")
    assert dumped["target"].astype(str).unique().tolist() == ["landfill"]
    assert dumped["t_day"].tolist() == list(range(HORIZON))
    # day 0: 2 t made, 0.5 t kept; then 0.5 + 2 t on hand, 0.5 t kept
    assert dumped["quantity"].tolist() == pytest.approx([1.5] + [2.0] * (HORIZON - 1))
    assert dumped["value_eur"].tolist() == pytest.approx((100 * dumped["quantity"]).tolist())
    assert dumped["co2e_t"].tolist() == pytest.approx((0.5 * dumped["quantity"]).tolist())
    assert stock(results, "mill", "bran").iloc[1:].tolist() == pytest.approx([0.5] * HORIZON)
    assert results.kpis["disposal_t"] == pytest.approx(2.0 * HORIZON - 0.5)


def test_residue_without_storage_is_all_disposed_on_its_own_route() -> None:
    """A residue with no declared storage is disposed the day it is made, on its route."""
    results = run(
        cluster(
            materials={"bran": {"disposal": "composting"}},
            boundary={"disposal": {"composting": {}, "landfill": {}, "dissipation": {}}},
        )
    )
    dumped = rows(results, kind="disposal", material="bran")
    assert dumped["target"].astype(str).unique().tolist() == ["composting"]
    assert dumped["quantity"].sum() == pytest.approx(2.0 * HORIZON)
    assert stock(results, "mill", "bran").sum() == 0.0


# ---- shipments -----------------------------------------------------------------------------
def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("network", "locations", "km"),
    [
        pytest.param({"detour_factor": 1.3}, None, 50 * 1.3, id="coordinates-times-detour"),
        pytest.param(
            {"links": [{"source": "mill", "target": "bakery", "distance": "90 km"}]},
            None,
            90.0,
            id="explicit-link",
        ),
        pytest.param(
            {"detour_factor": 1.2},
            ({"lat": 52.0, "lon": 4.5}, {"lat": 52.3, "lon": 4.9}),
            _haversine_km(52.0, 4.5, 52.3, 4.9) * 1.2,
            id="lat-lon-times-detour",
        ),
    ],
)
def test_shipment_arrives_after_distance_over_speed(
    network: dict[str, Any], locations: tuple[dict[str, float], ...] | None, km: float
) -> None:
    """Each delivery arrives distance / speed days after its dispatch, with transport costs."""
    truck = {"speed": "10 km/h", "cost": "0.1 EUR/tkm", "co2e": "0.1 kg CO2e/tkm"}
    data = supplier_cluster(network={**network, "modes": {"truck": truck}})
    if locations is not None:
        data["firms"]["mill"]["location"], data["firms"]["bakery"]["location"] = locations
    results = run(data)
    lead = km / 240.0
    sent = rows(results, kind="shipment", source="mill", target="in_transit")
    came = rows(results, kind="shipment", source="in_transit", target="bakery")
    assert sent["t_day"].tolist() == list(range(HORIZON))
    assert sent["distance_km"].tolist() == pytest.approx([km] * HORIZON, rel=1e-12)
    assert sent["value_eur"].tolist() == pytest.approx([4 * km * 0.1] * HORIZON)
    assert sent["co2e_t"].tolist() == pytest.approx([4 * km * 1e-4] * HORIZON)
    assert len(came) == HORIZON
    lags = came["t_day"].to_numpy() - sent["t_day"].to_numpy()
    assert lags.tolist() == pytest.approx([lead] * HORIZON, rel=1e-12)
    assert came["quantity"].tolist() == [4.0] * HORIZON


def test_goods_on_the_road_at_the_horizon_stay_in_transit() -> None:
    """By barge (5 km/d, 13 days for 65 km) nothing arrives within 5 days; all is in transit."""
    barge = {"speed": "5 km/d"}
    results = run(
        supplier_cluster(
            network={"detour_factor": 1.3, "modes": {"truck": {}, "barge": barge}},
            contracts={"flour": {"mode": "barge"}},
        )
    )
    assert rows(results, kind="shipment", source="in_transit").empty
    transit = stock(results, "in_transit", "flour")
    assert transit.tolist() == pytest.approx([0.0, 4.0, 8.0, 12.0, 16.0, 20.0])
    assert stock(results, "mill", "flour").iloc[-1] == pytest.approx(80.0)
    assert stock(results, "bakery", "flour").sum() == 0.0


def test_arrival_at_a_tick_counts_from_the_next_snapshot() -> None:
    """Lead time 2 d: the stock at day d excludes an arrival at d; one at the horizon stays."""
    link = {"source": "mill", "target": "bakery", "distance": 60.0}
    results = run(supplier_cluster(network={"links": [link], "modes": {"truck": {"speed": 30}}}))
    came = rows(results, kind="shipment", source="in_transit", target="bakery")
    assert came["t_day"].tolist() == [2.0, 3.0, 4.0]
    assert stock(results, "bakery", "flour").tolist() == [0.0, 0.0, 0.0, 4.0, 8.0, 12.0]
    assert stock(results, "in_transit", "flour").tolist() == [0.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_pipeline_carries_at_most_its_daily_capacity() -> None:
    """5 MWh of heat a day into a 3 MWh/d pipeline: 3 arrive 2 km / 5000 km/d later, 2 dissipate."""
    pipe = {"source": "mill", "target": "bakery", "materials": ["heat"], "capacity": "3 MWh/d"}
    results = run(
        cluster(
            materials={"heat": {"unit": "MWh", "kind": "energy"}},
            firms={"mill": {"processes": {"grind": {"outputs": {"heat": 0.5}}}}},
            network={"pipelines": [{**pipe, "distance": "2 km", "cost": "1.5 EUR/MWh"}]},
            contracts={"heat": {**_contract(material="heat"), "quantity": "all"}},
        )
    )
    sent = rows(results, kind="shipment", source="mill", material="heat")
    assert sent["quantity"].tolist() == pytest.approx([3.0] * HORIZON)
    assert sent["value_eur"].tolist() == pytest.approx([4.5] * HORIZON)
    came = rows(results, kind="shipment", target="bakery", material="heat")
    lags = came["t_day"].to_numpy() - sent["t_day"].to_numpy()
    assert lags.tolist() == pytest.approx([2 / 5000] * HORIZON)
    lost = rows(results, kind="disposal", source="mill", material="heat")
    assert lost["target"].astype(str).unique().tolist() == ["dissipation"]
    assert lost["quantity"].tolist() == pytest.approx([2.0] * HORIZON)
    shipments = results.extra["shipments"]
    assert shipments["mode"].unique().tolist() == ["pipeline"]


# ---- firms joining -------------------------------------------------------------------------
def test_firm_does_nothing_before_its_join_day() -> None:
    """A mill joining on day 2 imports, produces and ships nothing on days 0 and 1."""
    results = run(
        cluster(firms={"mill": {"join_day": 2}}, contracts={"flour": _contract(quantity=4.0)})
    )
    mill = results.flows[
        (results.flows["source"].astype(str) == "mill")
        | (results.flows["target"].astype(str) == "mill")
    ]
    assert mill["t_day"].min() == 2.0
    made = rows(results, kind="production", material="flour")
    assert made["t_day"].tolist() == [2.0, 3.0, 4.0]
    sent = rows(results, kind="shipment", source="mill")
    assert sent["t_day"].tolist() == [2.0, 3.0, 4.0]
    assert stock(results, "mill", "grain").sum() == 0.0


def test_contract_waits_for_a_receiver_that_has_not_joined() -> None:
    """Deliveries to a firm start on the receiver's join day."""
    data = supplier_cluster(firms={"bakery": {"join_day": 3}})
    results = run(data)
    sent = rows(results, kind="shipment", source="mill")
    assert sent["t_day"].tolist() == [3.0, 4.0]


# ---- imports, exports and contracts ----------------------------------------------------------
def test_imports_cover_exactly_the_shortfall_at_the_market_price() -> None:
    """With 25 t of grain in stock the mill imports 0, 0, 5, 10, 10 t at 250 EUR/t."""
    results = run(
        cluster(
            firms={"mill": {"initial_stock": {"grain": 25.0}}},
            boundary={"imports": {"grain": {"price": "250 EUR/t", "co2e": "300 kg CO2e/t"}}},
        )
    )
    bought = rows(results, kind="import", target="mill", material="grain")
    assert bought["source"].astype(str).unique().tolist() == ["import"]
    assert bought["t_day"].tolist() == [2.0, 3.0, 4.0]
    assert bought["quantity"].tolist() == pytest.approx([5.0, 10.0, 10.0])
    assert bought["value_eur"].tolist() == pytest.approx([1250.0, 2500.0, 2500.0])
    assert bought["co2e_t"].tolist() == pytest.approx([1.5, 3.0, 3.0])
    made = rows(results, kind="production", material="flour")
    assert made["quantity"].tolist() == pytest.approx([8.0] * HORIZON)
    assert results.kpis["material_imports_t"] == pytest.approx(25.0)
    assert results.kpis["import_cost_eur"] == pytest.approx(6250.0)
    assert results.kpis["ghg_imports_embodied_t_co2e"] == pytest.approx(7.5)


def test_imports_default_to_the_material_price() -> None:
    """A market without its own price charges the material's price."""
    results = run(cluster())
    bought = rows(results, kind="import", material="grain")
    assert bought["value_eur"].tolist() == pytest.approx((200 * bought["quantity"]).tolist())


def test_firm_that_does_not_import_runs_on_its_stock() -> None:
    """With `imports: false` the mill grinds its 25 t and then stops."""
    results = run(cluster(firms={"mill": {"initial_stock": {"grain": 25.0}, "imports": False}}))
    assert rows(results, kind="import").empty
    used = rows(results, kind="consumption", material="grain")
    assert used["quantity"].tolist() == pytest.approx([10.0, 10.0, 5.0])


def test_surplus_products_are_exported_at_the_market_price() -> None:
    """The mill's 8 t of flour a day leave on the export market at 380 EUR/t."""
    results = run(cluster(boundary={"exports": {"flour": {"price": 380}}}))
    sold = rows(results, kind="export", source="mill", material="flour")
    assert sold["target"].astype(str).unique().tolist() == ["export"]
    assert sold["quantity"].tolist() == pytest.approx([8.0] * HORIZON)
    assert sold["value_eur"].tolist() == pytest.approx([3040.0] * HORIZON)
    assert stock(results, "mill", "flour").tolist() == pytest.approx([0.0] * (HORIZON + 1))
    assert results.kpis["exports_t"] == pytest.approx(8.0 * HORIZON)
    assert results.kpis["export_revenue_eur"] == pytest.approx(3040.0 * HORIZON)


def test_firm_that_does_not_export_keeps_its_products() -> None:
    """With `exports: false` the flour stays in the mill's stock."""
    results = run(cluster(firms={"mill": {"exports": False}}, boundary={"exports": {"flour": {}}}))
    assert rows(results, kind="export").empty
    assert stock(results, "mill", "flour").iloc[-1] == pytest.approx(8.0 * HORIZON)


def test_contract_fill_rate_is_shipped_over_ordered() -> None:
    """10 t of flour against 4 t a day for 5 days: 4, 4, 2 shipped, a fill rate of 0.5."""
    results = run(supplier_cluster(firms={"mill": {"initial_stock": {"flour": 10.0}}}))
    sent = rows(results, kind="shipment", source="mill")
    assert sent["quantity"].tolist() == pytest.approx([4.0, 4.0, 2.0])
    assert results.kpis["contract_fill_rate"] == pytest.approx(0.5)


def test_contract_delivers_every_n_days_within_its_window() -> None:
    """`every: 2`, `start_day: 1`, `end_day: 3` ships on days 1 and 3 only."""
    data = supplier_cluster(contracts={"flour": {"every": "2 d", "start_day": 1, "end_day": 3}})
    results = run(data)
    assert rows(results, kind="shipment", source="mill")["t_day"].tolist() == [1.0, 3.0]
    assert results.kpis["contract_fill_rate"] == pytest.approx(1.0)


def test_fill_rate_is_undefined_without_fixed_quantity_contracts() -> None:
    """Contracts for `all` the stock order no fixed quantity, so there is no fill rate."""
    results = run(supplier_cluster(contracts={"flour": {"quantity": "all"}}))
    assert rows(results, kind="shipment", source="mill")["quantity"].sum() == pytest.approx(100.0)
    assert math.isnan(results.kpis["contract_fill_rate"])


# ---- stocks --------------------------------------------------------------------------------
def test_stocks_are_snapshotted_from_day_0_to_the_horizon() -> None:
    """stocks has every t_day 0..horizon for every node and material it lists."""
    results = run(supplier_cluster())
    s = results.stocks
    assert sorted(s["t_day"].unique()) == [float(d) for d in range(HORIZON + 1)]
    per_day = s.groupby("t_day").size()
    assert per_day.nunique() == 1
    assert stock(results, "mill", "flour").iloc[0] == 100.0  # day 0 is the initial stock
