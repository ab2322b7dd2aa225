"""Reading scenario files: YAML with line numbers, ``extends:``, ``--set`` overrides.

This is the only module that reads scenario files. Errors come out as :class:`ScenarioError`
with the file, the line and the dotted field path, e.g.
``scenarios/tiny.yaml:12: firms.digester.processes.digest: recipe does not close ...``.
"""

from __future__ import annotations

import copy
import difflib
import math
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from mfcsim.errors import RegistryError, ScenarioError, short
from mfcsim.scenario.schema import FieldProblem, Scenario
from mfcsim.units import MAX_NUMBER

Path_ = tuple[str | int, ...]
#: Where each field path was written: (file, line).
LineMap = dict[Path_, tuple[str, int]]


#: The largest scenario (or extended) file read, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The most values (mappings, lists and scalars) a file may expand to, aliases followed.
MAX_YAML_NODES = 200_000
#: The largest size of a number in a scenario (beyond it, sums and distances overflow).
MAX_MAGNITUDE = MAX_NUMBER
#: The deepest nesting of mappings and lists a file may have.
MAX_YAML_DEPTH = 64


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


class _YamlProblem(Exception):
    def __init__(self, message: str, line: int) -> None:
        self.message, self.line = message, line


class _Builder:
    """Builds Python objects from composed YAML nodes, within the expansion limits.

    Records the line of every field path; refuses recursive aliases, more than
    ``MAX_YAML_NODES`` values after following aliases (an alias bomb) and nesting deeper
    than ``MAX_YAML_DEPTH``.
    """

    def __init__(self, lines: LineMap, source: str) -> None:
        self.lines, self.source, self.count = lines, source, 0
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path_, lines: LineMap | None = None) -> Any:
        """The value of ``node`` at field path ``path``, its lines recorded in ``lines``."""
        where = self.lines if lines is None else lines
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise _YamlProblem(
                f"the file expands to more than {MAX_YAML_NODES:,} values (aliases followed; "
                "accepted: a smaller file, fewer nested aliases)",
                line,
            )
        if len(path) > MAX_YAML_DEPTH:
            raise _YamlProblem(f"nested deeper than {MAX_YAML_DEPTH} levels", line)
        if id(node) in self.active:
            raise _YamlProblem("an alias refers to a value that contains it (recursive)", line)
        where[path] = (self.source, line)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return _scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(v, (*path, i), lines) for i, v in enumerate(node.value)]
            return self._mapping(node, path, where)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path_, lines: LineMap) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *anchor` or `<<: [*a, *b]`: keys written here win
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                merged_lines: LineMap = {}
                for src in reversed(sources):
                    value = self.build(src, path, merged_lines)
                    if not isinstance(value, dict):
                        raise _YamlProblem(
                            "a merge key (<<) takes a mapping or a list of mappings",
                            key_node.start_mark.line + 1,
                        )
                    merged.update(value)
                for where, at in merged_lines.items():  # keys written here keep their lines
                    lines.setdefault(where, at)
                continue
            key = str(_scalar(key_node))
            if key in out:
                raise _YamlProblem(f"duplicate key {short(key)}", key_node.start_mark.line + 1)
            out[key] = self.build(value_node, (*path, key), lines)
            lines[(*path, key)] = (self.source, key_node.start_mark.line + 1)
        return {**merged, **out}


_SCALARS = yaml.SafeLoader("")
MERGE_TAG = "tag:yaml.org,2002:merge"


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar node with YAML's safe rules (numbers, booleans, dates, strings)."""
    return _SCALARS.construct_object(node)


def read_text(path: Path) -> str:
    """The text of a scenario file: a regular file of at most ``MAX_FILE_BYTES``, UTF-8.

    Raises:
        ScenarioError: If the file is missing, not a regular file, too large or unreadable.
    """
    source = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(source, "not a regular file (accepted: a YAML file)")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                source,
                f"the file has {info.st_size:,} bytes (accepted: at most {MAX_FILE_BYTES:,})",
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError(source, f"the file has more than {MAX_FILE_BYTES:,} bytes")
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, f"cannot read the file ({exc.__class__.__name__})") from None


def read_yaml(path: Path) -> tuple[dict[str, Any], LineMap]:
    """Read one YAML mapping and the line of every field path in it.

    Raises:
        ScenarioError: If the file is missing, is not YAML, has a duplicate key, expands
            beyond the limits, or is not a mapping at the top level.
    """
    source = str(path)
    text = read_text(path)
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ScenarioError(source, f"YAML syntax error: {_yaml_problem(exc)}",
                            line=_yaml_line(exc)) from None  # fmt: skip
    except RecursionError:
        raise ScenarioError(source, f"nested deeper than {MAX_YAML_DEPTH} levels") from None
    if node is None:
        raise ScenarioError(source, "the file is empty (accepted: a YAML mapping of fields)")
    lines: LineMap = {}
    try:
        data = _Builder(lines, source).build(node, ())
    except _YamlProblem as bad:
        raise ScenarioError(source, bad.message, line=bad.line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, f"YAML error: {_yaml_problem(exc)}",
                            line=_yaml_line(exc)) from None  # fmt: skip
    if not isinstance(data, dict):
        raise ScenarioError(source, "the top level must be a mapping of fields", line=1)
    return data, lines


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What a YAML error says is wrong, on one line, without its marks."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    return " ".join(str(problem).split())


def _yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into ``base``: mappings recursively, everything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_with_extends(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], LineMap]:
    """Read a scenario file and the files it ``extends:`` (paths relative to the file).

    ``extends`` may name one file or a list; later files and the file itself win.
    """
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, resolved))
        raise ScenarioError(str(path), f"extends forms a cycle: {chain}")
    data, lines = read_yaml(path)
    parents = data.pop("extends", None)
    if parents is None:
        return data, lines
    names = [parents] if isinstance(parents, str) else parents
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        src, line = lines[("extends",)]
        raise ScenarioError(
            src, "must be a file name or a list of file names", line=line, field="extends"
        )
    merged: dict[str, Any] = {}
    merged_lines: LineMap = {}
    for name in names:
        parent = path.parent / name
        if not parent.exists():
            src, line = lines[("extends",)]
            raise ScenarioError(src, f"file {str(parent)!r} not found", line=line, field="extends")
        pdata, plines = read_with_extends(parent, (*_seen, resolved))
        merged = deep_merge(merged, pdata)
        merged_lines.update(plines)
    merged_lines.update(lines)
    return deep_merge(merged, data), merged_lines


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
        kind, fields = _schema_kind(loc)
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
    except (RegistryError, *_PARAM_ERRORS):
        return {}


def _schema_kind(loc: Path_) -> tuple[str, list[str] | None]:
    """What the schema has at ``loc``.

    A model and its fields, a map of entities, a map of values, the params of a firm (with
    its type's parameter names), or something else.
    """
    if len(loc) == 3 and loc[0] == "firms" and loc[2] == "params":
        return "params", None
    annotation = _annotation_at(loc)
    if _is_model(annotation):
        return "model", sorted(annotation.model_fields)
    if get_origin(annotation) is dict:
        inner = _unwrap(get_args(annotation)[-1])
        return ("entities", []) if _is_model(inner) else ("values", None)
    return "other", None


def _line_of(path: Path_, lines: LineMap, default: str) -> tuple[str, int | None]:
    for end in range(len(path), -1, -1):
        hit = lines.get(path[:end])
        if hit is not None:
            src, line = hit
            return src, (line or None)
    return default, None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional/Union down to a model or container type."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, UnionType):
        for arg in map(_unwrap, get_args(annotation)):
            if get_origin(arg) in (dict, list) or _is_model(arg):
                return arg
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(loc: Path_) -> Any:
    """The annotation of the field at ``loc``, walking the Scenario model (None: no field)."""
    annotation: Any = Scenario
    for part in loc:
        annotation = _unwrap(annotation)
        if _is_model(annotation):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        else:
            return None
    return _unwrap(annotation)


def _accepted_fields(loc: Path_) -> list[str]:
    """The field names accepted at ``loc`` (none where no model stands there)."""
    annotation = _annotation_at(loc)
    return sorted(annotation.model_fields) if _is_model(annotation) else []


def _message(err: Mapping[str, Any], loc: Path_) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        accepted = _accepted_fields(loc[:-1])
        return f"unknown field (accepted: {', '.join(accepted)})" if accepted else "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    if kind == "literal_error":
        return f"{msg} (got {short(err.get('input'))})"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return (
            f"{msg} (got {short(err.get('input'))}; accepted: a number, or a quantity like '12 t')"
        )
    if kind in _BOUNDS:
        key, sign = _BOUNDS[kind]
        bound = err.get("ctx", {}).get(key)
        shown = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"{msg} (got {short(err.get('input'))}; accepted: a number {sign} {shown})"
    return msg


#: pydantic's error types for numeric bounds: the bound's key in the error and its sign.
_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _without_tags(loc: Path_, data: Any) -> Path_:
    """``loc`` without pydantic's union member tags (``outage``, ``constrained-float``)."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(data, Mapping) and part not in data and data.get("kind") == part:
            continue
        if isinstance(data, str | int | float):  # a value: the rest tags a union member
            break
        out.append(part)
        data = data.get(part) if isinstance(data, Mapping) else None
    return tuple(out)


def _flatten(exc: ValidationError, lines: LineMap, source: str, data: Any = None) -> ScenarioError:
    problems = []
    for err in exc.errors(include_url=False):
        loc: Path_ = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            loc, msg = (*loc, *cause.path), cause.message
        else:
            msg = _message(err, loc)
        loc = _without_tags(loc, data)
        src, line = _line_of(loc, lines, source)
        problems.append((line or 0, src, line, ".".join(str(p) for p in loc), msg))
    problems.sort(key=lambda p: p[0])
    _, src, line, field, msg = problems[0]
    if len(problems) > 1:
        msg += f" (and {len(problems) - 1} more problem(s))"
    return ScenarioError(src, msg, line=line, field=field)


#: What a firm type's defaults may raise on parameters of the wrong shape or value.
_PARAM_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError)


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
            src, line = _line_of((*path, "type"), lines, source)
            raise ScenarioError(src, str(exc), line=line, field=f"firms.{fid}.type") from None
        except _PARAM_ERRORS as exc:
            # a firm type's own ValueError says what is wrong; anything else is a bad shape
            problem = (
                str(exc)
                if isinstance(exc, ValueError)
                else f"firm type {firm['type']!r} cannot build its recipes from these params "
                f"({exc.__class__.__name__}: {exc}; accepted: see `mfcsim types`)"
            )
            src, line = _line_of((*path, "params"), lines, source)
            raise ScenarioError(src, problem, line=line, field=f"firms.{fid}.params") from None
        out[fid] = deep_merge(defaults, firm)
    return {**data, "firms": out}


def scenario_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", lines: LineMap | None = None
) -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML).

    Raises:
        ScenarioError: With the file, line and field path of the first problem.
    """
    lines = {} if lines is None else lines
    _check_magnitudes(data, (), lines, source)
    expanded = expand_firm_types(dict(data), lines, source)
    try:
        return Scenario.model_validate(expanded)
    except ValidationError as exc:
        raise _flatten(exc, lines, source, expanded) from None


def _check_magnitudes(node: Any, path: Path_, lines: LineMap, source: str) -> None:
    """Refuse a number beyond ``MAX_MAGNITUDE`` anywhere (overflow in distances and costs).

    Raises:
        ScenarioError: At the number's file, line and field path.
    """
    if isinstance(node, dict):
        for key, value in node.items():
            _check_magnitudes(value, (*path, key), lines, source)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_magnitudes(value, (*path, i), lines, source)
    elif _too_large(node):
        src, line = _line_of(path, lines, source)
        raise ScenarioError(
            src,
            f"{short(node)} is too large (accepted: numbers of at most {MAX_MAGNITUDE:g} in size)",
            line=line,
            field=".".join(map(str, path)),
        )


def _too_large(value: Any) -> bool:
    """A finite number beyond ``MAX_MAGNITUDE`` (non-finite ones are the schema's to refuse)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and abs(value) > MAX_MAGNITUDE


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    seed: int | None = None,
    days: int | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: ``dotted.path=value`` strings, applied after ``extends`` merging.
        seed: Replaces ``seed`` if given.
        days: Replaces ``horizon`` (whole days) if given.

    Returns:
        The validated, frozen scenario in base units.

    Raises:
        ScenarioError: For any problem, naming file, line, field and what is accepted.
    """
    path = Path(path)
    data, lines = read_with_extends(path)
    extra = list(overrides)
    if seed is not None:
        extra.append(f"seed={seed}")
    if days is not None:
        extra.append(f"horizon={days}")
    data = apply_overrides(data, extra, lines)
    return scenario_from_dict(data, source=str(path), lines=lines)
