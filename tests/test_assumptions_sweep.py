"""A sweep over exactly a scenario's assumptions (``mfcsim generate assumptions-sweep``).

The numbers a scenario's files mark as assumptions (its provenance) that can change alone
become the factors of a Morris or Sobol sample, each ± a share of its value; every variant
of the sample is a valid scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mfcsim.cli.entry import main
from mfcsim.errors import UsageError
from mfcsim.scenario.load import load_scenario
from mfcsim.sweep.assumptions import TIED, assumptions_sweep, value_at, varied_assumptions
from mfcsim.sweep.sampling import bases_of, design_of, read_sweep_file

REPO = Path(__file__).resolve().parents[1]
KALUNDBORG = REPO / "scenarios" / "kalundborg.yaml"


def test_the_factors_are_the_assumptions_that_can_vary_alone() -> None:
    scenario = load_scenario(KALUNDBORG)
    factors = varied_assumptions(scenario, 0.2)
    assert len(factors) > 10
    for path, (low, high) in factors.items():
        assert scenario.provenance[path].status == "assumption"
        assert not TIED & set(path.split("."))
        value = value_at(scenario, path)
        assert low == pytest.approx(min(value * 0.8, value * 1.2))
        assert high == pytest.approx(max(value * 0.8, value * 1.2))
    assert "materials.coal.price" in factors  # an assumed price
    assert not any(".outputs." in p for p in factors)  # recipe coefficients stay tied
    cited = [p for p, prov in scenario.provenance.items() if prov.status == "cited"]
    assert not set(cited) & set(factors)


def test_every_variant_of_the_written_sample_is_a_valid_scenario(tmp_path: Path) -> None:
    out = tmp_path / "sweeps" / "kalundborg-assumptions.yaml"
    out.parent.mkdir()
    assert main(["generate", "assumptions-sweep", str(KALUNDBORG), "--n", "2", "--days", "5",
                 "-o", str(out)]) == 0  # fmt: skip
    text = out.read_text()
    assert text.startswith("# The assumptions of scenario 'kalundborg'")
    sweep = read_sweep_file(out)
    design = design_of(sweep)
    assert design.kind == "morris"
    assert len(design.variants) == 2 * (len(design.paths) + 1)
    base = bases_of(sweep, out, list(sweep.overrides), sweep.days)
    for params in design.variants[:3]:
        scenario = base.scenario(params)
        assert scenario.horizon_day == 5
        path, value = params[0]
        assert value_at(scenario, path) == pytest.approx(value)


def test_a_scenario_without_assumptions_or_a_bad_spread_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tiny = REPO / "scenarios" / "tiny.yaml"
    assert main(["generate", "assumptions-sweep", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no number marked as an assumption can vary alone" in err
    with pytest.raises(UsageError, match=r"--spread 1\.5 \(accepted: a share between 0 and 1"):
        assumptions_sweep(KALUNDBORG, load_scenario(KALUNDBORG), REPO / "x.yaml", spread=1.5)


def test_every_variant_of_the_default_scenarios_assumptions_is_valid(tmp_path: Path) -> None:
    """Firm types' params are left out (a type may tie them: yields that sum to at most 1),
    so no variant of the default scenario's 125 assumptions is refused at load."""
    out = tmp_path / "default-assumptions.yaml"
    scenario = load_scenario(REPO / "scenarios" / "default.yaml")
    from mfcsim.sweep.assumptions import sweep_yaml

    content = assumptions_sweep(REPO / "scenarios" / "default.yaml", scenario, out, n=2, days=5)
    out.write_text(sweep_yaml(content, scenario, 0.2))
    sweep = read_sweep_file(out)
    design = design_of(sweep)
    assert not any(".params." in p for p in design.paths)
    base = bases_of(sweep, out, list(sweep.overrides), sweep.days)
    for params in design.variants:
        base.scenario(params)  # raises ScenarioError if a variant is no valid scenario
