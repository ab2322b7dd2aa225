"""Daily import and export limits, and import prices from a series, on both paths."""

import pytest

from mfcsim.errors import ScenarioError
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import assert_same_on_both_paths

SCENARIO = """\
name: limits
horizon: 3 d
start_date: 2026-01-01
materials:
  grain: {{unit: t, kind: product, price: 100}}
  food: {{unit: t, kind: product, price: 300}}
  eaten: {{unit: t, kind: environmental, sink: consumption}}
  growth: {{unit: t, kind: environmental}}
firms:
  mill_a:
    type: generic
    location: {{x_km: 0, y_km: 0}}
    processes: {{mill: {{capacity: 6, inputs: {{grain: 1}}, to_environment: {{eaten: 1}}}}}}
    buyer: true
  mill_b:
    type: generic
    location: {{x_km: 5, y_km: 0}}
    processes: {{mill: {{capacity: 6, inputs: {{grain: 1}}, to_environment: {{eaten: 1}}}}}}
    buyer: true
  farm:
    type: generic
    location: {{x_km: 9, y_km: 0}}
    processes: {{grow: {{capacity: 10, from_environment: {{growth: 1}}, outputs: {{food: 1}}}}}}
boundary:
  imports: {{grain: {imports}}}
  exports: {{food: {exports}}}
"""


def _results(tmp_path, imports="{}", exports="{}"):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(imports=imports, exports=exports))
    return assert_same_on_both_paths(load_scenario(path))  # bit for bit, mass balanced


def _by_day(results, kind, material, firm=None):
    flows = results.flows
    rows = flows[(flows["kind"] == kind) & (flows["material"] == material)]
    column = "target" if kind == "import" else "source"
    if firm is not None:
        rows = rows[rows[column] == firm]
    return rows.groupby("t_day")["quantity"].sum().reindex(range(3), fill_value=0.0).tolist()


def test_import_limit_serves_firms_in_scenario_order(tmp_path):
    """10 t/d for two mills wanting 6 each: mill_a (first) gets 6, mill_b the other 4."""
    results = _results(tmp_path, imports="{limit: 10 t/d}")
    assert _by_day(results, "import", "grain", "mill_a") == [6, 6, 6]
    assert _by_day(results, "import", "grain", "mill_b") == [4, 4, 4]
    service = results.extra["service"]
    short = service[service["material"] == "grain"].groupby("buyer")["shortfall"].sum()
    assert short.to_dict() == pytest.approx({"mill_a": 0.0, "mill_b": 6.0})


def test_export_limit_keeps_the_rest_in_stock(tmp_path):
    """The farm makes 10 t/d of food; 4 t/d may leave, 6 t/d stay in its stock."""
    results = _results(tmp_path, exports="{limit: 4 t/d}")
    assert _by_day(results, "export", "food") == [4, 4, 4]
    stocks = results.stocks
    last = stocks[(stocks["node"] == "farm") & (stocks["material"] == "food")]
    assert float(last.sort_values("t_day")["quantity"].iloc[-1]) == pytest.approx(18.0)


def test_import_price_and_limit_follow_their_series(tmp_path):
    """Daily series: price 100, 200, 50 EUR/t; limit 12, 3, 0 t/d."""
    (tmp_path / "p.csv").write_text(
        "date,price,limit\n2026-01-01,100,12\n2026-01-02,200,3\n2026-01-03,50,0\n"
    )
    imports = (
        "{price: {series: {file: p.csv, column: price, unit: EUR/t}}, "
        "limit: {series: {file: p.csv, column: limit, unit: t/d}}}"
    )
    results = _results(tmp_path, imports=imports)
    assert _by_day(results, "import", "grain") == [12, 3, 0]
    flows = results.flows
    rows = flows[flows["kind"] == "import"]
    assert rows.groupby("t_day")["value_eur"].sum().tolist() == [1200, 600]


def test_a_limit_with_a_wrong_unit_names_the_line(tmp_path):
    """'10 t' is an amount, not a rate: refused at the limit's line."""
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(imports="{limit: 10 t}", exports="{}"))
    with pytest.raises(ScenarioError, match=r"s.yaml:25: boundary.imports.grain.limit: .*t/day"):
        load_scenario(path)


def test_daily_demand_follows_its_series_on_both_paths(tmp_path):
    """A series of orders in t/week by date: 7, 0, 14 t/week are orders of 1, 0, 2 t a day.

    The shop keeps what it bought (nothing uses it), so on the third day it holds 1 t and
    imports the other 1 t of its 2 t order.
    """
    (tmp_path / "d.csv").write_text("date,orders\n2026-01-01,7\n2026-01-02,0\n2026-01-03,14\n")
    text = SCENARIO.format(imports="{}", exports="{}").replace(
        "  farm:\n",
        "  shop:\n    type: generic\n    location: {x_km: 2, y_km: 2}\n    buyer: true\n"
        "    demand: {grain: {series: {file: d.csv, column: orders, unit: t/week}}}\n  farm:\n",
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    results = assert_same_on_both_paths(load_scenario(path))
    service = results.extra["service"]
    orders = service[service["buyer"] == "shop"].set_index("t_day")["ordered"]
    assert orders.to_dict() == pytest.approx({0.0: 1.0, 2.0: 2.0})  # no order on day 1
    assert _by_day(results, "import", "grain", "shop") == pytest.approx([1, 0, 1])
