"""Loading a scenario: read, merge, override, expand, validate; errors with file:line.

:func:`load_scenario` reads the file and the files it ``extends:``
(:mod:`mfcsim.scenario.reader`), applies ``--set`` overrides
(:mod:`mfcsim.scenario.overrides`), expands firm types (:mod:`mfcsim.scenario.expand`) and
validates the result as a :class:`~mfcsim.scenario.root.Scenario`. Errors come out as
:class:`ScenarioError` with the file, the line and the dotted field path, e.g.
``scenarios/tiny.yaml:12: firms.digester.processes.digest: recipe does not close ...``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mfcsim.errors import ScenarioError, short
from mfcsim.scenario.expand import expand_firm_types
from mfcsim.scenario.fields import accepted_fields
from mfcsim.scenario.overrides import apply_overrides
from mfcsim.scenario.provenance import resolve_provenance
from mfcsim.scenario.reader import LineMap, Path_, line_of, read_with_extends
from mfcsim.scenario.root import Scenario
from mfcsim.scenario.series import resolve_series
from mfcsim.scenario.spec import FieldProblem
from mfcsim.units import MAX_NUMBER

#: The largest size of a number in a scenario (beyond it, sums and distances overflow).
MAX_MAGNITUDE = MAX_NUMBER


def _message(err: Mapping[str, Any], loc: Path_) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        accepted = accepted_fields(loc[:-1])
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
        src, line = line_of(loc, lines, source)
        problems.append((line or 0, src, line, ".".join(str(p) for p in loc), msg))
    problems.sort(key=lambda p: p[0])
    _, src, line, field, msg = problems[0]
    if len(problems) > 1:
        msg += f" (and {len(problems) - 1} more problem(s))"
    return ScenarioError(src, msg, line=line, field=field)


def scenario_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", lines: LineMap | None = None
) -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML).

    Raises:
        ScenarioError: With the file, line and field path of the first problem.
    """
    lines = {} if lines is None else lines
    _check_magnitudes(data, (), lines, source)
    data = resolve_provenance(dict(data), lines)
    expanded = resolve_series(expand_firm_types(dict(data), lines, source), lines, source)
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
        src, line = line_of(path, lines, source)
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
