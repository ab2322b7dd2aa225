"""Map, time series, scorecard, colours and the difference Sankey, on a real tiny run."""

from __future__ import annotations

import pandas as pd
import pytest

from mfcsim import runfiles
from mfcsim.viz import panels
from mfcsim.viz.colors import DECREASE, INCREASE, color_of, with_alpha
from mfcsim.viz.network_map import firm_positions, network_edges
from mfcsim.viz.rundata import RunData
from mfcsim.viz.scorecard import comparison_table, scorecard_table
from mfcsim.viz.timeseries import disruption_bands, stock_series
from tests.viz_fixtures import runs_dir  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def tiny(runs_dir) -> RunData:  # noqa: F811
    return runfiles.read_run(runs_dir / "tiny")


@pytest.fixture(scope="module")
def baseline(runs_dir) -> RunData:  # noqa: F811
    return runfiles.read_run(runs_dir / "tiny-none")


def test_colours_are_stable_per_name_across_figures(tiny: RunData) -> None:
    """A material has one colour in the Sankey and in the stock lines, whatever else is drawn."""
    assert color_of("digestate") == color_of("digestate") != color_of("cattle_manure")
    sankey = panels.sankey_panel(tiny, panels.Choice(step="run")).figure.data[0]
    for material, color in zip(sankey.link.customdata, sankey.link.color, strict=True):
        if material:
            assert color == with_alpha(color_of(material), 0.45)
    stocks = panels.series_panels(tiny, panels.Choice())[0].figure
    for line in stocks.data:
        assert line.line.color == color_of(line.name.split(" · ")[1])


def test_every_axis_has_a_unit(tiny: RunData) -> None:
    """Time series and the map name their axes with a unit in brackets."""
    figures = [p.figure for p in panels.series_panels(tiny, panels.Choice())]
    figures.append(panels.map_panel(tiny).figure)
    for fig in figures:
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert axis.title.text
            assert "(" in axis.title.text or axis.title.text == "day"


def test_map_places_firms_and_sizes_edges_by_tonnes(tiny: RunData) -> None:
    """Firms stand at their x/y km; pipelines are dashed; hover carries the firm's totals."""
    pos = firm_positions(tiny).set_index("node")
    assert pos.loc["dairy", ["x_km", "y_km"]].tolist() == [0.0, 0.0]
    assert pos.loc["chp", ["x_km", "y_km"]].tolist() == [8.2, 3.0]
    edges = network_edges(tiny)
    assert edges["pipeline"].any()
    assert (~edges["pipeline"]).any()
    fig = panels.map_panel(tiny).figure
    lines = [t for t in fig.data if t.mode == "lines"]
    assert {t.line.dash for t in lines} == {"dash", "solid"}
    widest = max(lines, key=lambda t: t.line.width)
    heaviest = edges.loc[edges["tonnes"].idxmax()]
    ends = {tuple(pos.loc[heaviest["source"], ["x_km", "y_km"]]),
            tuple(pos.loc[heaviest["target"], ["x_km", "y_km"]])}  # fmt: skip
    points = {p for p in zip(widest.x, widest.y, strict=True) if p == p}  # not the gaps
    assert ends <= points
    assert "received" in fig.data[-1].hovertemplate


def test_disruptions_become_bands(tiny: RunData) -> None:
    """The outage from day 10 for 5 days is one band, drawn on every time series."""
    bands = disruption_bands(tiny.events, tiny.horizon_day)
    assert bands[["start", "end"]].values.tolist() == [[10.0, 15.0]]
    fill = panels.series_panels(tiny, panels.Choice())[2].figure
    assert [(s.x0, s.x1) for s in fill.layout.shapes] == [(10.0, 15.0)]


def test_scorecard_shows_any_indicator_and_period(tiny: RunData) -> None:
    """A new indicator or period in the long frame appears without a change in the code."""
    extra = pd.DataFrame([{"indicator": "use_fill_brand_new", "scope": "cluster",
                           "period": "pilot", "value": 0.5, "unit": "share"}])  # fmt: skip
    frame = pd.concat([tiny.indicators, extra], ignore_index=True)
    table = scorecard_table(frame, tiny.pillars)
    row = table[table["indicator"] == "use_fill_brand_new"].iloc[0]
    assert (row["pillar"], row["unit"], row["pilot"]) == ("other", "share", 0.5)
    assert list(table["pillar"].drop_duplicates()) == ["people", "planet", "profit", "other"]
    assert {"all", "start", "mid", "end", "pilot"} <= set(table.columns)


def test_scorecard_with_baseline_has_differences(tiny: RunData, baseline: RunData) -> None:
    """Each period gets a Δ column: this run − the baseline."""
    table = scorecard_table(tiny.indicators, tiny.pillars, baseline=baseline.indicators)
    key = table.set_index("indicator")
    a = baseline.indicators.query("scope == 'cluster' and period == 'all'")
    a = a.set_index("indicator")["value"]
    name = "transport_tkm"
    assert key.loc[name, "all Δ"] == pytest.approx(key.loc[name, "all"] - a[name])


