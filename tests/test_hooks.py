"""The one list of firm hooks (mfcsim.firms.hooks.HOOKS) and what a firm reads of its host.

``Firm.overridden_hooks`` says which hooks a type defines anew; the engine derives from it
whether the type runs in the vectorised kernels or on the per-firm path. ``FirmHost`` lists
exactly what firm code reads of ``self.sim``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from mfcsim.engine.per_firm import vectorisable
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import FirmHookError
from mfcsim.firms.base import Firm
from mfcsim.firms.hooks import HOOKS, TYPE_HOOKS, hook_line, hook_reference
from mfcsim.firms.host import FirmHost
from mfcsim.firms.registry import resolve_firm_type
from mfcsim.scenario.load import load_scenario

#: The built-in types whose hooks put them on the per-firm path: the farms that fertilise
#: (their planned_activity tops up mineral fertiliser).
FARMS = {"arable_farm", "dairy_farm"}
FIRMS = Path(__file__).resolve().parents[1] / "mfcsim" / "firms"
TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.yaml"


def overriding(name: str) -> type[Firm]:
    """A firm type (not registered) that overrides hook ``name`` with the engine's signature."""

    def hook(self: Firm, *args: Any) -> Any:
        return getattr(Firm, name)(self, *args)

    return type(f"Overrides_{name}", (Firm,), {name: hook})


def on_per_firm_path(cls: type[Firm]) -> bool:
    """The path rule, derived from the hook list."""
    return any(HOOKS[name].per_firm_path for name in cls.overridden_hooks())


@pytest.mark.parametrize("name", list(HOOKS))
def test_a_type_overriding_one_hook_reports_that_hook(name: str) -> None:
    """Overriding a listed hook shows in overridden_hooks, and nothing else does."""
    assert overriding(name).overridden_hooks() == (name,)


def test_a_type_overriding_nothing_reports_no_hook() -> None:
    """A bare subclass, and the generic type, keep every base hook."""

    class Plain(Firm):
        pass

    assert Plain.overridden_hooks() == ()
    assert resolve_firm_type("generic").overridden_hooks() == ()
    assert Firm.overridden_hooks() == ()


def test_an_override_in_a_base_between_counts() -> None:
    """The farm types inherit their fertilising hooks from FertilisingFarm."""
    assert resolve_firm_type("arable_farm").overridden_hooks() == ("setup", "planned_activity")
    assert resolve_firm_type("dairy_farm").overridden_hooks() == ("setup", "planned_activity")


def test_the_path_rule_counts_every_hook_but_setup() -> None:
    """The names that move a type to the per-firm path: those the engine always counted."""
    per_firm = {name for name, hook in HOOKS.items() if hook.per_firm_path}
    assert per_firm == {"planned_activity", "target_stock", "produce", "plan", "plan_for"}
    assert {name for name, hook in HOOKS.items() if hook.engine_side} == {"plan", "plan_for"}


#: The hooks that keep a type on the vectorised path when overridden alone (by hand).
STAY_VECTORISED = {None, "setup", "yield_factor", "after_produce", "on_delivery", "on_disruption"}


@pytest.mark.parametrize("name", [*HOOKS, None])
def test_overriding_a_hook_moves_a_firm_to_the_per_firm_path_unless_it_keeps_it(
    name: str | None,
) -> None:
    """The engine's choice (:func:`vectorisable`), hook by hook, written out by hand."""
    cls = Firm if name is None else overriding(name)
    assert vectorisable(cls.__new__(cls)) is (name in STAY_VECTORISED)


def test_a_type_level_twin_keeps_a_type_with_the_per_firm_hook_vectorised() -> None:
    """planned_activity alone: per-firm path; with plan_many beside it: vectorised."""
    alone = overriding("planned_activity")
    twin = type("Twin", (alone,), {"plan_many": classmethod(lambda cls, day, group: None)})
    assert not alone.runs_vectorised()
    assert twin.runs_vectorised()
    assert twin.overridden_hooks() == ("planned_activity", "plan_many")


def test_a_simulation_runs_each_firm_on_the_path_its_type_asks_for() -> None:
    """In a real run: the fertilising farms go per firm, every other built-in type not."""
    sim = Simulation(load_scenario(TINY.with_name("default.yaml"), days=2))
    per_firm = {f.id for f in sim.kernel.fallback}
    assert per_firm == {f.id for f in sim.firms if f.type_name in FARMS}
    assert {f.type_name for f in sim.firms} - FARMS  # and others that are vectorised


@pytest.mark.parametrize("name", list(HOOKS))
def test_a_hook_that_cannot_take_the_engines_arguments_is_refused(name: str) -> None:
    """Every listed hook's signature is checked when a type is defined."""

    def hook(self: Firm, *args: Any, required_extra: int) -> None:
        return None

    call = rf"{name}\({', '.join(('self', *HOOKS[name].arguments))}\)"
    with pytest.raises(FirmHookError, match=call):
        type(f"Bad_{name}", (Firm,), {name: hook})


def test_the_firm_docstring_and_the_docs_list_each_hook_once_from_the_one_list() -> None:
    """Firm's docstring and docs/firm-hooks.md show the reference generated from HOOKS."""
    doc = " ".join((Firm.__doc__ or "").split())
    listed = re.findall(r"- (\w+)\(", doc)
    assert listed == [*HOOKS, *TYPE_HOOKS]
    for name, hook in {**HOOKS, **TYPE_HOOKS}.items():
        assert f"- {hook_line(name, hook)}" in doc
    page = (FIRMS.parents[1] / "docs" / "firm-hooks.md").read_text()
    assert hook_reference() in page, "docs/firm-hooks.md is stale: run `make hooks`"


def host_members() -> set[str]:
    """The attributes and methods the FirmHost Protocol declares."""
    return {
        name
        for name, value in vars(FirmHost).items()
        if not name.startswith("_") and (isinstance(value, property) or inspect.isfunction(value))
    }


def read_of_sim() -> set[str]:
    """Every ``self.sim.X`` and ``sim.X`` that firm code in mfcsim/firms reads."""
    found = set()
    for path in FIRMS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                owner = node.value
                if (isinstance(owner, ast.Name) and owner.id == "sim") or (
                    isinstance(owner, ast.Attribute)
                    and owner.attr == "sim"
                    and isinstance(owner.value, ast.Name)
                    and owner.value.id == "self"
                ):
                    found.add(node.attr)
    return found


def test_firm_host_lists_exactly_what_firm_code_reads() -> None:
    """No firm reads the simulation beyond FirmHost, and FirmHost lists nothing unread."""
    assert read_of_sim() == host_members()


def test_the_simulation_has_every_member_of_firm_host() -> None:
    """The engine's Simulation is a FirmHost (mypy checks the types; this, the names)."""
    sim = Simulation(load_scenario(TINY, days=3))
    assert [name for name in sorted(host_members()) if not hasattr(sim, name)] == []
    assert sim.market.importable(0) in (True, False)
