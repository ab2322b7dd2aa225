"""The one list of a firm type's overridable methods, and the check of their signatures.

:data:`HOOKS` says, for each method a firm type may override, what the engine passes, when
it calls it and whether overriding it moves the type from the vectorised kernels to the
per-firm path; :class:`~mfcsim.firms.base.Firm` documents them, the engine's path rule
(:func:`mfcsim.engine.per_firm.vectorisable`) and the signature check at class definition
derive from it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from mfcsim.errors import FirmHookError


@dataclass(frozen=True)
class Hook:
    """A method a firm type may override, as the engine sees it.

    Attributes:
        arguments: What the engine passes after ``self`` (``cls`` for a type-level hook); a
            type whose override cannot take them is refused when it is defined.
        called: When the engine calls it.
        returns: What it returns, with units.
        keeps_state: Whether it may change the firm's state (attributes it keeps across
            days). The others are called one day ahead too, so they must be pure
            functions of the day and the state.
        per_firm_path: Overriding it moves the firm type from the vectorised kernels to the
            per-firm path (its own Python methods, the same arithmetic, slower), unless the
            type also implements the type-level ``twin``.
        twin: The type-level hook that does the same for all firms of the type at once
            (keeps the type on the vectorised path), if there is one.
        engine_side: Not a hook but the engine's own step for the firm; listed because an
            override of it counts for the path all the same.
    """

    arguments: tuple[str, ...]
    called: str
    returns: str
    keeps_state: bool
    per_firm_path: bool
    twin: str | None = None
    engine_side: bool = False


#: The overridable methods of :class:`~mfcsim.firms.base.Firm`, one firm at a time: the
#: hooks in the order of a firm's day, then the engine's own steps that count for the path.
HOOKS: dict[str, Hook] = {
    "setup": Hook(
        (), "once, after the firm is built (self.params ready)", "nothing",
        keeps_state=True, per_firm_path=False,
    ),
    "planned_activity": Hook(
        ("day", "process"), "per process, for today's plan and for tomorrow's orders",
        "activity units (per day) >= 0, before shocks and input limits (not asked for a "
        "process a machine pool serves: the machine's work is its plan)",
        keeps_state=False, per_firm_path=True, twin="plan_many",
    ),
    "target_stock": Hook(
        ("day",), "for today's imports and tomorrow's orders",
        "{material id or index: units wanted on hand}", keeps_state=False, per_firm_path=True,
        twin="target_many",
    ),
    "yield_factor": Hook(
        ("day", "process"), "per process with a yield_balance, as the produce phase starts",
        "factor >= 0 on the process's outputs (the mass difference goes to its yield_balance)",
        keeps_state=False, per_firm_path=False, twin="yield_many",
    ),
    "after_produce": Hook(
        ("day", "activity"), "after the produce phase, with the activity each process ran",
        "nothing (the one place, beside the on_ hooks, where state may change)",
        keeps_state=True, per_firm_path=False, twin="after_produce_many",
    ),
    "on_delivery": Hook(
        ("t_day", "material", "quantity"), "when a shipment arrives (t_day: arrival time)",
        "nothing", keeps_state=True, per_firm_path=False,
    ),
    "on_disruption": Hook(
        ("t_day", "kind", "started"),
        "when an outage or a shock of the firm starts or ends (kind: outage, yield_shock, "
        "demand_shock)", "nothing", keeps_state=True, per_firm_path=False,
    ),
    "produce": Hook(
        ("day",), "in the produce phase; runs the processes, writes ledger and activity "
        "(self.consume, self.make, self.ship, self.record_activity)",
        "nothing", keeps_state=True, per_firm_path=True, twin="produce_many",
    ),
    "plan": Hook(
        ("day",), "in the plan phase; fixes self.planned from plan_for(day)", "nothing",
        keeps_state=False, per_firm_path=True, engine_side=True,
    ),
    "plan_for": Hook(
        ("day",), "by plan and target_stock", "planned_activity per process, checked, times shocks",
        keeps_state=False, per_firm_path=True, engine_side=True,
    ),
}  # fmt: skip

#: Type-level hooks: classmethods that do for all vectorised firms of a type at once, on
#: arrays, what a per-firm hook does for one (``group`` is a
#: :class:`~mfcsim.firms.group.FirmGroup`; rows are its firms, columns their processes).
TYPE_HOOKS: dict[str, Hook] = {
    "plan_many": Hook(
        ("day", "group"), "for today's plan and for tomorrow's orders",
        "array (firms × processes) of activity units >= 0, as planned_activity would give",
        keeps_state=False, per_firm_path=False,
    ),
    "target_many": Hook(
        ("day", "group", "planned"), "for today's imports and tomorrow's orders (planned: "
        "that day's plan, firms × processes)",
        "{material id or index: array (firms) of units wanted on hand}, materials among the "
        "firms' inputs and demand (those left out: nothing wanted)", keeps_state=False,
        per_firm_path=False,
    ),
    "yield_many": Hook(
        ("day", "group"), "as the produce phase starts",
        "array (firms × processes) of yield factors, as yield_factor would give",
        keeps_state=False, per_firm_path=False,
    ),
    "produce_many": Hook(
        ("day", "group"), "in the produce phase, after the kernel's own processes; acts for "
        "group.active firms only (group.planned: today's plan)",
        "array (firms × processes) of the activity each process ran; moves goods with "
        "group.consume, group.make and group.ship", keeps_state=True, per_firm_path=False,
    ),
    "after_produce_many": Hook(
        ("day", "group", "activity"), "after the produce phase (activity: firms × processes)",
        "nothing (keep state in group.state arrays)", keeps_state=True,
        per_firm_path=False,
    ),
}  # fmt: skip

#: Methods a firm type may not override: the engine's vectorised path does their work on
#: arrays, so an override would be honoured on one path only.
SEALED = ("available", "holdings", "wanted")


def hook_line(name: str, hook: Hook) -> str:
    """One hook as the reference lists it: signature, when, returns, state and path."""
    side = ", engine side" if hook.engine_side else ""
    state = "may change state" if hook.keeps_state else "pure"
    if hook.per_firm_path and hook.twin:
        path = f"per-firm path unless the type implements {hook.twin}"
    elif hook.per_firm_path:
        path = "per-firm path"
    else:
        path = "stays vectorised"
    return (f"{name}({', '.join(hook.arguments)}){side}: {hook.called}; returns "
            f"{hook.returns}; {state}; {path}")  # fmt: skip


def hook_reference() -> str:
    """The hook reference, as Firm's docstring and docs/firm-hooks.md show it."""
    lines = ["Per firm (methods):", ""]
    lines += [f"- {hook_line(n, h)}" for n, h in HOOKS.items()]
    lines += ["", "Per type (classmethods, all vectorised firms of the type at once):", ""]
    lines += [f"- {hook_line(n, h)}" for n, h in TYPE_HOOKS.items()]
    lines += ["", f"Not overridable: {', '.join(SEALED)}."]
    return "\n".join(lines)


