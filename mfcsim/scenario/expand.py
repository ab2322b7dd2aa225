"""Firm types expanded into their recipes before validation.

A scenario names firm types; their classes live in :mod:`mfcsim.firms.registry`, which hands
its resolver to :func:`use_firm_types` when it is imported (as ``import mfcsim`` does), so
that the scenario package never imports the registry. Each firm is filled with the defaults
its type builds from its parameters (processes, storage, ...); what the file says wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mfcsim.errors import RegistryError, ScenarioError, short
from mfcsim.scenario.reader import LineMap, Path_, deep_merge, line_of
from mfcsim.scenario.spec import FieldProblem

#: Resolves a firm type's name to its class; set by :mod:`mfcsim.firms.registry` when it is
#: imported (as ``import mfcsim`` does), so that this package never imports the registry.
FirmTypes = Callable[[str], Any]
_firm_types: list[FirmTypes] = []


def use_firm_types(resolve: FirmTypes) -> None:
    """Set how firm type names are resolved when scenarios are expanded (the registry's)."""
    _firm_types[:] = [resolve]


def firm_type(name: str) -> Any:
    """The class of firm type ``name``, from the resolver set by :func:`use_firm_types`.

    Raises:
        RegistryError: If no resolver is set or the name is unknown.
    """
    if not _firm_types:
        raise RegistryError("no firm registry (import mfcsim before loading scenarios)")
    return _firm_types[0](name)


#: What a firm type's defaults may raise on parameters of the wrong shape or value.
PARAM_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError)

#: Fields of a generated process whose keys are material ids.
_PROCESS_AMOUNTS = ("inputs", "outputs", "from_environment", "to_environment")
#: Fields of a generated firm whose keys are material ids.
_FIRM_AMOUNTS = ("storage", "initial_stock", "demand")


def expand_firm_types(data: dict[str, Any], lines: LineMap, source: str) -> dict[str, Any]:
    """Fill each firm with the defaults of its type (processes from its parameters).

    Raises:
        ScenarioError: If a firm names an unknown type or its parameters are invalid, at
            ``firms.<id>.params.<name>`` (or deeper) where the parameter at fault is known:
            a material its parameters name that the scenario does not declare, a value of
            the wrong shape, or a :class:`FieldProblem` the type raises (its path relative
            to ``params``).
    """
    firms = data.get("firms")
    if not isinstance(firms, dict):
        return data
    materials = data.get("materials")
    known = sorted(map(str, materials)) if isinstance(materials, dict) else None
    out = {}
    for fid, firm in firms.items():
        if not isinstance(firm, dict) or "type" not in firm:
            out[fid] = firm
            continue
        defaults = _defaults(str(fid), firm, known, lines, source)
        out[fid] = deep_merge(defaults, firm)
    return {**data, "firms": out}


def _defaults(
    fid: str, firm: dict[str, Any], known: list[str] | None, lines: LineMap, source: str
) -> dict[str, Any]:
    """The defaults of one firm's type; errors at the parameter at fault."""
    path: Path_ = ("firms", fid)
    given = firm.get("params") or {}
    if not isinstance(given, dict):
        src, line = line_of((*path, "params"), lines, source)
        raise ScenarioError(
            src, f"{short(given)} (accepted: a mapping of parameter names to values)",
            line=line, field=f"firms.{fid}.params",
        )  # fmt: skip
    params = dict(given)
    try:
        cls = firm_type(str(firm["type"]))
    except RegistryError as exc:
        src, line = line_of((*path, "type"), lines, source)
        raise ScenarioError(src, str(exc), line=line, field=f"firms.{fid}.type") from None
    try:
        defaults: dict[str, Any] = cls.defaults(params)
        unknown = _unknown_materials(defaults, known)
    except FieldProblem as exc:
        where, problem = exc.path, exc.message
    except PARAM_ERRORS as exc:
        # a firm type's own ValueError says what is wrong; anything else is a bad shape
        where = _blamed(params, str(exc))
        problem = (
            str(exc)
            if isinstance(exc, ValueError)
            else f"firm type {firm['type']!r} cannot build its recipes from these params "
            f"({exc.__class__.__name__}: {exc}; accepted: see `mfcsim list firm-types`)"
        )
    else:
        if not unknown:
            return defaults
        where = _naming(cls.resolve_params(params), unknown[0], params) or ()
        problem = f"unknown material {unknown[0]!r} (accepted: {', '.join(known or [])})"
    field = (*path, "params", *where)
    src, line = line_of(field, lines, source)
    raise ScenarioError(src, problem, line=line, field=".".join(map(str, field))) from None


def _unknown_materials(defaults: dict[str, Any], known: list[str] | None) -> list[str]:
    """Material ids the generated fields name that the scenario does not declare, in order."""
    if known is None:
        return []
    named: list[Any] = []
    for process in (defaults.get("processes") or {}).values():
        if isinstance(process, dict):
            for key in _PROCESS_AMOUNTS:
                named.extend(process.get(key) or {})
            named.append(process.get("yield_balance"))
    for key in _FIRM_AMOUNTS:
        named.extend(defaults.get(key) or {})
    have = set(known)
    return list(dict.fromkeys(m for m in named if isinstance(m, str) and m not in have))


def _naming(params: dict[str, Any], value: str, written: dict[str, Any]) -> Path_ | None:
    """Where in ``params`` ``value`` is named (as a string, a key or a list item).

    Parameters the file wrote are searched first, then the defaults.
    """
    order = sorted(params, key=lambda name: name not in written)
    for name in order:
        found = _find(params[name], value)
        if found is not None:
            return (name, *found)
    return None


def _find(node: Any, value: str) -> Path_ | None:
    if node == value:
        return ()
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list | tuple):
        items = enumerate(node)
    else:
        return None
    for key, child in items:
        if key == value:
            return (key,)
        found = _find(child, value)
        if found is not None:
            return (key, *found)
    return None


def _blamed(params: dict[str, Any], message: str) -> Path_:
    """The parameter a type's error message is about.

    A quoted value it names, the only value of a quoted Python type (``'list' object has
    no attribute ...``), or the one parameter name it mentions; ``()`` if none.
    """
    for token in re.findall(r"'([^']+)'", message):
        found = _naming(params, token, params)
        if found is not None:
            return found
        typed = [name for name, value in params.items() if type(value).__name__ == token]
        if len(typed) == 1:
            return (typed[0],)
    named = [name for name in params if re.search(rf"\b{re.escape(str(name))}\b", message)]
    return (named[0],) if len(named) == 1 else ()
