"""Mutated shipped scenarios: every mutant runs (exit 0) or is refused (exit 2, one line).

Hypothesis deletes, renames, retypes, duplicates and breaks fields of ``tiny.yaml`` and
``default.yaml`` (non-finite and huge numbers, unicode, swapped units, wrong kinds), writes
the mutant and runs ``mfcsim run`` on it for a few days, in-process. Whatever comes out:
exit 0 with a run folder, or exit 2 with exactly one line on stderr, no traceback and no run
folder, within the time limit. ``make test`` runs the default profile (200 mutants);
``HYPOTHESIS_PROFILE=slow`` runs 3,000.
"""

from __future__ import annotations

import contextlib
import copy
import os
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mfcsim.cli import main

from .conftest import REPO

settings.register_profile(
    "default", max_examples=200, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile(
    "slow", max_examples=3000, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SHIPPED = {
    name: yaml.safe_load((REPO / "scenarios" / f"{name}.yaml").read_text())
    for name in ("tiny", "default")
}
SECONDS = 10.0

ODD_VALUES = st.sampled_from([
    None, True, 0, -1, 1e308, -1e308, float("nan"), float("inf"), "", "x", "12 t/d", "35 km",
    "0.4 MWh/t", "1e3", "2**40 d", "é🌾\u202e", "a\nb", "\x00", [], {}, [1, 2], {"a": 1},
    "10 MWh", "5 EUR/t", "-3 t", "9" * 400, "greedy", "city", "unlimited",
])  # fmt: skip


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a YAML tree (mappings and lists)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


def parent_of(tree: Any, path: tuple) -> Any:
    node = tree
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A shipped scenario with one to three mutations."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    tree = copy.deepcopy(SHIPPED[name])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(tree)))
        parent, key = parent_of(tree, where), where[-1]
        action = draw(st.sampled_from(["delete", "rename", "retype", "duplicate", "swap_unit"]))
        if action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            suffix = draw(st.sampled_from(["x", "_", "é", "\n", " ", "in_transit"]))
            new = suffix if suffix == "in_transit" else f"{key}{suffix}"
            parent[new] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, dict):
            parent[f"{key}_copy"] = copy.deepcopy(parent[key])
        elif action == "swap_unit" and isinstance(parent[key], str):
            swaps = {" t": " MWh", "MWh": "t", "km": "kg", "/d": "/h", "EUR": "t"}
            text = parent[key]
            for old, new in swaps.items():
                text = text.replace(old, new)
            parent[key] = text
        else:
            parent[key] = draw(ODD_VALUES)
    return name, tree


@given(mutants())
def test_a_mutated_scenario_runs_or_is_refused_on_one_line(
    tmp_path_factory: pytest.TempPathFactory, mutant: tuple[str, dict[str, Any]]
) -> None:
    name, tree = mutant
    folder = tmp_path_factory.mktemp("mutant")
    scenario = folder / f"{name}.yaml"
    scenario.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False))
    out = folder / "out"
    capture_err = folder / "stderr"
    start = time.perf_counter()
    with capture_err.open("w") as err, contextlib.redirect_stderr(err):
        code = main(["run", str(scenario), "--days", "3", "--quiet", "--out", str(out)])
    seconds = time.perf_counter() - start
    event(f"exit {code}")
    stderr = capture_err.read_text()
    assert code in (0, 2), (code, stderr[-3000:])
    assert "Traceback" not in stderr
    if code == 2:
        assert stderr.count("\n") == 1, stderr[:3000]
        assert stderr.startswith("mfcsim"), stderr[:3000]
        assert not out.exists()
    else:
        assert (out / "kpis.json").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".out")] == []
    assert seconds < SECONDS, seconds
