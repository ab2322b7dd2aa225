"""The regional agent serves the use: substitutes reach the buyer's process, service is
measured where goods are used, and no policy lowers what a firm does below policy ``none``.

``tests/data/veg_hub.yaml`` is the hand-made 3-firm case: a tomato grower, a fresh-produce hub
that can buy no sweet peppers, and a city that eats its vegetables as one food group.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mfcsim import Simulation, load_scenario
from mfcsim.indicators import compute_indicators
from mfcsim.indicators.periods import evaluation_periods
from mfcsim.results import Results
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.testing import run_scenario

ROOT = Path(__file__).resolve().parent.parent
VEG_HUB = ROOT / "tests" / "data" / "veg_hub.yaml"
#: How far a policy may fall below ``none`` (relative), summed over the run or a period.
SLACK = 1e-3


@functools.cache
def run(path: str, policy: str) -> Results:
    """One run of a scenario file under a policy (cached for the module's tests)."""
    return run_scenario(path, overrides=(f"agent.policy={policy}",))


def indicator(results: Results, name: str, scope: str = "cluster", period: str = "all") -> float:
    frame = results.indicators
    row = frame[
        (frame["indicator"] == name) & (frame["scope"] == scope) & (frame["period"] == period)
    ]
    assert len(row) == 1, (name, scope, period)
    return float(row["value"].iloc[0])


# ---- substitution that reaches the use ----------------------------------------------------
@pytest.mark.parametrize("policy", ["greedy", "optimal"])
def test_hub_short_of_peppers_ships_tomatoes_under_city_peppers(policy: str) -> None:
    results = run(str(VEG_HUB), policy)
    sent = results.extra["shipments"]
    peppers = sent[sent["origin"] == "contract:city_peppers"]
    substituted = peppers[
        (peppers["requested"] == "sweet_peppers") & (peppers["material"] == "tomatoes")
    ]
    assert substituted["quantity"].sum() == pytest.approx(3.0 * 29)  # days 1-29 (day 0 had stock)
    assert indicator(results, "use_fill", "firm:city") == 1.0
    assert indicator(results, "use_fill", "process:city.eat_vegetables") == 1.0
    assert indicator(results, "days_short", "firm:city") == 0.0
    assert results.kpis["use_fill"] == 1.0


def test_without_the_agent_only_the_short_food_group_goes_uneaten() -> None:
    """No peppers for the city: vegetables fall short, bread is eaten in full."""
    results = run(str(VEG_HUB), "none")
    assert indicator(results, "use_fill", "process:city.eat_bread") == 1.0
    # 9 t of vegetables on days 0 and 1 (the city's and the hub's initial stocks), then the
    # 6 t of tomatoes the hub imports: 6 of 9 t a day
    assert indicator(results, "use_fill", "process:city.eat_vegetables") == pytest.approx(
        (2 * 9.0 + 28 * 6.0) / (30 * 9.0)
    )
    assert indicator(results, "days_short", "firm:city") == 28.0
    assert indicator(results, "cycle_service_level", "firm:city") == pytest.approx(2 / 30)
    # food eaten over the diet: each food group weighed by its mass (9 and 2 kg per person-day)
    assert indicator(results, "use_fill") == pytest.approx((186.0 + 60.0) / (270.0 + 60.0))
    assert indicator(results, "order_fill") == pytest.approx((600.0 - 171.0) / 600.0)
    assert indicator(results, "regional_fill") == pytest.approx(249.0 / 600.0)
    eaten = results.flows[results.flows["kind"] == "final_consumption"]["quantity"].sum()
    assert eaten == pytest.approx(30 * 2.0 + 2 * 9.0 + 28 * 6.0)  # bread + vegetables, t


def test_the_scorecard_service_line_falls_when_the_city_eats_less() -> None:
    fed, short = run(str(VEG_HUB), "greedy"), run(str(VEG_HUB), "none")
    eaten = {
        r: float(r.flows.loc[r.flows["kind"] == "final_consumption", "quantity"].sum())
        for r in (fed, short)
    }
    assert eaten[short] < eaten[fed]
    for name in ("use_fill", "order_fill", "cycle_service_level"):
        assert indicator(short, name) < indicator(fed, name), name


def trader_instead_of_city() -> dict:
    """veg_hub with the hub's peppers sold to a trader that has no use for tomatoes."""
    data = yaml.safe_load(VEG_HUB.read_text())
    data["firms"]["trader"] = {
        "type": "generic",
        "location": {"x_km": 15, "y_km": 5},
        "buyer": True,
        "imports": False,
        "demand": {"sweet_peppers": "3 t/d"},
    }
    data["contracts"]["city_peppers"]["receiver"] = "trader"
    return data


def test_an_intermediary_never_takes_a_substitute_its_buyer_cannot_use() -> None:
    data = trader_instead_of_city()
    sim = Simulation(load_scenario_from(data))
    hub, peppers = sim.node_index["hub"], sim.material_index["sweet_peppers"]
    assert not sim.accepts[hub, peppers]
    assert sim.accepts[sim.node_index["city"], peppers]  # the city eats either
    results = sim.run()
    sent = results.extra["shipments"]
    substitutes = sent[sent["requested"].astype(str) != sent["material"].astype(str)]
    assert not substitutes.empty  # the city, which eats either, still gets tomatoes for peppers
    assert (substitutes["receiver"] == "city").all()  # the hub and the trader never do


def load_scenario_from(data: dict):
    return scenario_from_dict(data)


# ---- one tonne toward one need ------------------------------------------------------------
@pytest.mark.parametrize(
    ("tomatoes", "peppers", "expected"),
    [
        (6.0, 0.0, (6.0, 0.0)),  # the tomatoes are the tomatoes' own: no pepper on hand
        (8.0, 0.0, (8.0, 2.0)),  # 2 t beyond the tomato want stand in for peppers
        (12.0, 1.0, (12.0, 3.0)),
        (0.0, 7.0, (4.0, 7.0)),  # and the other way round
    ],
)
def test_holdings_count_each_tonne_toward_one_group_member(tomatoes, peppers, expected) -> None:
    sim = Simulation(load_scenario(str(VEG_HUB)))
    hub = sim.firms[sim.node_index["hub"]]
    tom, pep = sim.material_index["tomatoes"], sim.material_index["sweet_peppers"]
    sim.stock[hub.index, [tom, pep]] = tomatoes, peppers
    want = {tom: 6.0, pep: 3.0}
    have = hub.holdings(want)
    assert (have[tom], have[pep]) == pytest.approx(expected)
    # the vectorised kernels give the same, bit for bit
    kernel = sim.kernel
    cells = np.flatnonzero(kernel.cell_firm == hub.index)
    want_cells = np.zeros(len(kernel.cell_firm))
    want_cells[cells] = [want[int(m)] for m in kernel.cell_material[cells]]
    got = kernel.available_cells(want_cells)[cells]
    assert dict(zip(kernel.cell_material[cells].tolist(), got.tolist(), strict=True)) == have


def test_order_fill_does_not_count_the_tomatoes_toward_the_pepper_orders() -> None:
    service = run(str(VEG_HUB), "none").extra["service"]
    hub_peppers = service[(service["buyer"] == "hub") & (service["material"] == "sweet_peppers")]
    later = hub_peppers[hub_peppers["t_day"] >= 1]
    assert later["delivered"].sum() == 0.0  # it holds tomatoes, wanted for the tomato orders
    assert later["shortfall"].sum() == pytest.approx(3.0 * len(later))


# ---- the invariant: no policy lowers what a firm does ---------------------------------------
INVARIANT_CASES = [
    (str(ROOT / "scenarios" / "default.yaml"), "greedy"),
    (str(ROOT / "scenarios" / "default.yaml"), "optimal"),
    (str(ROOT / "scenarios" / "default_outage.yaml"), "greedy"),
    (str(ROOT / "scenarios" / "default_outage.yaml"), "optimal"),
    (str(VEG_HUB), "greedy"),
    (str(VEG_HUB), "optimal"),
]


def activity_by_period(results: Results) -> pd.DataFrame:
    """Planned and realised activity per period and (firm, process)."""
    activity = results.extra["activity"]
    parts = []
    for period in evaluation_periods(results.scenario.horizon_day):
        rows = activity[
            (activity["t_day"] >= period.start_day) & (activity["t_day"] < period.end_day)
        ]
        sums = rows.groupby(["firm", "process"], observed=True)[["planned", "realised"]].sum()
        parts.append(sums.assign(period=period.name).set_index("period", append=True))
    return pd.concat(parts)


def consumption_by_period(results: Results) -> pd.Series:
    flows = results.flows[results.flows["kind"] == "final_consumption"]
    return pd.Series({
        p.name: float(flows.loc[(flows["t_day"] >= p.start_day) & (flows["t_day"] < p.end_day),
                                "quantity"].sum())
        for p in evaluation_periods(results.scenario.horizon_day)
    })  # fmt: skip


def n_to_soil(results: Results) -> pd.Series:
    """N spread on each firm's land over the run (t)."""
    subs = results.substance_flows
    rows = subs[(subs["target"] == "soil") & (subs["substance"] == "N")]
    return rows.groupby(rows["source"].astype(str))["quantity"].sum()


@pytest.mark.parametrize(("path", "policy"), INVARIANT_CASES)
def test_no_policy_lowers_a_firms_activity_below_none(path: str, policy: str) -> None:
    """Summed over the run and over each period, with the same seed.

    A process whose plan is itself the need that substitutes left (the farms' mineral
    fertiliser, planned as the N that digestate and compost on hand do not cover) may run
    less: there the invariant holds on its use fill and on the N its firm spreads.
    """
    base, other = activity_by_period(run(path, "none")), activity_by_period(run(path, policy))
    other = other.reindex(base.index, fill_value=0.0)
    lower = other["realised"] < base["realised"] * (1.0 - SLACK) - 1e-9
    plan_fell = other["planned"] < base["planned"] * (1.0 - SLACK)
    both = pd.concat({"none": base, policy: other}, axis=1)
    assert not (lower & ~plan_fell).any(), both[lower & ~plan_fell]
    fell = both[lower]
    use_base = fell["none", "realised"] / fell["none", "planned"]
    use_other = fell[policy, "realised"] / fell[policy, "planned"]
    assert (use_other >= use_base * (1.0 - SLACK)).all(), fell
    firms = sorted({f for f, _, _ in fell.index})
    if firms:
        n_base, n_other = n_to_soil(run(path, "none")), n_to_soil(run(path, policy))
        assert (n_other.reindex(firms) >= n_base.reindex(firms) * (1.0 - SLACK)).all()
    eaten_base = consumption_by_period(run(path, "none"))
    eaten = consumption_by_period(run(path, policy))
    assert (eaten >= eaten_base * (1.0 - SLACK)).all(), pd.concat([eaten_base, eaten], axis=1)


def test_every_run_records_planned_and_realised_activity_per_process() -> None:
    results = run(str(VEG_HUB), "greedy")
    activity = results.extra["activity"]
    assert list(activity.columns) == ["t_day", "firm", "process", "planned", "realised"]
    city = activity[(activity["firm"] == "city") & (activity["process"] == "eat_bread")]
    assert len(city) == 30
    assert (city["planned"] == 1000.0).all()
    assert (activity["realised"] <= activity["planned"] * (1 + 1e-12)).all()
    again = compute_indicators(results)
    assert again.equals(results.indicators)


def test_rounding_is_not_reported_as_substitution() -> None:
    """Without the agent nothing stands in for anything: substituted is 0, not 1e-16."""
    results = run(str(VEG_HUB), "none")
    assert (results.extra["service"]["substituted"] == 0.0).all()
    assert indicator(results, "substituted_share") == 0.0
    fed = run(str(VEG_HUB), "greedy").extra["service"]
    city = fed[(fed["buyer"] == "city") & (fed["material"] == "sweet_peppers")]
    assert city["substituted"].sum() == pytest.approx(3.0 * 28)  # tomatoes for peppers


def test_days_short_and_planned_count_each_firms_distinct_days() -> None:
    """Two processes short on the same day count once; firm order and name type do not matter.

    a: day 0 both processes short (1 day), day 1 one short (2 days), day 2 on plan; planned
    on days 0, 1, 2 (3 days). b: never short, planned on day 5 only. c: nothing planned.
    """
    from mfcsim.indicators.service_levels import planned_days, short_days

    firm = pd.Categorical(["a", "a", "a", "a", "b", "c"], categories=["c", "b", "a"])
    activity = pd.DataFrame({
        "t_day": [0.0, 0.0, 1.0, 2.0, 5.0, 6.0],
        "firm": firm,
        "planned": [2.0, 1.0, 1.0, 1.0, 3.0, 0.0],
        "realised": [1.0, 0.5, 0.0, 1.0, 3.0, 0.2],
    })  # fmt: skip
    for frame in (activity, activity.astype({"firm": str})):
        assert short_days(frame).to_dict() == {"a": 2.0}
        assert planned_days(frame).to_dict() == {"a": 3.0, "b": 1.0}
        assert list(planned_days(frame).index) == ["a", "b"]
    assert short_days(activity.iloc[4:]).to_dict() == {}
    # days as a file might hold them: negative, fractional; a row without a firm is left out
    odd = pd.DataFrame({
        "t_day": [-1.0, 2.0, 0.25, 0.75, 3.0],
        "firm": pd.Categorical(["b", "b", "a", "a", None], categories=["a", "b"]),
        "planned": [1.0] * 5, "realised": [0.0] * 5,
    })  # fmt: skip
    assert planned_days(odd).to_dict() == {"a": 2.0, "b": 2.0}
    assert short_days(odd.astype({"firm": str}).iloc[:4]).to_dict() == {"a": 2.0, "b": 2.0}
