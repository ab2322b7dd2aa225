"""CSV series driving a process capacity: interpolation by hand, a yearly case, and errors."""

import hashlib
from pathlib import Path

import pytest

from mfcsim.errors import ScenarioError
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import assert_same_on_both_paths, run_scenario

ODYM = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "published"
    / ("mfa_odym_tutorial1_recycling_loop.csv")
)
FIELD = "firms.farm.processes.grow.capacity"

SCENARIO = """\
name: series
horizon: {days} d
start_date: {start}
materials:
  crop: {{unit: t, kind: product, price: 100}}
  growth: {{unit: t, kind: environmental}}
firms:
  farm:
    type: generic
    location: {{x_km: 0, y_km: 0}}
    processes:
      grow:
        {field}: {{series: {series}}}
        from_environment: {{growth: 1}}
        outputs: {{crop: 1}}
boundary:
  exports: {{crop: {{}}}}
"""


def _write(tmp_path, csv_text, series, *, days=59, start="2026-01-01", field="capacity"):
    (tmp_path / "x.csv").write_text(csv_text)
    text = SCENARIO.format(days=days, start=start, series=series, field=field)
    if field == "capacity_factor":
        text = text.replace(
            "        from_environment", "        capacity: 4\n        from_environment"
        )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


MONTHLY = "month,v\n2026-01,31\n2026-02,62\n2026-03,0\n"


def test_step_holds_each_month_value_for_the_whole_month(tmp_path):
    """Step: January's 31 on all 31 days of January, February's 62 on its 28 days."""
    path = _write(tmp_path, MONTHLY, "{file: x.csv, column: v, interpolation: step}")
    scenario = load_scenario(path)
    assert scenario.series[FIELD].values == (31.0,) * 31 + (62.0,) * 28
    assert scenario.firms["farm"].processes["grow"].capacity == 62.0  # the peak
    produced = _production_by_day(run_scenario(scenario))
    assert produced[:31] == pytest.approx([31.0] * 31, rel=1e-12)
    assert produced[31:] == pytest.approx([62.0] * 28, rel=1e-12)


def test_linear_goes_from_each_first_of_the_month_to_the_next(tmp_path):
    """Linear: 31 on 1 January rising by 1 a day to 62 on 1 February, then down to 0 on 1 March."""
    path = _write(tmp_path, MONTHLY, "{file: x.csv, column: v, interpolation: linear}")
    values = load_scenario(path).series[FIELD].values
    assert values[:31] == pytest.approx([31.0 + d for d in range(31)])
    assert values[31:] == pytest.approx([62.0 - 62.0 * d / 28 for d in range(28)])


def test_a_yearly_series_reproduces_a_hand_computed_year_of_flows(tmp_path):
    """ODYM tutorial 1 inflow D (t/yr), 2005 and 2006: each year's production and exports.

    D(2005) = 25, D(2006) = 26 t/yr (data/published row 2005, 2006); a year of units is
    365.25 days, so 365 days produce and export D x 365 / 365.25 t.
    """
    (tmp_path / "odym.csv").write_bytes(ODYM.read_bytes())
    path = _write(
        tmp_path,
        "",
        "{file: odym.csv, column: D_inflow, interpolation: step, unit: t/yr}",
        days=730,
        start="2005-01-01",
    )
    results = assert_same_on_both_paths(load_scenario(path))  # both paths, mass balance
    flows = results.flows
    for kind in ("production", "export"):
        rows = flows[(flows["kind"] == kind) & (flows["material"] == "crop")]
        by_year = rows.groupby(rows["t_day"] // 365)["quantity"].sum()
        assert by_year.tolist() == pytest.approx([25 * 365 / 365.25, 26 * 365 / 365.25])
    recorded = results.manifest["series"][FIELD]
    assert recorded["sha256"] == hashlib.sha256(ODYM.read_bytes()).hexdigest()
    assert recorded["file"] == "odym.csv"


def test_a_capacity_factor_series_scales_the_capacity_day_by_day(tmp_path):
    """capacity 4 x daily factors 0.5, 1, 0.25: production 2, 4, 1."""
    csv_text = "date,f\n2026-01-01,0.5\n2026-01-02,1\n2026-01-03,0.25\n"
    path = _write(tmp_path, csv_text, "{file: x.csv, column: f}", days=3, field="capacity_factor")
    assert _production_by_day(run_scenario(load_scenario(path))) == pytest.approx([2, 4, 1])


def _production_by_day(results):
    flows = results.flows
    rows = flows[(flows["kind"] == "production") & (flows["material"] == "crop")]
    return rows.groupby("t_day")["quantity"].sum().tolist()


@pytest.mark.parametrize(
    ("csv_text", "series", "where", "says"),
    [
        ("month,v\n2026-01,1\n2026-03,2\n", "{file: x.csv, column: v}", "x.csv:3", "gap"),
        ("month,v\n2026-01,1\n2026-02,inf\n", "{file: x.csv, column: v}", "x.csv:3", "finite"),
        ("month,v\n2026-01,1\n2026-02,x\n", "{file: x.csv, column: v}", "x.csv:3", "finite"),
        ("month,v\n2026-02,1\n2026-03,2\n", "{file: x.csv, column: v}", "x.csv", "cover"),
        ("month,v\n2026-01,1\n", "{file: x.csv, column: v}", "x.csv", "cover"),
        (MONTHLY, "{file: x.csv, column: w}", "x.csv:1", "accepted: v"),
        (MONTHLY, "{file: x.csv, column: v, unit: kg}", "unit", "rate"),
        (MONTHLY, "{file: x.csv, column: v, interpolation: cubic}", "interpolation", "linear"),
        (MONTHLY, "{file: y.csv, column: v}", "y.csv", "cannot read"),
        ("week,v\n1,1\n", "{file: x.csv, column: v}", "x.csv:1", "date, month, year"),
    ],
)
def test_bad_series_names_the_scenario_line_and_the_csv_row(
    tmp_path, csv_text, series, where, says
):
    """One error: the scenario's file:line and field, the CSV file (and row), what is accepted."""
    path = _write(tmp_path, csv_text, series)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:13: {FIELD}.series")
    assert where in message
    assert says in message
    assert "\n" not in message


def test_a_capacity_factor_must_be_a_series(tmp_path):
    """A plain number as capacity factor is refused at its line."""
    path = _write(tmp_path, MONTHLY, "{file: x.csv, column: v}")
    path.write_text(
        path.read_text().replace(
            "capacity: {series: {file: x.csv, column: v}}",
            "capacity: 3\n        capacity_factor: 0.5",
        )
    )
    with pytest.raises(
        ScenarioError, match=r"s.yaml:14: .*capacity_factor: a capacity factor is a series"
    ):
        load_scenario(path)


def test_a_folder_or_a_pipe_is_not_read_as_a_series(tmp_path):
    """A series file must be a regular file: a folder is refused at once, and so is a FIFO."""
    import os

    (tmp_path / "d.csv").mkdir()
    os.mkfifo(tmp_path / "p.csv")
    for name in ("d.csv", "p.csv"):
        path = _write(tmp_path, MONTHLY, f"{{file: {name}, column: v}}")
        with pytest.raises(ScenarioError, match="not a regular file"):
            load_scenario(path)
