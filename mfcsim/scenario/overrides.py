"""``--set`` overrides: ``dotted.path=value``, checked against the schema, then applied.

An override may change any field the schema defines, a parameter of a firm's type or an
entry the type builds, but never invents an entity: a misspelt id is refused with the
nearest existing ones.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from typing import Any

import yaml

from mfcsim.errors import RegistryError, ScenarioError, short
from mfcsim.scenario.expand import PARAM_ERRORS, firm_type
from mfcsim.scenario.fields import schema_kind
from mfcsim.scenario.reader import LineMap, Path_


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse one ``--set dotted.path=value`` (the value is read as YAML).

    Raises:
        ScenarioError: If there is no ``=`` or the path is empty.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or any(not p for p in key.strip().split(".")):
        raise ScenarioError("--set", f"{text!r} is not of the form dotted.path=value (e.g. seed=3)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str], lines: LineMap
) -> dict[str, Any]:
    """Apply ``--set`` overrides after merging; each path is marked as coming from ``--set``.

    A path may name any field the schema defines (written in the file or not), a parameter
    of the firm's type, a process or other entry the firm's type builds, or a new entry of a
    map of amounts; it never creates an entity (a firm, material, process, contract, ...):
    a misspelt id is refused with the nearest existing ones.

    Raises:
        ScenarioError: At ``--set`` if a path names no such field or crosses a value.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        keys, value = parse_override(text)
        check_override_path(out, keys)
        node: Any = out
        for i, key in enumerate(keys[:-1]):
            nxt = node.get(key) if isinstance(node, dict) else None
            if nxt is None:
                nxt = node[key] = {} if isinstance(node, dict) else None
            if not isinstance(nxt, dict):
                where = ".".join(keys[: i + 1])
                raise ScenarioError("--set", f"{where} is not a mapping", field=".".join(keys))
            node = nxt
        node[keys[-1]] = value
        lines[tuple(keys)] = ("--set", 0)
    return out


def check_override_path(data: dict[str, Any], keys: list[str]) -> None:
    """Refuse a ``--set`` path that would invent structure (see :func:`apply_overrides`).

    Raises:
        ScenarioError: Naming the path, the unknown key and the nearest existing keys.
    """
    node: Any = data
    for i, key in enumerate(keys):
        loc = tuple(keys[:i])
        if i == 4 and keys[0] == "firms" and keys[2] == "params":
            return  # inside a parameter's value: the type checks it
        existing = _keys_here(data, loc, node)
        if key in existing:
            node = node.get(key) if isinstance(node, dict) else None
            continue
        kind, fields = schema_kind(loc)
        if kind == "params":
            fields = _parameter_names(data, keys[1])
        if kind == "model" and key in fields:
            node = {}
            continue
        if kind == "params" and (fields is None or key in fields):
            return
        if kind in ("values", "other") or (kind == "entities" and i == len(keys) - 1):
            return  # an amount, a free value, or a whole new entry given in full
        known = sorted(set(existing) | set(fields or ()))
        near = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hint = (
            f"did you mean {', '.join(near)}?"
            if near
            else f"accepted: {', '.join(known[:20])}"
            if known
            else "accepted: entries written in the file; --set does not create them"
        )
        if kind == "model":
            hint = f"accepted: {', '.join(fields or ())}" + (
                f"; did you mean {', '.join(near)}?" if near else ""
            )
            raise ScenarioError("--set", f"unknown field ({hint})", field=".".join(keys))
        where = ".".join(keys[:i]) or "the top level"
        raise ScenarioError(
            "--set", f"no entry {short(key)} in {where} ({hint})", field=".".join(keys)
        )


def _keys_here(data: dict[str, Any], loc: Path_, node: Any) -> list[str]:
    """The keys at ``loc``: written in the data, or built by the firm's type."""
    keys = list(node) if isinstance(node, dict) else []
    if len(loc) >= 2 and loc[0] == "firms":
        built: Any = _type_defaults(data, str(loc[1]))
        for part in loc[2:]:
            built = built.get(part) if isinstance(built, dict) else None
        if isinstance(built, dict):
            keys += [k for k in built if k not in keys]
    return keys


def _parameter_names(data: dict[str, Any], fid: str) -> list[str] | None:
    """The parameters the firm's type declares (None: it takes any)."""
    firm = (data.get("firms") or {}).get(fid)
    try:
        cls = firm_type(str(firm["type"])) if isinstance(firm, dict) else None
    except (RegistryError, KeyError):
        return None
    names = getattr(cls, "PARAMETERS", None)
    return None if names is None else sorted(names)


def _type_defaults(data: dict[str, Any], fid: str) -> dict[str, Any]:
    """What the firm's type builds from its parameters (empty if that fails: reported later)."""
    firm = (data.get("firms") or {}).get(fid)
    if not isinstance(firm, dict) or "type" not in firm:
        return {}
    try:
        built: dict[str, Any] = firm_type(str(firm["type"])).defaults(
            dict(firm.get("params") or {})
        )
        return built
    except (RegistryError, *PARAM_ERRORS):
        return {}
