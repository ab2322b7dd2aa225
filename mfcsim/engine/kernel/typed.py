"""Type-level hooks and yield factors on the vectorised path.

A firm type stays in the kernels when it implements its hooks for all its firms at once
(``plan_many``, ``target_many``, ``yield_many``, ``produce_many``, ``after_produce_many``;
see :data:`mfcsim.firms.hooks.TYPE_HOOKS`), and when it overrides only hooks that keep it
there (``yield_factor``, ``after_produce``, ``on_delivery``, ``on_disruption``): their
per-firm versions are gathered into arrays here, type by type. A type with ``produce_many``
runs its processes itself: the kernel's ranks leave them at rest.
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
        plans, targets, yields, produces, after: Whether the kernel calls ``plan_many``,
            ``target_many``, ``yield_many``, ``produce_many`` and ``after_produce_many``.
        cells: Per firm and material, the kernel's wanted cell (-1: none); set with the cells.
        wanted: The materials every firm of the group wants (``target_many`` may name).
    """

    cls: type[Firm]
    group: FirmGroup
    procs: np.ndarray
    plans: bool
    targets: bool
    yields: bool
    produces: bool
    after: bool
    cells: np.ndarray | None = None
    wanted: frozenset[int] = frozenset()

    def set_cells(self, cells: np.ndarray) -> None:
        """Its firms' wanted cells (the kernel's), and the materials all of them want."""
        self.cells = cells
        self.wanted = frozenset(np.flatnonzero((cells >= 0).all(axis=0)).tolist())


def typed_groups(firms: list[Firm], proc_of: dict[tuple[int, int], int]) -> list[TypedGroup]:
    """The groups of the vectorised firms whose types have type-level work, in firm order."""
    by_type: dict[type[Firm], list[Firm]] = {}
    for firm in firms:
        by_type.setdefault(type(firm), []).append(firm)
    out = []
    for cls, members in by_type.items():
        hooks = set(cls.overridden_hooks())
        has_yields = any(p.yield_balance is not None for f in members for p in f.processes)
        plans, targets = "plan_many" in hooks, "target_many" in hooks
        yields = has_yields and bool(hooks & {"yield_factor", "yield_many"})
        produces = "produce_many" in hooks
        after = bool(hooks & {"after_produce", "after_produce_many"})
        if plans or targets or yields or produces or after:
            group = FirmGroup(members)
            procs = np.array(
                [[proc_of[f.index, r] for r in range(len(f.processes))] for f in members],
                dtype=np.int64,
            ).reshape(len(members), len(group.process_ids))
            out.append(TypedGroup(cls, group, procs, plans, targets, yields, produces, after))
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


def target_into(want: np.ndarray, groups: list[TypedGroup], planned: np.ndarray,
                day: int) -> None:  # fmt: skip
    """Put each type's ``target_many`` into the wanted cells of its firms.

    The materials a type leaves out are not wanted (as with ``target_stock``).

    Raises:
        FirmHookError: If the answer is no mapping of wanted materials to arrays per firm.
    """
    for g in groups:
        if not g.targets:
            continue
        assert g.cells is not None
        answer = g.cls.target_many(day, g.group, planned[g.procs])
        rows = _target_rows(answer, g, day)
        want[g.cells[g.cells >= 0]] = 0.0
        for m, values in rows.items():
            want[g.cells[:, m]] = values


def _target_rows(answer: object, g: TypedGroup, day: int) -> dict[int, np.ndarray]:
    """``target_many``'s answer, checked: wanted material (index) -> units per firm."""
    n, names = len(g.group), g.group.firms[0].sim.materials

    def bad(problem: str) -> FirmHookError:
        wanted = ", ".join(names[m] for m in sorted(g.wanted))
        accepted = f"(accepted: {{material id or index: {n} finite numbers >= 0}} for {wanted})"
        return FirmHookError("", "target_many", f"{problem} on day {day} {accepted}",
                             firm_type=g.cls.type_name)  # fmt: skip

    if not isinstance(answer, dict):
        raise bad(f"returned {short(answer)}")
    rows: dict[int, np.ndarray] = {}
    for key, values in answer.items():
        m = key if isinstance(key, int) else g.group.firms[0].sim.material_index.get(key, -1)
        if m not in g.wanted:
            raise bad(f"wants {short(key)}, which is no input or demand of every firm")
        try:
            array = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            array = np.empty(0)
        if array.shape != (n,) or not np.all(np.isfinite(array)) or np.any(array < 0.0):
            raise bad(f"returned {short(values)} for {names[m]!r}")
        rows[int(m)] = array
    return rows


def produce_own(groups: list[TypedGroup], state: State, planned: np.ndarray,
                proc_column: np.ndarray, day: int) -> None:  # fmt: skip
    """Each type's ``produce_many``; the activity it returns goes into the activity record.

    Raises:
        FirmHookError: If the activity is no array of firms × processes of numbers >= 0, or
            a firm that does not take part today ran something.
    """
    for g in groups:
        if not g.produces:
            continue
        g.group.active = state.active[g.group.index]
        g.group.planned = planned[g.procs]
        activity = _checked(g.cls.produce_many(day, g.group), g, "produce_many", day)
        idle = ~g.group.active
        if np.any(activity[idle] > 0.0):
            firm = g.group.firms[int(np.flatnonzero(idle & (activity > 0.0).any(axis=1))[0])]
            raise FirmHookError(firm.id, "produce_many", f"ran activity on day {day} before "
                                "the firm joined (accepted: 0 where group.active is False)",
                                firm_type=g.cls.type_name)  # fmt: skip
        state.activity_realised[day, proc_column[g.procs]] = activity
        state.hook_version += 1


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
