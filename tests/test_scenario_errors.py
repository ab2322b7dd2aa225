"""Bad scenario input is one clear error: file, line, field path, problem and what is accepted.

Each case edits the `mini` scenario in one place and is checked twice: through
`load_scenario` (the ScenarioError's attributes) and through the command line (exit code 2,
one line on stderr, no traceback).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mfcsim.cli import main
from mfcsim.errors import ScenarioError
from mfcsim.scenario.load import load_scenario

WriteYaml = Callable[..., Path]
LineOf = Callable[[str, str], int]


@dataclass(frozen=True)
class Case:
    """One bad edit of the mini scenario and the error it must give."""

    edits: tuple[tuple[str, str], ...]  # (old, new) replacements, each old occurring once
    needle: str  # text on the line the error must point at
    field: str
    words: tuple[str, ...]


MILL_TYPE = "    type: generic\n    location: {x_km: 0, y_km: 0}\n"
BAKERY_LOCATION = "    location: {x_km: 3, y_km: 4}\n"
HEAT = "  bran: {unit: t, kind: residue}\n  heat: {unit: MWh, kind: energy}\n"
WARMTH = "  warmth: {supplier: mill, receiver: bakery, material: heat, quantity: all}\n"


def _one(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return ((old, new),)


CASES = {
    "yaml_syntax_error": Case(
        _one(MILL_TYPE, "    type: generic\n   location: {x_km: 0, y_km: 0}\n"),
        "location: {x_km: 0, y_km: 0}",
        "",
        ("YAML syntax error",),
    ),
    "duplicate_key": Case(
        _one("seed: 1\n", "seed: 1\nseed: 2\n"), "seed: 2", "", ("duplicate key 'seed'",)
    ),
    "unknown_field_lists_accepted_fields": Case(
        _one(MILL_TYPE, "    type: generic\n    colour: red\n    location: {x_km: 0, y_km: 0}\n"),
        "colour: red",
        "firms.mill.colour",
        ("unknown field (accepted: ", "demand", "location", "processes", "storage", "type"),
    ),
    "unknown_firm_type_lists_known_types": Case(
        _one(MILL_TYPE, "    type: generik\n    location: {x_km: 0, y_km: 0}\n"),
        "type: generik",
        "firms.mill.type",
        ("unknown firm type 'generik'", "accepted: ", "anaerobic_digester", "city", "generic"),
    ),
    "unknown_material_in_recipe": Case(
        _one("inputs: {grain: 1 t}", "inputs: {grian: 1 t}"),
        "grian",
        "firms.mill.processes.grind.inputs.grian",
        ("unknown material 'grian'", "(accepted: bran, flour, grain)"),
    ),
    "unknown_material_in_contract": Case(
        _one("material: flour", "material: flower"),
        "flower",
        "contracts.flour.material",
        ("unknown material 'flower'", "(accepted: bran, flour, grain)"),
    ),
    "unknown_material_in_storage": Case(
        _one(BAKERY_LOCATION, BAKERY_LOCATION + "    storage: {brand: 5 t}\n"),
        "brand",
        "firms.bakery.storage.brand",
        ("unknown material 'brand'", "(accepted: bran, flour, grain)"),
    ),
    "unknown_firm_in_contract": Case(
        _one("supplier: mill,", "supplier: mil,"),
        "supplier: mil,",
        "contracts.flour.supplier",
        ("unknown firm 'mil'", "(accepted: bakery, mill)"),
    ),
    "recipe_with_inputs_exceeding_outputs": Case(
        _one("bran: 200 kg", "bran: 100 kg"),
        "grind:",
        "firms.mill.processes.grind",
        ("recipe does not close its mass balance", "inputs exceed outputs by 0.1 t", "accepted"),
    ),
    "recipe_with_outputs_exceeding_inputs": Case(
        _one("bran: 200 kg", "bran: 250 kg"),
        "grind:",
        "firms.mill.processes.grind",
        ("recipe does not close its mass balance", "outputs exceed inputs by 0.05 t"),
    ),
    "contract_quantity_negative": Case(
        _one("quantity: 4}", "quantity: -1}"),
        "quantity: -1}",
        "contracts.flour.quantity",
        ("greater than or equal to 0",),
    ),
    "contract_quantity_of_wrong_dimension": Case(
        _one("quantity: 4}", "quantity: 4 km}"),
        "quantity: 4 km}",
        "contracts.flour.quantity",
        ("'4 km' cannot be converted to t",),
    ),
    "negative_capacity": Case(
        _one("capacity: 10 / d", "capacity: -5 / d"),
        "capacity: -5 / d",
        "firms.mill.processes.grind.capacity",
        ("greater than or equal to 0", "(got -5.0; accepted: a number >= 0)"),
    ),
    "negative_storage": Case(
        _one(BAKERY_LOCATION, BAKERY_LOCATION + "    storage: {flour: -1 t}\n"),
        "storage",
        "firms.bakery.storage.flour",
        ("greater than or equal to 0",),
    ),
    "replacement_ratio_of_zero": Case(
        _one(
            "  bran: {unit: t, kind: residue}\n",
            "  bran: {unit: t, kind: residue, replaces: [{material: grain, ratio: 0}]}\n",
        ),
        "bran: {unit: t",
        "materials.bran.replaces.0.ratio",
        ("greater than 0 (got 0; accepted: a number > 0)",),
    ),
    "material_replacing_itself": Case(
        _one(
            "  bran: {unit: t, kind: residue}\n",
            "  bran: {unit: t, kind: residue, replaces: [{material: bran, ratio: 1}]}\n",
        ),
        "bran: {unit: t",
        "materials.bran.replaces.0.material",
        ("'bran' cannot replace itself (accepted: another material: flour, grain)",),
    ),
    "missing_required_field": Case(
        _one(BAKERY_LOCATION, ""),
        "bakery:",
        "firms.bakery.location",
        ("required field is missing",),
    ),
    "unknown_unit": Case(
        _one("capacity: 10 / d", "capacity: 10 bananas/d"),
        "bananas",
        "firms.mill.processes.grind.capacity",
        ("'10 bananas/d' is not a quantity mfcsim understands", "accepted: ", "12 t/d"),
    ),
    "unparseable_quantity": Case(
        _one("horizon: 5 d", "horizon: five days"),
        "horizon:",
        "horizon",
        ("'five days' is not a quantity mfcsim understands",),
    ),
    "quantity_of_wrong_dimension": Case(
        _one("bran: 200 kg", "bran: 200 kWh"),
        "bran: 200 kWh",
        "firms.mill.processes.grind.outputs.bran",
        ("'200 kWh' cannot be converted to t", "accepted"),
    ),
    "volume_material_without_density": Case(
        _one(
            "  bran: {unit: t, kind: residue}\n",
            "  bran: {unit: t, kind: residue}\n  slurry: {unit: m3, kind: residue}\n",
        ),
        "slurry",
        "materials.slurry.density",
        ("needs a density",),
    ),
    "energy_contract_without_pipeline": Case(
        (
            ("  bran: {unit: t, kind: residue}\n", HEAT),
            ("contracts:\n", "contracts:\n" + WARMTH),
        ),
        "warmth:",
        "contracts.warmth.material",
        ("'heat' is energy", "needs a pipeline from 'mill' to 'bakery'", "network.pipelines"),
    ),
    "horizon_not_a_whole_number_of_days": Case(
        _one("horizon: 5 d", "horizon: 36 h"),
        "horizon:",
        "horizon",
        ("1.5 days is not a whole number",),
    ),
    "firm_type_parameter_missing": Case(
        _one(
            "    type: generic\n    location: {x_km: 3",
            "    type: city\n    params: {waste_share: 0.1}\n    location: {x_km: 3",
        ),
        "params: {waste_share",
        "firms.bakery.params.population",
        ("firm type 'city' needs parameter 'population'",),
    ),
}


def _bad_text(mini_text: str, case: Case) -> str:
    text = mini_text
    for old, new in case.edits:
        assert text.count(old) == 1, f"{old!r} must occur once in the mini scenario"
        text = text.replace(old, new)
    return text


@pytest.fixture(params=sorted(CASES))
def bad(
    request: pytest.FixtureRequest, mini_text: str, write_yaml: WriteYaml, line_of: LineOf
) -> tuple[Path, int, Case]:
    """A scenario file with one mistake, the line it is on, and the expected error."""
    case = CASES[request.param]
    text = _bad_text(mini_text, case)
    return write_yaml(text, "bad.yaml"), line_of(text, case.needle), case


def test_mini_scenario_is_valid(mini_text: str, write_yaml: WriteYaml) -> None:
    """The starting point of every bad case loads without error."""
    assert load_scenario(write_yaml(mini_text)).name == "mini"


def test_load_error_names_file_line_field_and_problem(bad: tuple[Path, int, Case]) -> None:
    """load_scenario raises ScenarioError pointing at the exact place of the mistake."""
    path, line, case = bad
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert (err.source, err.line, err.field) == (str(path), line, case.field)
    for words in case.words:
        assert words in err.problem
    where = f"{path}:{line}: {case.field}: " if case.field else f"{path}:{line}: "
    assert str(err).startswith(where)


def test_cli_reports_bad_input_on_one_line_with_exit_code_2(
    bad: tuple[Path, int, Case], capsys: pytest.CaptureFixture[str]
) -> None:
    """`mfcsim validate` and `mfcsim run` exit 2 with one `FILE:LINE: field: problem` line."""
    path, line, case = bad
    for command in (["validate", str(path)], ["run", str(path), "--quiet"]):
        assert main(command) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1
        where = f"{path}:{line}: {case.field}: " if case.field else f"{path}:{line}: "
        assert err.startswith(f"mfcsim: error: {where}")
        for words in case.words:
            assert words in err
        assert "Traceback" not in err


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    """A scenario path that does not exist is reported as such, with no line."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError, match="file not found") as info:
        load_scenario(path)
    assert (info.value.source, info.value.line, info.value.field) == (str(path), None, "")


