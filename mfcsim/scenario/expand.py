"""Firm types expanded into their recipes before validation.

A scenario names firm types; their classes live in :mod:`mfcsim.firms.registry`, which hands
its resolver to :func:`use_firm_types` when it is imported (as ``import mfcsim`` does), so
that the scenario package never imports the registry. Each firm is filled with the defaults
its type builds from its parameters (processes, storage, ...); what the file says wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mfcsim.errors import RegistryError, ScenarioError
from mfcsim.scenario.reader import LineMap, Path_, deep_merge, line_of

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


def expand_firm_types(data: dict[str, Any], lines: LineMap, source: str) -> dict[str, Any]:
    """Fill each firm with the defaults of its type (processes from its parameters).

    Raises:
        ScenarioError: If a firm names an unknown type or its parameters are invalid.
    """
    firms = data.get("firms")
    if not isinstance(firms, dict):
        return data
    out = {}
    for fid, firm in firms.items():
        if not isinstance(firm, dict) or "type" not in firm:
            out[fid] = firm
            continue
        path: Path_ = ("firms", fid)
        try:
            cls = firm_type(str(firm["type"]))
            defaults = cls.defaults(dict(firm.get("params") or {}))
        except RegistryError as exc:
            src, line = line_of((*path, "type"), lines, source)
            raise ScenarioError(src, str(exc), line=line, field=f"firms.{fid}.type") from None
        except PARAM_ERRORS as exc:
            # a firm type's own ValueError says what is wrong; anything else is a bad shape
            problem = (
                str(exc)
                if isinstance(exc, ValueError)
                else f"firm type {firm['type']!r} cannot build its recipes from these params "
                f"({exc.__class__.__name__}: {exc}; accepted: see `mfcsim types`)"
            )
            src, line = line_of((*path, "params"), lines, source)
            raise ScenarioError(src, problem, line=line, field=f"firms.{fid}.params") from None
        out[fid] = deep_merge(defaults, firm)
    return {**data, "firms": out}
