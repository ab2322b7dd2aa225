"""Provenance of a scenario's numbers, read from the comments of its files at load.

The scenario files cite their coefficients in comments: an id of the scenario's ``sources:``
table (``C1``, ``W01``, ``K05``), a reference in words, or the word *assumption*. The loader
turns those comments into data, one :class:`Provenance` per number written in a file (a
number, or a quantity such as ``'12 t/d'``), keyed by its dotted field path, so that a report
can list a run's assumptions and a sweep can vary exactly them (the paths are ``--set``
paths). Which comment belongs to a number:

1. the comment at the end of its line (in a flow mapping, every number of the line shares it);
2. else the block of whole-line comments right above its line;
3. else the comment of the nearest enclosing field, found the same way (a comment above
   ``keep_pigs:`` covers every number of that process).

Its status: ``assumption`` if the comment says *assumption*; else ``cited`` if it names an id
of ``sources:``; else ``noted`` (a comment without either, such as a reference in words);
``uncited`` without any comment. A comment covers every number it is found for, so a line
that cites C1 for one number and calls another an assumption marks both: the status is the
comment's, read conservatively (assumption first).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from mfcsim.scenario.reader import LineMap, Path_
from mfcsim.scenario.spec import Spec

Status = Literal["assumption", "cited", "noted", "uncited"]
#: Top-level fields that hold no coefficients.
NOT_COEFFICIENTS = frozenset({
    "name", "description", "sources", "provenance", "series", "extends", "horizon", "seed",
    "start_date", "gwp", "evaluation",
})  # fmt: skip
#: Ids of ``sources:`` that name a status, not a source.
STATUS_IDS = frozenset({"assumption", "assumptions"})
_QUANTITY = re.compile(r"^\s*[-+]?(\d|\.\d|inf)", re.IGNORECASE)
_ASSUMPTION = re.compile(r"\bassum(ption|ed)\b", re.IGNORECASE)
COLUMNS = ("path", "value", "at", "status", "sources", "note")


class Provenance(Spec):
    """Where one number of the scenario comes from (written by the loader).

    Attributes:
        value: The number as written (``'12 t/d'``), before units are converted.
        at: ``FILE:LINE`` where the number is written.
        status: ``assumption``, ``cited``, ``noted`` or ``uncited`` (see the module).
        sources: The ids of the scenario's ``sources:`` its comment names.
        note: The comment (empty: none).
    """

    value: str
    at: str
    status: Status
    sources: tuple[str, ...] = ()
    note: str = Field("", description="the comment the status was read from")


@cache
def _file_lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()


def trailing_comment(line: str) -> str:
    """The comment at the end of a YAML line ('' if none): ``#`` outside quotes, after a space."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :].strip()
    return ""


def comment_at(source: str, line: int) -> str:
    """The comment of the field written at ``source``'s ``line``: on the line, else above it."""
    lines = _file_lines(source)
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1]
    if not text.lstrip().startswith("#"):
        own = trailing_comment(text)
        if own:
            return own
    above: list[str] = []
    for previous in reversed(lines[: line - 1]):
        stripped = previous.strip()
        if not stripped.startswith("#"):
            break
        above.append(stripped.lstrip("#").strip())
    return " ".join(reversed(above))


def _leaves(node: Any, path: Path_) -> list[tuple[Path_, Any]]:
    """Every number or quantity below ``node``, with its path (places left out)."""
    if path and path[-1] == "location":
        return []
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    is_number = isinstance(node, int | float) and not isinstance(node, bool)
    if is_number or (isinstance(node, str) and _QUANTITY.match(node)):
        return [(path, node)]
    return []


def _comment_of(path: Path_, lines: LineMap) -> tuple[str, str]:
    """(``FILE:LINE`` of the number, the comment that covers it)."""
    source, line = lines[path]
    for depth in range(len(path), 0, -1):
        where = lines.get(path[:depth])
        if where is not None:
            note = comment_at(*where)
            if note:
                return f"{source}:{line}", note
    return f"{source}:{line}", ""


def classify(note: str, source_ids: list[str]) -> tuple[Status, tuple[str, ...]]:
    """The status of a comment, and the source ids it names."""
    named = tuple(s for s in source_ids if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", note))
    if _ASSUMPTION.search(note):
        return "assumption", named
    if named:
        return "cited", named
    return ("noted" if note else "uncited"), named


def resolve_provenance(data: dict[str, Any], lines: LineMap) -> dict[str, Any]:
    """The scenario mapping with ``provenance`` added: every written number, classified.

    Numbers whose field path has no recorded line (given in Python, not in a file) are left
    out. A mapping that holds a ``provenance`` already (a resolved scenario read again, whose
    comments are gone) keeps it as it is.
    """
    if not lines or "provenance" in data:
        return data
    sources = data.get("sources")
    source_ids = (
        sorted((s for s in sources if str(s) not in STATUS_IDS), key=len, reverse=True)
        if isinstance(sources, dict)
        else []
    )
    found: dict[str, Any] = {}
    for key, value in data.items():
        if key in NOT_COEFFICIENTS:
            continue
        for path, written in _leaves(value, (key,)):
            if path not in lines:
                continue
            at, note = _comment_of(path, lines)
            status, named = classify(note, [str(s) for s in source_ids])
            found[".".join(str(p) for p in path)] = {
                "value": str(written), "at": at, "status": status, "sources": list(named),
                "note": note,
            }  # fmt: skip
    return {**data, "provenance": found} if found else data


def provenance_frame(provenance: dict[str, Provenance]) -> pd.DataFrame:
    """The run folder's ``provenance.parquet``: one row per number of the scenario."""
    rows = [
        (path, p.value, p.at, p.status, ",".join(p.sources), p.note)
        for path, p in provenance.items()
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {"path": "string", "value": "string", "at": "string", "status": "string",
         "sources": "string", "note": "string"}
    )  # fmt: skip
