"""Write docs/firm-hooks.md: the firm hook reference, generated from mfcsim.firms.hooks.

Run ``make hooks`` after changing a hook; ``tests/test_hooks.py`` fails while the page is
stale.
"""

from __future__ import annotations

from pathlib import Path

from mfcsim.firms.hooks import hook_reference

PAGE = Path(__file__).resolve().parents[1] / "docs" / "firm-hooks.md"

HEAD = """# Firm hooks: the reference

Generated from `mfcsim/firms/hooks.py` (`make hooks`); the docstring of `mfcsim.Firm` shows
the same list. Each hook: its arguments, when the engine calls it, what it returns (with
units), whether it may change the firm's state, and whether overriding it keeps the type on
the vectorised path.

"""

TAIL = """

## How to keep state, and stay fast

- Keep state in attributes set in `setup` (per firm) and change it only in `after_produce`,
  `on_delivery` and `on_disruption`. `planned_activity`, `target_stock` and `yield_factor`
  are also called one day ahead, when the regional agent asks what each firm will need
  tomorrow: they must be pure functions of the day and that state.
- A process may declare `yield_balance: <an output>` in its recipe. The type's
  `yield_factor(day, process)` then scales the other outputs, and the balance output takes
  the mass difference, so the recipe still closes (a factor that would need more than the
  whole balance output is an error naming the firm, the process and the day).
- Per-firm hooks are the simple way. A type that overrides `planned_activity` runs on the
  per-firm path (its own Python hooks, about 10x slower at 1,000 firms) unless it also
  implements the type-level twin `plan_many(cls, day, group)`, which computes the plan of
  all its firms at once on arrays (`group.default_plan(day)`, `group.state`,
  `group.stock(material)`, `group.param(name)`, `group.capacity`). The other hooks keep the
  type on the vectorised path; their twins `yield_many` and `after_produce_many` make them
  faster still.
- `mfcsim.testing.assert_same_on_both_paths(scenario)` runs a scenario as usual and with
  every firm on the per-firm path and asserts that the ledgers are identical, bit for bit:
  the check that a type's twins agree. `tests/test_stateful_firms.py` is a complete
  example (black soldier fly larvae whose appetite and yield follow how well they were fed).
- A type that overrides `produce` writes its rows with `self.consume`, `self.make` and
  `self.ship` (`benchmarks/cw1.py` is an example); it must record its realised activity in
  `self.sim.activity_realised` for the use fill.
- `self.material("larvae")` gives a material's index, `self.material_id(i)` its id;
  `self.stock_now` and `self.plan_today` are read-only; `firm.vectorised` says which path a
  firm takes, and `manifest.json` lists the firms on the per-firm path
  (`per_firm_path_firms`).
"""


def main() -> None:
    """Write the page."""
    PAGE.write_text(HEAD + hook_reference() + "\\n" + TAIL)


if __name__ == "__main__":
    main()
