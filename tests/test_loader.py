"""Loading scenario files: quantities with units, `extends:` and `--set` overrides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mfcsim.errors import ScenarioError
from mfcsim.scenario.load import load_scenario

WriteYaml = Callable[..., Path]


# ---- quantities ----------------------------------------------------------------------------
def test_tiny_scenario_quantities_are_in_base_units(tiny_path: Path) -> None:
    """Recipes, modes, densities, prices, pipelines and the horizon are converted at load."""
    scn = load_scenario(tiny_path)
    assert scn.horizon == 30.0
    assert scn.horizon_day == 30
    cows = scn.firms["dairy"].processes["keep_cows"]
    assert cows.inputs == {"feed": pytest.approx(0.05), "water": pytest.approx(0.08)}
    assert cows.capacity == 100.0
    truck = scn.network.modes["truck"]
    assert truck.co2e == pytest.approx(1e-4)  # 0.1 kg CO2e/tkm in t CO2e per t·km
    assert truck.cost == pytest.approx(0.12)
    assert truck.speed == pytest.approx(1200.0)  # 50 km/h in km/day
    assert scn.materials["biogas"].density == pytest.approx(0.001221)  # 1.2210 kg/m3 in t/m3
    assert scn.materials["feed"].price == 300.0
    assert scn.network.pipelines[0].capacity == 2000.0
    assert scn.boundary.imports["feed"].co2e == 0.5
    assert scn.boundary.disposal["landfill"].gate_fee == 110.0


def test_amounts_are_converted_to_the_unit_of_their_material(
    mini_text: str, write_yaml: WriteYaml
) -> None:
    """`200 kg` of a t material is 0.2, `400 kWh` of a MWh material 0.4, `500 L` of m3 0.5."""
    text = mini_text.replace(
        "  bran: {unit: t, kind: residue}\n",
        "  bran: {unit: t, kind: residue}\n"
        "  heat: {unit: MWh, kind: energy}\n"
        "  water: {unit: m3, kind: raw_material, density: 1000 kg/m3}\n",
    ).replace(
        "        outputs: {flour: 0.8 t, bran: 200 kg}\n",
        "        outputs: {flour: 0.8 t, bran: 200 kg}\n"
        "        from_environment: {water: 500 L}\n"
        "        to_environment: {bran: 0.5 t}\n"
        "      dry:\n"
        "        capacity: 1\n"
        "        inputs: {heat: 400 kWh}\n",
    )
    scn = load_scenario(write_yaml(text))
    grind = scn.firms["mill"].processes["grind"]
    assert grind.outputs["bran"] == pytest.approx(0.2)
    assert grind.from_environment["water"] == pytest.approx(0.5)
    assert scn.materials["water"].density == pytest.approx(1.0)
    assert scn.firms["mill"].processes["dry"].inputs["heat"] == pytest.approx(0.4)


@pytest.mark.parametrize(("written", "expected"), [("12 t/d", 12.0), ("500 kg/h", 12.0)])
def test_daily_demand_accepts_rates(
    mini_text: str, write_yaml: WriteYaml, written: str, expected: float
) -> None:
    """A firm's demand per day is read as a rate in its material's unit per day."""
    text = mini_text.replace(
        "    location: {x_km: 3, y_km: 4}\n",
        f"    location: {{x_km: 3, y_km: 4}}\n    demand: {{flour: {written}}}\n",
    )
    scn = load_scenario(write_yaml(text))
    assert scn.firms["bakery"].demand["flour"] == pytest.approx(expected)


def test_link_distance_and_horizon_accept_units(mini_text: str, write_yaml: WriteYaml) -> None:
    """`35 km` on a link and `365 d` as horizon are kilometres and days."""
    text = mini_text.replace("horizon: 5 d", "horizon: 365 d") + (
        "network:\n  links:\n    - {source: mill, target: bakery, distance: 35000 m}\n"
    )
    scn = load_scenario(write_yaml(text))
    assert scn.horizon_day == 365
    assert scn.network.links[0].distance == pytest.approx(35.0)


@pytest.mark.parametrize(("written", "expected"), [("400 kg", 0.4), ("4 t", 4.0), (4, 4.0)])
def test_contract_quantity_accepts_units_of_its_material(
    mini_text: str, write_yaml: WriteYaml, written: object, expected: float
) -> None:
    """A delivery of `400 kg` of a material counted in t is 0.4."""
    text = mini_text.replace("quantity: 4}", f"quantity: {written}}}")
    scn = load_scenario(write_yaml(text))
    assert scn.contracts["flour"].quantity == pytest.approx(expected)


def test_contract_quantity_all_stays_all(mini_text: str, write_yaml: WriteYaml) -> None:
    """`quantity: all` is not a quantity to convert: it ships the whole stock."""
    scn = load_scenario(write_yaml(mini_text.replace("quantity: 4}", "quantity: all}")))
    assert scn.contracts["flour"].quantity == "all"


# ---- extends -------------------------------------------------------------------------------
def test_extends_deep_merges_and_the_child_wins(
    mini_text: str, write_yaml: WriteYaml, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child file changes one nested value; everything else comes from its parent."""
    write_yaml(mini_text, "base/mini.yaml")
    child = write_yaml(
        "extends: ../base/mini.yaml\n"
        "name: mini-big\n"
        "firms:\n"
        "  mill:\n"
        "    processes:\n"
        "      grind: {capacity: 20 / d}\n",
        "variants/big.yaml",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the parent is found relative to the child, not the cwd
    scn = load_scenario(child)
    base = load_scenario(tmp_path / "base" / "mini.yaml")
    assert scn.name == "mini-big"
    assert scn.firms["mill"].processes["grind"].capacity == 20.0
    assert (
        scn.firms["mill"].processes["grind"].outputs
        == base.firms["mill"].processes["grind"].outputs
    )
    assert scn.firms["bakery"] == base.firms["bakery"]
    assert scn.contracts == base.contracts
    assert scn.horizon == base.horizon


def test_extends_a_list_later_parents_win(mini_text: str, write_yaml: WriteYaml) -> None:
    """With several parents, a later one overrides an earlier one, and the file itself both."""
    write_yaml(mini_text, "mini.yaml")
    write_yaml("seed: 5\nhorizon: 9 d\n", "longer.yaml")
    child = write_yaml("extends: [mini.yaml, longer.yaml]\nseed: 6\n", "child.yaml")
    scn = load_scenario(child)
    assert (scn.name, scn.horizon_day, scn.seed) == ("mini", 9, 6)


def test_extends_cycle_is_detected(write_yaml: WriteYaml) -> None:
    """Two files extending each other are an error naming the chain, not a recursion."""
    a = write_yaml("extends: b.yaml\nname: a\n", "a.yaml")
    write_yaml("extends: a.yaml\nname: b\n", "b.yaml")
    with pytest.raises(ScenarioError, match="extends forms a cycle") as info:
        load_scenario(a)
    assert "a.yaml -> " in info.value.problem
    assert "b.yaml -> " in info.value.problem


def test_extends_itself_is_a_cycle(write_yaml: WriteYaml) -> None:
    """A file extending itself is reported as a cycle."""
    me = write_yaml("extends: me.yaml\nname: me\n", "me.yaml")
    with pytest.raises(ScenarioError, match="extends forms a cycle"):
        load_scenario(me)


def test_extends_missing_parent_names_the_line(write_yaml: WriteYaml) -> None:
    """A parent that does not exist is reported at the `extends:` line of the child."""
    child = write_yaml("name: c\nextends: nowhere.yaml\n", "child.yaml")
    with pytest.raises(ScenarioError, match=r"nowhere\.yaml' not found") as info:
        load_scenario(child)
    assert (info.value.source, info.value.line, info.value.field) == (str(child), 2, "extends")


def test_error_in_parent_is_reported_in_the_parent_file(
    mini_text: str, write_yaml: WriteYaml, line_of: Callable[[str, str], int]
) -> None:
    """A bad value inherited from a parent points at the parent's file and line."""
    bad = mini_text.replace("capacity: 10 / d", "capacity: -10 / d")
    parent = write_yaml(bad, "parent.yaml")
    child = write_yaml("extends: parent.yaml\nseed: 3\n", "child.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    err = info.value
    assert err.source == str(parent)
    assert err.line == line_of(bad, "capacity: -10 / d")
    assert err.field == "firms.mill.processes.grind.capacity"


def test_error_in_child_override_is_reported_in_the_child_file(
    mini_text: str, write_yaml: WriteYaml
) -> None:
    """A bad value written by the child points at the child's file and line."""
    write_yaml(mini_text, "parent.yaml")
    child = write_yaml(
        "extends: parent.yaml\nfirms:\n  mill:\n    join_day: -1\n",
        "child.yaml",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert (info.value.source, info.value.line, info.value.field) == (
        str(child),
        4,
        "firms.mill.join_day",
    )


# ---- --set overrides -----------------------------------------------------------------------
def test_set_overrides_a_nested_value(mini_text: str, write_yaml: WriteYaml) -> None:
    """`--set firms.mill.processes.grind.capacity=3` changes just that value (units allowed)."""
    path = write_yaml(mini_text)
    scn = load_scenario(path, ["firms.mill.processes.grind.capacity=3", "horizon=2 weeks"])
    assert scn.firms["mill"].processes["grind"].capacity == 3.0
    assert scn.horizon_day == 14
    assert scn.firms["mill"].processes["grind"].inputs == {"grain": 1.0}


def test_set_creates_missing_keys(mini_text: str, write_yaml: WriteYaml) -> None:
    """`--set` may add fields and whole mappings that the file does not have."""
    scn = load_scenario(
        write_yaml(mini_text),
        ["firms.bakery.storage.flour=5", "firms.mill.variability.activity_cv=0.2"],
    )
    assert scn.firms["bakery"].storage == {"flour": 5.0}
    assert scn.firms["mill"].variability.activity_cv == 0.2


def test_set_applies_after_extends(mini_text: str, write_yaml: WriteYaml) -> None:
    """An override beats both the parent and the child file."""
    write_yaml(mini_text, "parent.yaml")
    child = write_yaml("extends: parent.yaml\nseed: 3\n", "child.yaml")
    scn = load_scenario(child, ["seed=4"])
    assert scn.seed == 4


def test_seed_and_days_arguments_replace_the_file_values(
    mini_text: str, write_yaml: WriteYaml
) -> None:
    """`seed=` and `days=` of load_scenario replace `seed` and `horizon`."""
    scn = load_scenario(write_yaml(mini_text), seed=11, days=3)
    assert (scn.seed, scn.horizon_day) == (11, 3)


@pytest.mark.parametrize("text", ["seed", "=3", "firms..mill=1", " =1", "seed.=2"])
def test_set_of_bad_form_is_rejected(mini_text: str, write_yaml: WriteYaml, text: str) -> None:
    """An override that is not `dotted.path=value` is a `--set` error quoting it."""
    with pytest.raises(ScenarioError, match=r"is not of the form dotted\.path=value") as info:
        load_scenario(write_yaml(mini_text), [text])
    assert info.value.source == "--set"
    assert repr(text) in info.value.problem


def test_set_through_a_scalar_is_rejected(mini_text: str, write_yaml: WriteYaml) -> None:
    """`--set seed.x=1` cannot descend into the number `seed`."""
    with pytest.raises(ScenarioError, match="seed is not a mapping") as info:
        load_scenario(write_yaml(mini_text), ["seed.x=1"])
    assert info.value.source == "--set"
    assert info.value.field == "seed.x"


def test_bad_value_from_set_is_blamed_on_set(mini_text: str, write_yaml: WriteYaml) -> None:
    """A value that fails validation after `--set` is reported as coming from `--set`."""
    with pytest.raises(ScenarioError, match="not a whole number") as info:
        load_scenario(write_yaml(mini_text), ["horizon=2.5"])
    assert (info.value.source, info.value.line, info.value.field) == ("--set", None, "horizon")
    assert str(info.value).startswith("--set: horizon: 2.5 days")


# ---- YAML merge keys -----------------------------------------------------------------------
@pytest.mark.parametrize("merge_first", [True, False], ids=["merge-key-first", "merge-key-last"])
def test_merge_key_copies_a_recipe_and_errors_point_at_the_written_line(
    mini_text: str,
    write_yaml: WriteYaml,
    line_of: Callable[[str, str], int],
    merge_first: bool,
) -> None:
    """`<<: *grind` copies a recipe; a key written beside it wins and is blamed on its line."""
    lines = ["        <<: *grind\n", "        capacity: CAP\n"]
    grind2 = "      grind2:\n" + "".join(lines if merge_first else lines[::-1])
    text = mini_text.replace("      grind:\n", "      grind: &grind\n").replace(
        "  bakery:\n", grind2 + "  bakery:\n"
    )
    scn = load_scenario(write_yaml(text.replace("CAP", "3 / d"), "good.yaml"))
    copied = scn.firms["mill"].processes["grind2"]
    assert copied.capacity == 3.0
    assert copied.outputs == scn.firms["mill"].processes["grind"].outputs
    bad = text.replace("CAP", "-5 / d")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(bad, "bad.yaml"))
    assert info.value.field == "firms.mill.processes.grind2.capacity"
    assert info.value.line == line_of(bad, "capacity: -5 / d")