def check_hook_signatures(cls: type) -> None:
    """Refuse a firm type whose hooks cannot be called as the engine calls them.

    Per-firm hooks must be methods taking their :data:`HOOKS` arguments, type-level hooks
    classmethods taking theirs; the :data:`SEALED` methods may not be overridden.

    Raises:
        FirmHookError: Naming the type, the hook, its signature and the call it must take.
    """
    type_name = getattr(cls, "type_name", "") or cls.__name__
    for name in SEALED:
        if name in cls.__dict__:
            raise FirmHookError(
                "", name, "may not be overridden: the vectorised path does its work on arrays "
                "(accepted: target_stock to change what the firm wants)", firm_type=type_name,
            )  # fmt: skip
    for level, hooks in (("self", HOOKS), ("cls", TYPE_HOOKS)):
        for hook, spec in hooks.items():
            member = cls.__dict__.get(hook)
            if member is None:
                continue
            function = member.__func__ if isinstance(member, classmethod) else member
            is_class = isinstance(member, classmethod)
            call = f"{hook}({', '.join((level, *spec.arguments))})"
            if not callable(function) or is_class != (level == "cls"):
                kind = "a classmethod" if level == "cls" else "a method"
                raise FirmHookError("", hook, f"must be {kind}, called as {call}",
                                    firm_type=type_name)  # fmt: skip
            signature = inspect.signature(function)
            try:
                signature.bind(None, *spec.arguments)
            except TypeError:
                raise FirmHookError(
                    "",
                    hook,
                    f"defined as {hook}{signature}, but the engine calls {call} "
                    "(accepted: that signature)",
                    firm_type=type_name,
                ) from None
