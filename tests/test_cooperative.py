"""The cooperative (issue 20): price tiers, the premium split, fees, money booked, business case.

The arithmetic is checked on hand-made frames against numbers worked out by hand; the run of
``scenarios/tiny_cooperative.yaml`` checks that the cooperative moves money, not mass (the
ledger is that of the same scenario without it), that the members' value added carries its
terms, and that the same seed gives the same bytes.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mfcsim.business import BusinessCase, business_case, outside
from mfcsim.cli import main
from mfcsim.errors import ScenarioError, UsageError
from mfcsim.indicators.cooperative import (
    fee_shares,
    premium_split,
    purchase_rows,
    settle,
    subsidy_eur,
    tier_discount,
)
from mfcsim.scenario.cooperative import CooperativeSpec, OperatingCostSpec, TierSpec
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import ledger_digest, run_scenario

REPO = Path(__file__).resolve().parents[1]
COOP = REPO / "scenarios" / "tiny_cooperative.yaml"
TIERS = [TierSpec(from_volume=8.0, discount=0.04), TierSpec(from_volume=15.0, discount=0.08)]
SPEC = CooperativeSpec(
    members=["a", "b"],
    purchases={"feed": {"tiers": TIERS}},
    sales={"milk": {"premium": 0.10}},
    buyers=["town", "export"],
)
MASS = pd.Series({"feed": 1.0, "milk": 1.0})


def test_tier_boundary_belongs_to_the_tier_it_reaches() -> None:
    """Below 8 t no discount; exactly 8 t is the first tier; exactly 15 t the second."""
    volumes = [0.0, 7.999, 8.0, 14.999, 15.0, 40.0]
    assert tier_discount(volumes, TIERS).tolist() == [0.0, 0.0, 0.04, 0.04, 0.08, 0.08]


def test_purchase_tier_comes_from_the_members_daily_volume() -> None:
    """Day 0: 5 + 3 = 8 t (first tier, 4 % off); day 1: 5 + 2.9 t (none); c is no member."""
    imports = pd.DataFrame(
        {
            "t_day": [0.0, 0.5, 0.0, 1.0, 1.0],
            "target": ["a", "b", "c", "a", "b"],
            "material": ["feed"] * 5,
            "quantity": [5.0, 3.0, 50.0, 5.0, 2.9],
            "value_eur": [1500.0, 900.0, 15000.0, 1500.0, 870.0],
        }
    )
    rows = purchase_rows(imports, SPEC, MASS)
    assert rows["firm"].tolist() == ["a", "b", "a", "b"]
    assert rows["discount"].tolist() == [0.04, 0.04, 0.0, 0.0]
    # by hand: 4 % of 1500 and of 900 EUR on day 0, nothing on day 1
    assert rows["saving_eur"].tolist() == pytest.approx([60.0, 36.0, 0.0, 0.0])
    assert rows["paid_eur"].tolist() == pytest.approx([1440.0, 864.0, 1500.0, 870.0])


def test_premium_pool_is_split_by_delivered_quantity() -> None:
    """a: 2 t to the town at 450; b: 3 t exported at 420. Pool 10 % of 2160 = 216 EUR."""
    sales = pd.DataFrame(
        {
            "firm": ["a", "b"],
            "buyer": ["town", "export"],
            "material": ["milk", "milk"],
            "quantity": [2.0, 3.0],
            "mass_t": [2.0, 3.0],
            "value_eur": [900.0, 1260.0],
        }
    )
    split = premium_split(sales, SPEC)
    assert split["premium_paid_eur"].tolist() == pytest.approx([90.0, 126.0])
    # 216 × 2/5 and 216 × 3/5: a gets less than its own buyer paid, b more
    assert split["premium_eur"].tolist() == pytest.approx([86.4, 129.6])


def test_fees_after_the_subsidy_by_member_or_by_tonne() -> None:
    """Cost 150 EUR/d × 30 d + 2 EUR/t × 100 t = 4700; subsidy 100 EUR/d on days 0-15."""
    costs = OperatingCostSpec(
        staff_eur_per_day=150.0,
        handling_eur_per_t=2.0,
        subsidy={"eur_per_day": 100.0, "start_day": 0, "end_day": 15},
    )
    assert subsidy_eur(costs, 0.0, 30.0) == 1500.0
    assert subsidy_eur(costs, 10.0, 30.0) == 500.0  # days 10-14 of the subsidy
    assert subsidy_eur(costs, 15.0, 30.0) == 0.0
    handled = pd.Series({"a": 75.0, "b": 25.0})
    assert fee_shares(costs, 3200.0, handled).tolist() == [1600.0, 1600.0]
    by_tonne = costs.model_copy(update={"fee": "per_tonne"})
    assert fee_shares(by_tonne, 3200.0, handled).tolist() == [2400.0, 800.0]
    coop = SPEC.model_copy(update={"costs": costs})
    bought = pd.DataFrame({"firm": ["a"], "mass_t": [75.0], "paid_eur": [0.0], "saving_eur": [0.0]})
    sold = pd.DataFrame(
        {
            "firm": ["b"],
            "buyer": ["town"],
            "mass_t": [25.0],
            "value_eur": [0.0],
            "premium_eur": [0.0],
            "premium_paid_eur": [0.0],
        }
    )
    done = settle(coop, bought, sold, pd.Series({"b": 25.0}), (0.0, 30.0))
    assert done.operating_cost_eur == 4700.0
    assert done.subsidy_eur == 1500.0
    assert done.members["fees_eur"].tolist() == [1600.0, 1600.0]


@pytest.fixture(scope="module")
def runs() -> tuple[object, object]:
    """The cooperative scenario, and the same without its cooperative, on the same seed."""
    with_coop = load_scenario(COOP)
    without = with_coop.model_copy(update={"cooperative": None})
    return run_scenario(with_coop), run_scenario(without)


def _all(results: object, name: str) -> pd.Series:
    frame = results.indicators  # type: ignore[attr-defined]
    rows = frame[(frame["indicator"] == name) & (frame["period"] == "all")]
    return rows.set_index("scope")["value"]


def test_cooperative_moves_money_not_mass(runs: tuple[object, object]) -> None:
    """Same ledger with and without it; the members' value added carries its terms."""
    with_coop, without = runs
    assert ledger_digest(with_coop) == ledger_digest(without)
    members = with_coop.view("cooperative_members").set_index("firm")  # type: ignore[attr-defined]
    va, va0 = _all(with_coop, "value_added_eur"), _all(without, "value_added_eur")
    for firm, row in members.iterrows():
        terms = row["savings_eur"] + row["premium_eur"] - row["fees_eur"]
        assert va[f"firm:{firm}"] - va0[f"firm:{firm}"] == pytest.approx(terms)
    assert members.loc["dairy", "savings_eur"] > 0
    # the town pays the premium on what members sold it: final consumption, not value added
    spent, spent0 = (_all(r, "household_food_expenditure_eur") for r in runs)
    assert spent["firm:town"] > spent0["firm:town"]
    assert _all(with_coop, "coop_sold_share")["cluster"] == pytest.approx(1.0)
    assert _all(without, "coop_fees_eur").empty


