"""Reading scenario files: YAML with the line of every field path, and ``extends:``.

This is the only module that reads scenario files: a regular UTF-8 file within size limits,
composed by YAML's safe rules into plain values, with duplicate keys, alias bombs, recursive
aliases and deep nesting refused, and the file and line of every field path recorded (a
:data:`LineMap`) for the errors of :mod:`mfcsim.scenario.load`.
"""

from __future__ import annotations

import copy
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mfcsim.errors import ScenarioError, short

Path_ = tuple[str | int, ...]
#: Where each field path was written: (file, line).
LineMap = dict[Path_, tuple[str, int]]


#: The largest scenario (or extended) file read, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The most values (mappings, lists and scalars) a file may expand to, aliases followed.
MAX_YAML_NODES = 200_000
#: The deepest nesting of mappings and lists a file may have.
MAX_YAML_DEPTH = 64


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


def line_of(path: Path_, lines: LineMap, default: str) -> tuple[str, int | None]:
    """The file and line where ``path`` (or the nearest field above it) was written."""
    for end in range(len(path), -1, -1):
        hit = lines.get(path[:end])
        if hit is not None:
            src, line = hit
            return src, (line or None)
    return default, None
