"""Issue 17 part A: registries by name for policies and indicators, plug-ins by entry point,
`mfcsim list`, firm-type parameters checked where the file wrote them, the testing helpers and
the manifest's provenance."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import mfcsim.agent.policies as policies
import mfcsim.engine.provenance as provenance
import mfcsim.indicators.registry as indicators
from mfcsim.agent.clearing import ALLOCATORS, ProblemArrays, allocate_greedy
from mfcsim.agent.lp import Allocation, no_allocation
from mfcsim.cli import main
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import RegistryError, ScenarioError
from mfcsim.plugins import installed_plugins
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.testing import (
    ScenarioBuilder,
    assert_deterministic,
    ledger_digest,
    run_scenario,
    tiny_scenario,
)

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny.yaml"


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever a test registers is gone afterwards; plug-ins are looked for anew."""
    allocators, known = dict(ALLOCATORS), dict(indicators.INDICATORS)
    monkeypatch.setattr(policies.POLICIES, "plugins_loaded", False)
    monkeypatch.setattr(indicators.PLUGINS, "plugins_loaded", False)
    modules = set(sys.modules)
    yield
    ALLOCATORS.clear()
    ALLOCATORS.update(allocators)
    indicators.INDICATORS.clear()
    indicators.INDICATORS.update(known)
    for name in set(sys.modules) - modules:
        if name.startswith("plugdemo"):
            del sys.modules[name]


def tiny(days: int = 6, **agent: Any) -> dict[str, Any]:
    data = yaml.safe_load(TINY.read_text())
    data["horizon"] = f"{days} d"
    data["agent"] = {**data.get("agent", {}), **agent}
    return data


def exchange(policy: str, days: int = 6) -> dict[str, Any]:
    """A farm's manure feeds a composter 5 km away with no contract: only the agent ships it."""
    return (
        ScenarioBuilder("exchange", days=days)
        .material("feed", kind="raw_material", price="300 EUR/t")
        .material("milk", price="400 EUR/t")
        .material("manure", kind="residue")
        .material("compost", price="50 EUR/t")
        .firm("farm", processes={"keep": {"capacity": "10 / d", "inputs": {"feed": "1 t"},
                                          "outputs": {"milk": "0.4 t", "manure": "0.6 t"}}})
        .firm("composter", x_km=5.0, processes={"compost": {
            "capacity": "10 / d", "inputs": {"manure": "1 t"}, "outputs": {"compost": "1 t"}}})
        .imports("feed")
        .set(agent={"policy": policy})
        .build()
    )  # fmt: skip


def test_the_exchange_scenario_needs_the_agent() -> None:
    shipped = run_scenario(exchange("greedy")).flows["kind"].astype(str).eq("shipment")
    assert shipped.any()
    assert not run_scenario(exchange("none")).flows["kind"].astype(str).eq("shipment").any()


# ---- 1. registries -------------------------------------------------------------------------
def test_a_registered_policy_is_accepted_by_scenarios_and_used_by_the_agent(
    registries: None,
) -> None:
    calls: list[int] = []

    @policies.policy("counting_greedy")
    def counting_greedy(p: ProblemArrays) -> Allocation:
        """Greedy, counting the days it is asked."""
        calls.append(len(p.arc_offer))
        return allocate_greedy(p)

    ours = run_scenario(exchange("counting_greedy"))
    assert len(calls) == 5  # every day with a tomorrow
    assert ledger_digest(ours) == ledger_digest(run_scenario(exchange("greedy")))
    assert ledger_digest(ours) != ledger_digest(run_scenario(exchange("none")))


def test_policy_names_are_unique_and_unknown_ones_list_the_known(registries: None) -> None:
    with pytest.raises(RegistryError, match=r"'greedy' is already taken by mfcsim\.agent"):
        policies.register_policy("greedy", lambda p: no_allocation())
    known = r"unknown policy 'nope' \(accepted: augment, greedy, none"
    with pytest.raises(RegistryError, match=known):
        policies.resolve_policy("nope")


def test_an_unknown_policy_in_a_file_is_a_one_line_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TINY.read_text() + "agent: {policy: cheapest}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.field, info.value.line) == ("agent.policy", text.count("\n"))
    known = "unknown policy 'cheapest' (accepted: augment, greedy, none, optimal)"
    assert known in info.value.problem
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "agent.policy: unknown policy 'cheapest'" in err