def test_operating_cost_of_the_example_by_hand(runs: tuple[object, object]) -> None:
    """150 EUR/d × 30 d + 2 EUR/t × the tonnes through it; subsidy 100 EUR/d × 15 d."""
    members = runs[0].view("cooperative_members")  # type: ignore[attr-defined]
    tonnes = float(members["purchases_t"].sum() + members["sales_t"].sum())
    cost = _all(runs[0], "coop_operating_cost_eur")["cluster"]
    assert cost == pytest.approx(150.0 * 30 + 2.0 * tonnes)
    assert _all(runs[0], "coop_subsidy_eur")["cluster"] == 1500.0
    assert members["fees_eur"].tolist() == pytest.approx([(cost - 1500.0) / 3] * 3)


def test_same_seed_same_bytes(tmp_path: Path, runs: tuple[object, object]) -> None:
    """Two runs of the cooperative scenario write identical ledgers and members tables."""
    again = run_scenario(COOP)
    assert ledger_digest(again) == ledger_digest(runs[0])  # type: ignore[arg-type]
    first = runs[0].write(tmp_path / "one")  # type: ignore[attr-defined]
    second = again.write(tmp_path / "two")
    for name in ("cooperative.parquet", "indicators.parquet"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_no_members_table_without_a_cooperative(
    tmp_path: Path, runs: tuple[object, object]
) -> None:
    """A scenario without a cooperative writes no cooperative.parquet."""
    folder = runs[1].write(tmp_path / "plain")  # type: ignore[attr-defined]
    assert not (folder / "cooperative.parquet").exists()


def test_business_case_gain_is_the_members_own_terms(runs: tuple[object, object]) -> None:
    """Outside, a member pays the import price, gets no premium and pays no fee: gain = those."""
    case = business_case(load_scenario(COOP))
    members = runs[0].view("cooperative_members").set_index("firm")  # type: ignore[attr-defined]
    table = case.table.set_index("firm")
    for firm, row in members.iterrows():
        own = row["savings_eur"] + row["premium_eur"] - row["fees_eur"]
        assert table.loc[firm, "gain_eur"] == pytest.approx(own)
    assert case.better_off == 3
    assert case.flat_subsidy_eur_per_member == 0.0


def test_subsidies_that_leave_no_member_worse_off() -> None:
    """Gains 100, -30, -50 EUR: one better off; 50 EUR each, or 80 EUR targeted."""
    table = pd.DataFrame({"firm": ["a", "b", "c"], "gain_eur": [100.0, -30.0, -50.0]}).assign(
        better_off=lambda t: t["gain_eur"] > 0
    )
    case = BusinessCase("x", [0], table)
    assert (case.better_off, case.flat_subsidy_eur_per_member) == (1, 50.0)
    assert case.targeted_subsidy_eur == 80.0


def test_outside_removes_the_member_only() -> None:
    """The other members stay; a non-member is a usage error."""
    scn = load_scenario(COOP)
    assert outside(scn, "dairy").cooperative.members == ["dairy_b", "greenhouse"]
    with pytest.raises(UsageError, match="not a member"):
        outside(scn, "town")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("members: [dairy, dairy_b, greenhouse]", "members: [dairy, barn, greenhouse]",
         "cooperative.members.1", "unknown firm 'barn'"),
        ("buyers: [town, export]", "buyers: [town, dairy]", "cooperative.buyers.1",
         "is a member"),
        ("- {from_volume: 15 t, discount: 0.08}", "- {from_volume: 5 t, discount: 0.08}",
         "cooperative.purchases.feed.tiers.1.from_volume", "increasing volume"),
        ("    vegetables: {premium: 0.15}",
         "    vegetables: {premium: 0.15}\n    heat: {premium: 0}",
         "cooperative.sales.heat", "has no mass"),
        ("subsidy: {eur_per_day: 100 EUR/d, start_day: 0, end_day: 15}",
         "subsidy: {eur_per_day: 100 EUR/d, start_day: 20, end_day: 15}",
         "cooperative.costs.subsidy.end_day", "not after start_day"),
    ],
)  # fmt: skip
def test_bad_cooperative_is_one_line_at_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str, words: str
) -> None:
    """Each mistake names the file, the line, the field and what is accepted; exit code 2."""
    shutil.copy(REPO / "scenarios" / "tiny.yaml", tmp_path / "tiny.yaml")
    text = COOP.read_text()
    assert text.count(old) == 1
    path = tmp_path / "coop.yaml"
    path.write_text(text.replace(old, new))
    line = next(
        i for i, t in enumerate(path.read_text().splitlines(), 1) if new.split("\n")[-1] in t
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.field) == (line, field)
    assert words in info.value.problem
    assert main(["business-case", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mfcsim: error: {path}:{line}: {field}: ")
    assert err.count("\n") == 1


def test_business_case_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command writes its folder and table; a scenario without a cooperative exits 2."""
    assert main(["business-case", str(REPO / "scenarios" / "tiny.yaml"), "--quiet"]) == 2
    assert "no 'cooperative:' section" in capsys.readouterr().err
    out = tmp_path / "case"
    assert main(["business-case", str(COOP), "--days", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "members better off" in printed
    table = pd.read_parquet(out / "business_case.parquet")
    assert table["firm"].tolist() == ["dairy", "dairy_b", "greenhouse"]
    assert not math.isnan(float(table["gain_eur"].iloc[0]))


def test_agent_fees_by_tonne_count_both_sides() -> None:
    """a sends 6 t to b, b 4 t to c: 10 t matched; a 6, b 10, c 4 t; 100 + 1 EUR/t × 10."""
    from mfcsim.indicators.cooperative import agent_fees
    from mfcsim.scenario.cooperative import AgentCostSpec

    ships = pd.DataFrame({"supplier": ["a", "b"], "receiver": ["b", "c"], "mass_t": [6.0, 4.0]})
    costs = AgentCostSpec(staff_eur_per_day=10.0, handling_eur_per_t=1.0, fee="per_tonne")
    done = agent_fees(costs, ships, ["a", "b", "c"], (0.0, 10.0))
    assert (done.matched_t, done.operating_cost_eur, done.subsidy_eur) == (10.0, 110.0, 0.0)
    # 110 EUR over 20 tonne-sides: 5.5 EUR each
    assert done.fees.tolist() == pytest.approx([33.0, 55.0, 22.0])
    equal = agent_fees(costs.model_copy(update={"fee": "per_member"}), ships, ["a", "c"], (0, 10))
    assert equal.fees.tolist() == pytest.approx([55.0, 55.0])


def test_agent_fees_of_the_example_are_in_value_added(runs: tuple[object, object]) -> None:
    """The agent's cost 80 EUR/d × 30 d + 1 EUR/t × its shipments, shared by tonne."""
    with_coop, without = runs
    ships = with_coop.extra["shipments"]  # type: ignore[attr-defined]
    matched = float(ships.loc[ships["origin"] == "agent", "quantity"].sum())  # all in t
    fees = _all(with_coop, "agent_fees_eur")
    assert fees["cluster"] == pytest.approx(80.0 * 30 + matched)
    assert "firm:town" not in fees  # households pay none
    # the scenario without the cooperative still has the agent's fees: the same in both
    assert _all(without, "agent_fees_eur")["cluster"] == pytest.approx(fees["cluster"])


def test_agent_fees_are_intermediate_consumption(runs: tuple[object, object]) -> None:
    """Without agent_costs each payer's value added is higher by exactly its fee."""
    plain = run_scenario(load_scenario(COOP).model_copy(update={"agent_costs": None}))
    va, va0 = _all(runs[0], "value_added_eur"), _all(plain, "value_added_eur")
    fees = _all(runs[0], "agent_fees_eur")
    assert fees["firm:digester"] > 0
    for scope, fee in fees.items():
        assert va0[scope] - va[scope] == pytest.approx(fee)
    assert _all(plain, "agent_fees_eur").empty


def test_declared_only_indicators_are_reported_with_a_cooperative(
    runs: tuple[object, object],
) -> None:
    """Every indicator of this module is in the cooperative run; none in a plain tiny run."""
    from mfcsim.indicators import INDICATORS
    from mfcsim.indicators.cooperative import DECLARED_ONLY

    assert set(INDICATORS) >= DECLARED_ONLY
    assert set(runs[0].indicators["indicator"]) >= DECLARED_ONLY  # type: ignore[attr-defined]
    plain = run_scenario(REPO / "scenarios" / "tiny.yaml", days=3)
    assert not DECLARED_ONLY & set(plain.indicators["indicator"])


def test_resolved_yaml_leaves_out_absent_sections_and_reads_back(
    tmp_path: Path, runs: tuple[object, object]
) -> None:
    """Without a cooperative the resolved scenario is the text it was before the section
    existed; with one, the run folder reads back with the same cooperative."""
    from mfcsim.results import Results, resolved_yaml

    text = resolved_yaml(load_scenario(REPO / "scenarios" / "tiny.yaml"))
    assert "cooperative:" not in text
    assert "agent_costs:" not in text
    folder = runs[0].write(tmp_path / "coop")  # type: ignore[attr-defined]
    back = Results.read(folder).scenario
    assert back.cooperative == load_scenario(COOP).cooperative
    assert back.agent_costs is not None
