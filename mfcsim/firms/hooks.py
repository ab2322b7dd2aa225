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
    """A method of :class:`Firm` that a firm type may override, as the engine sees it.

    Attributes:
        arguments: What the engine passes after ``self``; a type whose override cannot take
            them is refused when it is defined.
        called: When the engine calls it, and what it returns.
        per_firm_path: Overriding it moves the firm type from the vectorised kernels (numpy
            over all firms that keep the base methods) to the per-firm path (its own Python
            methods, the same arithmetic, slower).
        engine_side: Not a hook but the engine's own step for the firm (the kernels take it
            for the firms that keep it); listed because an override of it counts for the
            path all the same.
    """

    arguments: tuple[str, ...]
    called: str
    per_firm_path: bool
    engine_side: bool = False


#: The overridable methods of :class:`Firm`: the hooks in the order of a firm's day, then the
#: engine's own steps that count for the path (documented on :class:`Firm`).
HOOKS: dict[str, Hook] = {
    "setup": Hook(
        (),
        "once, after the firm is built (self.params ready); returns nothing",
        per_firm_path=False,
    ),
    "planned_activity": Hook(
        ("day", "process"),
        "per process, for today's plan and for tomorrow's orders; returns activity units >= 0",
        per_firm_path=True,
    ),
    "target_stock": Hook(
        ("day",),
        "for today's imports and tomorrow's orders; returns {material: units wanted on hand}",
        per_firm_path=True,
    ),
    "produce": Hook(
        ("day",),
        "in the produce phase; runs the processes, writes ledger and activity; returns nothing",
        per_firm_path=True,
    ),
    "plan": Hook(
        ("day",),
        "in the plan phase; fixes self.planned from plan_for(day); returns nothing",
        per_firm_path=True,
        engine_side=True,
    ),
    "plan_for": Hook(
        ("day",),
        "by plan and target_stock; returns planned_activity per process, checked, times shocks",
        per_firm_path=True,
        engine_side=True,
    ),
}


def check_hook_signatures(cls: type) -> None:
    """Refuse a firm type whose hooks cannot be called as the engine calls them.

    Raises:
        FirmHookError: Naming the type, the hook, its signature and the call it must take.
    """
    for hook, spec in HOOKS.items():
        function = cls.__dict__.get(hook)
        if function is None or not callable(function):
            continue
        signature = inspect.signature(function)
        try:
            signature.bind(None, *spec.arguments)
        except TypeError:
            raise FirmHookError(
                "",
                hook,
                f"defined as {hook}{signature}, but the engine calls "
                f"{hook}({', '.join(('self', *spec.arguments))}) (accepted: that signature)",
                firm_type=getattr(cls, "type_name", "") or cls.__name__,
            ) from None
