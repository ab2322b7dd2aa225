"""Type-level hooks and yield factors on the vectorised path.

A firm type stays in the kernels when it implements its hooks for all its firms at once
(``plan_many``, ``yield_many``, ``after_produce_many``; see
:data:`mfcsim.firms.hooks.TYPE_HOOKS`), and when it overrides only hooks that keep it there
(``yield_factor``, ``after_produce``, ``on_delivery``, ``on_disruption``): their per-firm
versions are gathered into arrays here, type by type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.errors import FirmHookError, short
from mfcsim.firms.base import check_yield
from mfcsim.firms.group import FirmGroup

if TYPE_CHECKING:
    from mfcsim.engine.state import State
    from mfcsim.firms.base import Firm


@dataclass(slots=True)
class TypedGroup:
    """The vectorised firms of one type with type-level work to do, and their processes.

    Attributes:
        cls: The firm type.
        group: What its type-level hooks receive.
        procs: The kernel's process index of each firm and process (firms × processes).
        plans, yields, after: Whether the kernel calls ``plan_many``, ``yield_many`` and
            ``after_produce_many`` for it.
    """

    cls: type[Firm]
    group: FirmGroup
    procs: np.ndarray
    plans: bool
    yields: bool
    after: bool


def typed_groups(firms: list[Firm], proc_of: dict[tuple[int, int], int]) -> list[TypedGroup]:
    """The groups of the vectorised firms whose types have type-level work, in firm order."""
    by_type: dict[type[Firm], list[Firm]] = {}
    for firm in firms:
        by_type.setdefault(type(firm), []).append(firm)
    out = []
    for cls, members in by_type.items():
        hooks = set(cls.overridden_hooks())
        has_yields = any(p.yield_balance is not None for f in members for p in f.processes)
        plans = "plan_many" in hooks
        yields = has_yields and bool(hooks & {"yield_factor", "yield_many"})
        after = bool(hooks & {"after_produce", "after_produce_many"})
        if plans or yields or after:
            group = FirmGroup(members)
            procs = np.array(
                [[proc_of[f.index, r] for r in range(len(f.processes))] for f in members],
                dtype=np.int64,
            ).reshape(len(members), len(group.process_ids))
            out.append(TypedGroup(cls, group, procs, plans, yields, after))
    return out


def _checked(values: object, group: TypedGroup, hook: str, day: int) -> np.ndarray:
    """A type-level hook's array, checked: its shape, finite numbers >= 0.

    Raises:
        FirmHookError: Naming the type, the hook, the day and what is accepted.
    """
    shape = group.procs.shape
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.shape != shape or not np.all(np.isfinite(array)) or np.any(array < 0.0):
        raise FirmHookError(
            "", hook, f"returned {short(values)} on day {day} (accepted: an array of "
            f"{shape[0]} firms x {shape[1]} processes of finite numbers >= 0)",
            firm_type=group.cls.type_name,
        )  # fmt: skip
    return array


def plan_into(base: np.ndarray, groups: list[TypedGroup], day: int) -> None:
    """Put each type's ``plan_many`` into the planned activity of its processes."""
    for g in groups:
        if g.plans:
            base[g.procs] = _checked(g.cls.plan_many(day, g.group), g, "plan_many", day)


def yield_factors(
    groups: list[TypedGroup], has_yield: np.ndarray, bound: np.ndarray, day: int
) -> np.ndarray:
    """Today's yield factor of every process (1 where no type sets one), checked.

    ``bound`` is each process's largest factor (where its balance output is used up).
    """
    factor = np.ones(len(has_yield))
    for g in groups:
        if not g.yields:
            continue
        values = _checked(g.cls.yield_many(day, g.group), g, "yield_many", day)
        factor[g.procs] = np.where(has_yield[g.procs], values, 1.0)
        over = np.argwhere(factor[g.procs] > bound[g.procs])
        if len(over):
            i, r = (int(k) for k in over[0])
            firm = g.group.firms[i]
            check_yield(firm, day, firm.processes[r], float(factor[g.procs[i, r]]))
    return factor


def after_produce(groups: list[TypedGroup], state: State, proc_column: np.ndarray,
                  day: int) -> None:  # fmt: skip
    """Each type's ``after_produce_many`` with the activity its processes ran today."""
    for g in groups:
        if g.after:
            g.group.active = state.active[g.group.index]
            activity = state.activity_realised[day, proc_column[g.procs]]
            g.cls.after_produce_many(day, g.group, activity)
            state.hook_version += 1