def test_cli_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`mfcsim run` of a missing file prints one error line and exits 2."""
    path = tmp_path / "nope.yaml"
    assert main(["run", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err == f"mfcsim: error: {path}: file not found\n"


def test_empty_file_is_a_scenario_error(write_yaml: WriteYaml) -> None:
    """An empty file says what is expected instead."""
    with pytest.raises(ScenarioError, match="the file is empty"):
        load_scenario(write_yaml("# nothing yet\n"))


@pytest.mark.parametrize("name", ["yaml_syntax_error", "unknown_firm_type_lists_known_types"])
def test_bad_scenario_in_a_real_process_prints_no_traceback(
    name: str, mini_text: str, write_yaml: WriteYaml, line_of: LineOf, tmp_path: Path
) -> None:
    """`python -m mfcsim run` on a bad file: exit 2, one stderr line, nothing on stdout."""
    case = CASES[name]
    text = _bad_text(mini_text, case)
    path = write_yaml(text, "bad.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "mfcsim", "run", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"mfcsim: error: {path}:{line_of(text, case.needle)}: ")
    assert not (tmp_path / "runs").exists()


def _as_city(mini_text: str, params: str) -> str:
    """The mini scenario with its bakery turned into a city with these ``params``."""
    return mini_text.replace(
        "    type: generic\n    location: {x_km: 3",
        f"    type: city\n    params: {params}\n    location: {{x_km: 3",
    )


def _city_error(
    mini_text: str, params: str, write_yaml: WriteYaml, line_of: LineOf
) -> tuple[ScenarioError, int]:
    """The error of loading the mini scenario with a city of these ``params``, and their line."""
    text = _as_city(mini_text, params)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(text))
    return info.value, line_of(text, "params:")


@pytest.mark.parametrize(
    "params",
    [
        "{population: 100, diet_kg_per_person_day: [0.25]}",  # a list where a mapping goes
        "{population: 100, diet_kg_per_person_day: lots}",
    ],
)
def test_ill_typed_firm_parameters_are_a_scenario_error(
    params: str, mini_text: str, write_yaml: WriteYaml, line_of: LineOf
) -> None:
    """Parameters a firm type cannot build its recipes from give an error, not a traceback."""
    err, params_line = _city_error(mini_text, params, write_yaml, line_of)
    field = "firms.bakery.params.diet_kg_per_person_day"  # the parameter at fault
    assert (err.line, err.field) == (params_line, field)
    assert "firm type 'city' cannot build its recipes from these params" in err.problem
    assert "mfcsim list firm-types" in err.problem


def test_digester_with_no_substrate_share_is_a_scenario_error(
    mini_text: str, write_yaml: WriteYaml
) -> None:
    """Shares that sum to zero cannot divide the capacity: an error naming the params."""
    text = mini_text.replace(
        "    type: generic\n    location: {x_km: 3",
        "    type: anaerobic_digester\n"
        "    params: {capacity_t_per_day: 5, substrates: {bran: 0}, yields_m3_per_t: {bran: 50}}\n"
        "    location: {x_km: 3",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(text))
    assert info.value.field == "firms.bakery.params"


@pytest.mark.parametrize("params", ["true", "[1, 2]", "12 t"])
def test_params_that_are_no_mapping_are_a_scenario_error(
    params: str, mini_text: str, write_yaml: WriteYaml, line_of: LineOf
) -> None:
    """``params: true`` is refused at its line (it crashed the type's defaults before)."""
    err, params_line = _city_error(mini_text, params, write_yaml, line_of)
    assert (err.line, err.field) == (params_line, "firms.bakery.params")
    assert err.problem.endswith("(accepted: a mapping of parameter names to values)")