def test_the_schema_lists_the_registered_policies(
    registries: None, capsys: pytest.CaptureFixture[str]
) -> None:
    policies.register_policy("schema_demo", allocate_greedy)
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    policy = schema["$defs"]["AgentSpec"]["properties"]["policy"]
    assert policy["enum"] == ["augment", "greedy", "none", "optimal", "schema_demo"]
    assert policy["default"] == "none"


def test_indicator_names_are_unique() -> None:
    with pytest.raises(RegistryError, match=r"'exports_t' is already taken by mfcsim\.indicators"):
        indicators.indicator("exports_t", unit="t", pillar="planet", definition="again")


POLICY_PLUGIN = '''
from mfcsim.agent.clearing import allocate_greedy


def allocate_plugged(p):
    """Greedy, from a plug-in."""
    return allocate_greedy(p)
'''

INDICATOR_PLUGIN = """
from mfcsim.indicators import indicator


@indicator("plugged_firms", unit="count", pillar="people", definition="Firms, from a plug-in.")
def plugged_firms(window):
    return 5.0
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registries: None) -> Path:
    """An installed distribution ``plugdemo`` 1.2 with a policy and an indicator."""
    site = tmp_path / "site"
    info = site / "plugdemo-1.2.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugdemo\nVersion: 1.2\n")
    (info / "entry_points.txt").write_text(
        "[mfcsim.policies]\nplugged = plugdemo_policies:allocate_plugged\n\n"
        "[mfcsim.indicators]\nplugged_firms = plugdemo_indicators:plugged_firms\n"
    )
    (site / "plugdemo_policies.py").write_text(POLICY_PLUGIN)
    (site / "plugdemo_indicators.py").write_text(INDICATOR_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    return site


def test_plug_ins_add_policies_and_indicators_by_entry_point(
    plugin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "plugged" in policies.known_policies()
    results = run_scenario(exchange("plugged"))
    assert ledger_digest(results) == ledger_digest(run_scenario(exchange("greedy")))
    table = results.indicators
    row = table[(table["indicator"] == "plugged_firms") & (table["period"] == "all")]
    assert row["value"].tolist() == [5.0]
    plugins = results.manifest["plugins"]
    assert plugins["plugdemo"] == "1.2"  # beside any installed one (make test: the insect farm)
    assert set(plugins) - {"plugdemo"} <= {"mfcsim-insect-farm"}
    assert main(["list", "policies"]) == 0
    assert "plugged: Greedy, from a plug-in." in capsys.readouterr().out
    assert main(["list", "indicators"]) == 0
    assert "plugged_firms [count] people: Firms, from a plug-in." in capsys.readouterr().out


def test_a_broken_plug_in_is_a_one_line_error(plugin: Path) -> None:
    (plugin / "plugdemo_policies.py").write_text("raise ImportError('no numpy here')\n")
    with pytest.raises(RegistryError, match=r"plug-in 'plugged' .* no numpy here"):
        policies.resolve_policy("plugged")


# ---- 2. mfcsim list ------------------------------------------------------------------------
def test_list_shows_parameters_defaults_and_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "firm-types"]) == 0
    listed = capsys.readouterr().out
    assert "    capacity_t_per_day: t of substrate per day (required)\n" in listed
    assert "    ch4_share: methane share of the biogas (C1: about 60 %) (default: 0.6)\n" in listed
    assert main(["types"]) == 0
    assert capsys.readouterr().out == listed
    assert main(["list", "policies"]) == 0
    names = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["augment", "greedy", "none", "optimal"]
    assert main(["list", "indicators"]) == 0
    assert "exports_t [t] planet: " in capsys.readouterr().out


# ---- 3. parameters checked where they were written ------------------------------------------
def digester_with(params: str) -> str:
    old = "substrates: {cattle_manure: 0.8, food_waste: 0.2}"
    text = TINY.read_text()
    assert old in text
    return text.replace(old, params)


@pytest.mark.parametrize(
    ("params", "field", "problem"),
    [
        (
            "substrates: {pig_slurry: 0.8}",
            "firms.digester.params.substrates.pig_slurry",
            "unknown material 'pig_slurry' (accepted: biogas, cattle_manure,",
        ),
        (
            "substrates: {no_such_material: 0.8}",
            "firms.digester.params.substrates.no_such_material",
            "no biogas yield for substrate 'no_such_material'",
        ),
        (
            "substrates: [cattle_manure]",
            "firms.digester.params.substrates",
            "['cattle_manure'] is not a mapping",
        ),
        ("ch4_share: lots", "firms.digester.params.ch4_share", "'lots' is not a number"),
        ("biogas: gas", "firms.digester.params.biogas", "unknown material 'gas'"),
    ],
)
def test_bad_params_are_reported_at_the_parameter(
    params: str, field: str, problem: str, tmp_path: Path
) -> None:
    text = digester_with(params)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = 1 + text.splitlines().index(f"      {params}")
    assert (info.value.field, info.value.line) == (field, line)
    assert problem in info.value.problem


def test_a_default_material_the_file_lacks_is_blamed_on_its_parameter() -> None:
    data = tiny()
    del data["materials"]["digestate"]
    with pytest.raises(ScenarioError, match="unknown material 'digestate'") as info:
        scenario_from_dict(data)
    assert info.value.field == "firms.digester.params.digestate"


def mill(**boundary: Any) -> dict[str, Any]:
    return tiny_scenario(boundary={"imports": {"grain": {}}, **boundary})


def test_energy_disposal_is_needed_only_with_an_energy_material() -> None:
    only_landfill = {"disposal": {"landfill": {}}}
    scenario_from_dict(mill(**only_landfill))  # no material in MWh: no route needed
    data = mill(**only_landfill)
    data["materials"]["heat"] = {"unit": "MWh", "kind": "energy"}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.field == "boundary.energy_disposal"
    assert "'dissipation', needed for the energy material 'heat'" in info.value.problem
    assert "(accepted: landfill)" in info.value.problem


# ---- 4. the testing helpers -----------------------------------------------------------------
def test_the_builder_writes_scenarios_that_run_and_balance() -> None:
    data = (
        ScenarioBuilder("press", days=4)
        .material("apples", kind="raw_material", price="300 EUR/t")
        .material("juice", price="900 EUR/t")
        .material("pomace", kind="residue")
        .firm("press", processes={"press": {"capacity": "5 / d", "inputs": {"apples": "1 t"},
                                            "outputs": {"juice": "0.7 t", "pomace": "0.3 t"}}})
        .imports("apples")
        .build()
    )  # fmt: skip
    results = run_scenario(data)
    assert results.flows["material"].astype(str).eq("juice").any()
    assert tiny_scenario(seed=9)["seed"] == 9
    assert run_scenario(tiny_scenario()).flows["source"].astype(str).eq("mill").any()


def test_assert_deterministic_passes_on_a_seeded_scenario() -> None:
    assert_deterministic(tiny(days=4))


def test_assert_deterministic_fails_when_a_run_remembers_the_last(registries: None) -> None:
    calls: list[int] = []

    @policies.policy("forgetful")
    def forgetful(p: ProblemArrays) -> Allocation:
        """Greedy in the first run, nothing afterwards (state kept across runs)."""
        calls.append(1)
        return allocate_greedy(p) if len(calls) <= 5 else no_allocation()

    with pytest.raises(AssertionError, match="two runs give different ledgers"):
        assert_deterministic(exchange("forgetful"))


def test_assert_deterministic_compares_the_run_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    from mfcsim.results import Results

    written: list[int] = []
    real = Results._write_files

    def write_files(self: Results, folder: Path) -> None:
        real(self, folder)
        written.append(1)
        (folder / "notes.txt").write_text(f"run {len(written)}")

    monkeypatch.setattr(Results, "_write_files", write_files)
    with pytest.raises(AssertionError, match=r"notes\.txt differs between two runs"):
        assert_deterministic(tiny_scenario())


# ---- 5. provenance --------------------------------------------------------------------------
def test_the_manifest_records_commit_plug_ins_and_command_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["run", str(TINY), "--days", "2", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == ["mfcsim", *argv]
    assert manifest["mfcsim_commit"]
    assert manifest["plugins"] == installed_plugins()
    library = Simulation(load_scenario(TINY, days=2)).run()
    assert library.manifest["command"] is None


def test_without_git_the_commit_is_the_installed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_git(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    provenance.source_version.cache_clear()
    try:
        assert provenance.source_version() == "0.1.0"
    finally:
        provenance.source_version.cache_clear()


def test_citation_file_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert (cff["title"], cff["version"], cff["license"]) == (
        "mfcsim",
        project["version"],
        project["license"],
    )
    assert cff["authors"] == [{"name": "mfcsim contributors"}]
