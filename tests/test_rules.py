"""The cluster's own rules (``rules:``): what the bound firms used of forbidden materials."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mfcsim.cli import main
from mfcsim.errors import ScenarioError
from mfcsim.indicators.rules import breach_lines
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import run_scenario

CASE = Path(__file__).parent / "data" / "rule_case.yaml"


def _values(frame, name: str = "rule_breach_t") -> dict[str, float]:
    rows = frame[(frame["indicator"] == name) & (frame["period"] == "all")]
    return dict(zip(rows["scope"], rows["value"], strict=True))


def test_breach_is_what_the_bound_firm_used_and_nothing_of_the_others() -> None:
    """farm uses 0.1 t a day for 5 days: 0.5 t; other (1.0 t) is not bound by the rule."""
    values = _values(run_scenario(yaml.safe_load(CASE.read_text())).indicators)
    assert values == pytest.approx(
        {"cluster": 0.5, "rule:no_fert": 0.5, "firm:farm": 0.5, "material:fert": 0.5}
    )


def test_a_rule_naming_no_firms_binds_every_firm() -> None:
    """Without ``firms`` both farms are bound: 0.5 + 1.0 t."""
    data = yaml.safe_load(CASE.read_text())
    del data["rules"]["no_fert"]["firms"]
    values = _values(run_scenario(data).indicators)
    assert values["rule:no_fert"] == pytest.approx(1.5)
    assert values["firm:other"] == pytest.approx(1.0)


def test_a_rule_that_holds_reports_zero_and_no_rules_no_rows() -> None:
    """A rule on a material nobody uses reads 0; a scenario without rules has no such rows."""
    data = yaml.safe_load(CASE.read_text())
    data["rules"]["no_fert"]["forbid"] = ["wheat"]
    assert _values(run_scenario(data).indicators) == {"cluster": 0.0, "rule:no_fert": 0.0}
    del data["rules"]
    assert _values(run_scenario(data).indicators) == {}


def test_the_cli_warns_of_a_broken_rule_even_when_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One warning line per broken rule on stderr; the run itself succeeds."""
    out = tmp_path / "run"
    assert main(["run", str(CASE), "--out", str(out), "--quiet", "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "rule no_fert broken: 0.5 t of forbidden materials used" in err
    assert err.count("rule ") == 1


def test_breach_lines_leave_out_rules_that_held() -> None:
    """Only rules with a breach above zero give a line."""
    data = yaml.safe_load(CASE.read_text())
    data["rules"]["held"] = {"forbid": ["wheat"], "source": "x"}
    lines = breach_lines(run_scenario(data).indicators)
    assert lines == [
        "rule no_fert broken: 0.5 t of forbidden materials used (rule_breach_t, per firm and "
        "material in indicators.parquet)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("forbid: [fert]", "forbid: [nitrate]", "rules.no_fert.forbid.0", "unknown material"),
        ("firms: [farm]", "firms: [farm, barn]", "rules.no_fert.firms.1", "unknown firm"),
        ("firms: [farm]", "firms: [farm, farm]", "rules.no_fert.firms.1", "named twice"),
        ("forbid: [fert]", "forbid: []", "rules.no_fert.forbid", "at least 1"),
        ('source: "a test rule"', "description: x", "rules.no_fert.source", "required"),
    ],
)
def test_bad_rules_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str,
    words: str,
) -> None:  # fmt: skip
    """A bad rule names file, line, field and what is accepted; the CLI exits 2."""
    text = CASE.read_text()
    assert text.count(old) == 1
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == field
    assert words in info.value.problem
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mfcsim: error: {path}:{info.value.line}: {field}: ")
    assert err.count("\n") == 1