def test_comparison_table_keeps_the_interval() -> None:
    """A comparison's rows carry A, B, B − A and the 95 % interval, by pillar."""
    table = pd.DataFrame([{"indicator": "fill_rate", "scope": "cluster", "period": "all",
                           "unit": "share", "n": 3, "mean_a": 0.9, "mean_b": 1.0, "diff": 0.1,
                           "sd_diff": 0.01, "ci_low": 0.08, "ci_high": 0.12,
                           "significant": True}])  # fmt: skip
    out = comparison_table(table, {"fill_rate": "people"})
    assert out.iloc[0].to_dict() == {"pillar": "people", "indicator": "fill_rate",
                                     "unit": "share", "period": "all", "n": 3, "A": 0.9,
                                     "B": 1.0, "B − A": 0.1, "95 % CI low": 0.08,
                                     "95 % CI high": 0.12}  # fmt: skip


def test_difference_sankey_colours_by_change(tiny: RunData, baseline: RunData) -> None:
    """Links are |B − A| wide, green where B has more and red where it has less."""
    panel = panels.difference_panel(tiny, baseline, panels.Choice(level="firm", top_n=None))
    diff = panel.data[panel.data["change"] != 0]
    link = panel.figure.data[0].link
    assert list(link.value) == pytest.approx(diff["change"].abs().tolist())
    expected = [with_alpha(INCREASE if c > 0 else DECREASE, 0.55) for c in diff["change"]]
    assert list(link.color) == expected
    assert len(diff) > 0


def test_series_of_a_material_no_firm_stocks_are_empty_not_an_error(tiny: RunData) -> None:
    """Choosing a material no firm holds gives empty series with their columns."""
    out = stock_series(tiny, materials=["no_such_material"])
    assert out.empty
    assert list(out.columns) == ["t_day", "node", "material", "quantity", "unit"]


def test_scorecard_keeps_rows_named_by_a_further_column(tiny: RunData) -> None:
    """A long frame with a ``compared_to`` column keeps its compared rows apart."""
    frame = tiny.indicators.assign(compared_to=None)
    cmp = frame[frame["indicator"] == "transport_tkm"].assign(compared_to="start", value=2.0)
    table = scorecard_table(pd.concat([frame, cmp], ignore_index=True), tiny.pillars)
    rows = table[table["indicator"] == "transport_tkm"]
    assert list(rows["compared_to"]) == ["", "start"]
    assert rows.iloc[1]["all"] == 2.0
    assert len(table) == tiny.indicators.query("scope == 'cluster'")["indicator"].nunique() + 1


def test_fill_shows_order_fill_per_day_and_use_fill_per_period(tiny: RunData) -> None:
    """Daily order fill is the service levels' own figure for that day; use fill, as the
    indicator computes it, is drawn over each evaluation period."""
    from mfcsim.indicators.service_levels import order_fills

    panel = panels.series_panels(tiny, panels.Choice())[2]
    daily = panel.data.dropna(subset=["t_day"])
    day = tiny.service[tiny.service["t_day"].floordiv(1.0) == 12.0]
    got = daily[(daily["t_day"] == 12.0) & (daily["measure"] == "order_fill")]["value"]
    assert got.tolist() == [order_fills(day)[0]]
    names = {t.name for t in panel.figure.data}
    assert {"order_fill", "regional_fill", "use_fill (per period)"} <= names
    use = tiny.indicators.query("indicator == 'use_fill' and scope == 'cluster'")
    use = use.set_index("period")["value"]
    level = next(t for t in panel.figure.data if t.name == "use_fill (per period)")
    start = tiny.periods.set_index("period").loc["start"]
    assert level.x[:2] == (start["start_day"], start["end_day"])
    assert level.y[:2] == (use["start"], use["start"])


def test_daily_fill_per_buyer_only_for_the_largest_buyers() -> None:
    """All buyers every day; per buyer for the largest by quantity ordered."""
    from mfcsim.runfiles import BUYERS_PER_DAY, daily_fill

    n = BUYERS_PER_DAY + 5
    service = pd.DataFrame({"t_day": [0.0, 1.0] * n,
                            "buyer": [f"b{i:02d}" for i in range(n) for _ in (0, 1)],
                            "ordered": [float(i + 1) for i in range(n) for _ in (0, 1)],
                            "delivered": [float(i + 1) for i in range(n) for _ in (0, 1)],
                            "shortfall": [0.0] * 2 * n})  # fmt: skip
    out = daily_fill(service)
    assert set(out.loc[out["buyer"] == "", "t_day"]) == {0.0, 1.0}
    kept = set(out["buyer"]) - {""}
    assert kept == {f"b{i:02d}" for i in range(5, n)}
    assert (out["value"] == 1.0).all()


def test_a_scenarios_own_periods_are_read(tmp_path) -> None:
    """The evaluation periods of the resolved scenario give the fill levels their days."""
    from tests.viz_fixtures import write_tiny

    periods = "evaluation.periods={pilot: {start: 0 d, end: 10 d}, later: {start: 10 d, end: 20 d}}"
    data = runfiles.read_run(write_tiny(tmp_path / "run", periods, days=20))
    assert data.periods.values.tolist() == [["all", 0.0, 20.0], ["pilot", 0.0, 10.0],
                                            ["later", 10.0, 20.0]]  # fmt: skip
