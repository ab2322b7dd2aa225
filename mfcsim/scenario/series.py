"""Time series from CSV files: observed daily, monthly or yearly values driving a scenario.

These fields may be written as a series instead of a number::

    firms.<firm>.processes.<process>.capacity         activity per day (unit: a rate, t/yr)
    firms.<firm>.processes.<process>.capacity_factor  a share multiplying the capacity
    firms.<firm>.demand.<material>                    daily orders (unit: t/month, ...)
    boundary.imports|exports.<material>.price         EUR per unit (unit: EUR/t, ...)
    boundary.imports|exports.<material>.limit         units per day for the whole region

    capacity: {series: {file: data/inflow.csv, column: D_inflow, interpolation: step,
                        unit: t/yr}}

The CSV's first column is its key: ``date`` (``YYYY-MM-DD``), ``month`` (``YYYY-MM``) or
``year`` (``YYYY``), one row per day, month or year, in order and without gaps. ``step``
holds a row's value for its whole day, month or year; ``linear`` places each value on the
first day of its period and interpolates day by day to the next row's, so the file must
reach the period after the horizon's last day. ``unit`` is the unit of the values (absent:
base units per day already; a capacity factor takes none). Everything is checked at load and
converted once into one float per day of the horizon (:class:`ResolvedSeries`, in
``Scenario.series`` under the field's dotted path); a problem names the scenario's line and
the CSV's row. The field itself holds the series' peak (a price: its first day). The file's
SHA-256 goes into the manifest. The engine multiplies each process's seasonal factor by its
capacity series over the peak (:func:`series_factors`), and sets the day's demand, prices
and limits at the start of each day, on both paths alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn

from pydantic import Field

from mfcsim.errors import ScenarioError, short
from mfcsim.scenario.reader import LineMap, Path_, line_of
from mfcsim.scenario.spec import Spec
from mfcsim.units import to_base

#: The largest series file read, in bytes.
MAX_SERIES_BYTES = 50 * 1024 * 1024
#: The keys a series file may be indexed by (its first column's name).
KEYS = ("date", "month", "year")
#: Fields that take a series, by their place in a process: the kind of value.
PROCESS_FIELDS = {"capacity": "rate", "capacity_factor": "factor"}


class ResolvedSeries(Spec):
    """A series read and checked at load: one value per day of the horizon, in base units."""

    file: str = Field(description="the CSV file as written in the scenario")
    column: str
    interpolation: Literal["step", "linear"] = "step"
    unit: str | None = None
    sha256: str = Field(description="SHA-256 of the file's bytes (recorded in the manifest)")
    values: tuple[float, ...] = Field(description="per day of the horizon, base units")


def resolve_series(data: dict[str, Any], lines: LineMap, source: str) -> dict[str, Any]:
    """Replace every ``{series: {...}}`` a process capacity takes by its daily values.

    Returns the scenario mapping with numbers in place of the series (a capacity's peak; a
    capacity factor's field removed) and the daily values under ``series``.

    Raises:
        ScenarioError: At the scenario's line (and the CSV's row) of the first problem.
    """
    firms = data.get("firms")
    if not isinstance(firms, dict):
        return data
    found: dict[str, Any] = {}
    new_firms = dict(firms)
    for fid, firm in firms.items():
        procs = firm.get("processes") if isinstance(firm, dict) else None
        if not isinstance(procs, dict):
            continue
        new_procs = dict(procs)
        for pid, proc in procs.items():
            if not isinstance(proc, dict):
                continue
            new_procs[pid] = _resolve_process(
                data, proc, ("firms", fid, "processes", pid), lines, source, found
            )
        new_firms[fid] = {**firm, "processes": new_procs}
    for fid, firm in firms.items():
        demand = firm.get("demand") if isinstance(firm, dict) else None
        if isinstance(demand, dict) and any(_is_series(v) for v in demand.values()):
            resolved = _resolve_demand(data, demand, ("firms", fid, "demand"), lines, source, found)
            new_firms[fid] = {**new_firms[fid], "demand": resolved}
    _no_material_price_series(data, lines, source)
    boundary = _resolve_boundary(data, lines, source, found)
    if not found:
        return data
    written = data.get("series") or {}
    if not isinstance(written, dict):
        _fail(
            lines,
            source,
            ("series",),
            "accepted: a mapping of field paths to series, as "
            "the loader writes it (write series in the fields themselves)",
        )
    out = {**data, "firms": new_firms, "series": {**written, **found}}
    return out if boundary is None else {**out, "boundary": boundary}


def _no_material_price_series(data: Mapping[str, Any], lines: LineMap, source: str) -> None:
    """A material's own price (its value in the accounts) stays a number."""
    materials = data.get("materials")
    for mid, spec in (materials or {}).items() if isinstance(materials, dict) else ():
        if isinstance(spec, dict) and _is_series(spec.get("price")):
            _fail(
                lines,
                source,
                ("materials", mid, "price"),
                "a material's price takes no "
                f"series (accepted: a number; a series on boundary.imports.{mid}.price or "
                f"boundary.exports.{mid}.price)",
            )


def _resolve_boundary(
    data: Mapping[str, Any], lines: LineMap, source: str, found: dict[str, Any]
) -> dict[str, Any] | None:
    """Import and export ``price`` and ``limit`` series (None: the boundary has none)."""
    boundary, materials = data.get("boundary"), data.get("materials")
    if not isinstance(boundary, dict) or not isinstance(materials, dict):
        return None
    out, any_series = dict(boundary), False
    for market in ("imports", "exports"):
        entries = boundary.get(market)
        if not isinstance(entries, dict):
            continue
        new_entries = dict(entries)
        for mid, spec in entries.items():
            if not isinstance(spec, dict):
                continue
            unit = (
                materials.get(mid, {}).get("unit") if isinstance(materials.get(mid), dict) else None
            )
            new_spec = dict(spec)
            for key, target in (("price", f"EUR/{unit}"), ("limit", f"{unit}/day")):
                value = spec.get(key)
                if not (isinstance(value, dict) and "series" in value):
                    continue
                if unit not in ("t", "MWh", "m3"):
                    _fail(
                        lines,
                        source,
                        ("boundary", market, mid),
                        "a series needs a known material (accepted: one of the materials' ids)",
                    )
                where = ("boundary", market, mid, key)
                resolved = read_series(value["series"], f"to:{target}", data, where, lines, source)
                found[".".join(map(str, where))] = resolved
                new_spec[key] = resolved.values[0] if key == "price" else max(resolved.values)
                any_series = True
            new_entries[mid] = new_spec
        out[market] = new_entries
    return out if any_series else None


def _resolve_process(
    data: Mapping[str, Any],
    proc: dict[str, Any],
    path: Path_,
    lines: LineMap,
    source: str,
    found: dict[str, Any],
) -> dict[str, Any]:
    out = dict(proc)
    for key, kind in PROCESS_FIELDS.items():
        value = proc.get(key)
        if key == "capacity_factor" and key in proc and not _is_series(value):
            _fail(
                lines,
                source,
                (*path, key),
                "a capacity factor is a series (accepted: {series: {file: ..., column: ...}})",
            )
        if not isinstance(value, dict) or "series" not in value:
            continue
        where = (*path, key)
        resolved = read_series(value["series"], kind, data, where, lines, source)
        found[".".join(map(str, where))] = resolved
        if key == "capacity":
            out[key] = max(resolved.values, default=0.0)
        else:
            del out[key]
    return out


def _resolve_demand(
    data: Mapping[str, Any],
    demand: dict[str, Any],
    path: Path_,
    lines: LineMap,
    source: str,
    found: dict[str, Any],
) -> dict[str, Any]:
    """A firm's daily demand per material from series (the field holds the peak)."""
    materials = data.get("materials")
    out = dict(demand)
    for mid, value in demand.items():
        if not (isinstance(value, dict) and "series" in value):
            continue
        spec = materials.get(mid) if isinstance(materials, dict) else None
        unit = spec.get("unit") if isinstance(spec, dict) else None
        if unit not in ("t", "MWh", "m3"):
            _fail(
                lines,
                source,
                (*path, mid),
                f"unknown material {mid!r} (accepted: one of the materials' ids)",
            )
        where = (*path, mid)
        resolved = read_series(value["series"], f"to:{unit}/day", data, where, lines, source)
        found[".".join(map(str, where))] = resolved
        out[mid] = max(resolved.values, default=0.0)
    return out


def _is_series(value: Any) -> bool:
    return isinstance(value, dict) and "series" in value


def _fail(lines: LineMap, source: str, path: Path_, problem: str) -> NoReturn:
    src, line = line_of(path, lines, source)
    raise ScenarioError(src, problem, line=line, field=".".join(map(str, path)))


def read_series(
    spec: Any, kind: str, data: Mapping[str, Any], path: Path_, lines: LineMap, source: str
) -> ResolvedSeries:
    """Read, check and interpolate one series to the scenario's days.

    Raises:
        ScenarioError: Naming the scenario's line and field, and the CSV's row if it is there.
    """
    where = (*path, "series")
    if not isinstance(spec, dict):
        _fail(
            lines,
            source,
            where,
            "accepted: {file: ..., column: ..., interpolation: "
            f"step|linear, unit: ...}} (got {short(spec)})",
        )
    allowed = {"file", "column", "interpolation", "unit"}
    for key in spec:
        if key not in allowed:
            _fail(
                lines,
                source,
                (*where, key),
                f"unknown field (accepted: {', '.join(sorted(allowed))})",
            )
    for key in ("file", "column"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            _fail(lines, source, (*where, key), "required: a text (the CSV file, its column)")
    interpolation = spec.get("interpolation", "step")
    if interpolation not in ("step", "linear"):
        _fail(
            lines,
            source,
            (*where, "interpolation"),
            f"got {short(interpolation)} (accepted: step, linear)",
        )
    scale = _unit_scale(spec.get("unit"), kind, lines, source, (*where, "unit"))
    start, days = _horizon(data, lines, source, path)
    src, _ = line_of(where, lines, source)
    file = Path(spec["file"])
    csv_path = file if file.is_absolute() else Path(src).parent / file
    if csv_path.exists() and not csv_path.is_file():
        _fail(
            lines,
            source,
            (*where, "file"),
            f"{csv_path} is not a regular file (accepted: a CSV file)",
        )
    try:
        with csv_path.open("rb") as handle:
            raw = handle.read(MAX_SERIES_BYTES + 1)
    except OSError as exc:
        _fail(
            lines,
            source,
            (*where, "file"),
            f"cannot read {csv_path} ({exc.strerror or exc}; accepted: a CSV file, relative "
            "to the scenario file)",
        )
    if len(raw) > MAX_SERIES_BYTES:
        _fail(
            lines, source, (*where, "file"), f"{csv_path} is larger than {MAX_SERIES_BYTES:,} bytes"
        )
    key, keys, values = _parse(raw, csv_path, spec["column"], lines, source, where)
    daily = _daily(key, keys, values, interpolation, (start, days), csv_path, lines, source, where)
    return ResolvedSeries(
        file=spec["file"],
        column=spec["column"],
        interpolation=interpolation,
        unit=spec.get("unit"),
        sha256=hashlib.sha256(raw).hexdigest(),
        values=tuple(v * scale for v in daily),
    )


def _unit_scale(unit: Any, kind: str, lines: LineMap, source: str, path: Path_) -> float:
    """Factor from the series' unit to per day (capacity) or 1 (factor)."""
    if unit is None:
        return 1.0
    if kind.startswith("to:"):
        try:
            return to_base(f"1 {unit}", kind[3:])
        except ValueError:
            _fail(
                lines,
                source,
                path,
                f"got {short(unit)} (accepted: a unit convertible to {kind[3:]})",
            )
    if kind == "factor":
        if unit in ("1", ""):
            return 1.0
        _fail(
            lines,
            source,
            path,
            f"got {short(unit)} (accepted: no unit, or '1': a capacity factor is a share)",
        )
    if not isinstance(unit, str) or "/" not in unit:
        _fail(
            lines,
            source,
            path,
            f"got {short(unit)} (accepted: a rate such as 't/yr', 't/month', 'MWh/d')",
        )
    amount, _, per = str(unit).rpartition("/")
    try:
        to_base(f"1 {amount}", _base_of(amount))
        return to_base(f"1 t/{per}", "t/day")
    except ValueError:
        _fail(
            lines,
            source,
            path,
            f"got {short(unit)} (accepted: a rate such as 't/yr', 't/month', 'MWh/d', 'm3/week')",
        )


def _base_of(amount: str) -> str:
    for base in ("t", "MWh", "m3"):
        try:
            to_base(f"1 {amount}", base)
        except ValueError:
            continue
        return base
    return "t"


def _horizon(
    data: Mapping[str, Any], lines: LineMap, source: str, path: Path_
) -> tuple[dt.date, int]:
    start = data.get("start_date", dt.date(2026, 1, 1))
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            _fail(lines, source, ("start_date",), f"got {short(start)} (accepted: YYYY-MM-DD)")
    if not isinstance(start, dt.date):
        _fail(lines, source, ("start_date",), f"got {short(start)} (accepted: YYYY-MM-DD)")
    try:
        days = to_base(data.get("horizon"), "day")
    except ValueError as exc:
        _fail(lines, source, ("horizon",), str(exc))
    if not (math.isfinite(days) and days >= 1 and float(days).is_integer() and days <= 73_050):
        _fail(lines, source, ("horizon",), "a series needs a horizon of whole days, 1 to 73,050")
    return start, int(days)


def _parse(
    raw: bytes, csv_path: Path, column: str, lines: LineMap, source: str, where: Path_
) -> tuple[str, list[dt.date], list[float]]:
    """The key's name, the keys (each row's first day) and values; checks order, gaps, numbers."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail(lines, source, (*where, "file"), f"{csv_path} is not UTF-8 text")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0].strip() not in KEYS:
        got = header[0] if header else "nothing"
        _fail(
            lines,
            source,
            (*where, "file"),
            f"{csv_path}:1: first column {short(got)} (accepted: {', '.join(KEYS)})",
        )
    names = [h.strip() for h in header]
    if column not in names[1:]:
        _fail(
            lines,
            source,
            (*where, "column"),
            f"{csv_path}:1: no column {column!r} (accepted: {', '.join(names[1:])})",
        )
    key, col = names[0], names.index(column)
    keys: list[dt.date] = []
    values: list[float] = []
    for row in reader:
        row_no = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        here = f"{csv_path}:{row_no}"
        day = _key(row[0].strip(), key)
        if day is None:
            _fail(
                lines,
                source,
                where,
                f"{here}: {key} {short(row[0])} (accepted: "
                f"{ {'date': 'YYYY-MM-DD', 'month': 'YYYY-MM', 'year': 'YYYY'}[key] })",
            )
        if keys and day != _next(keys[-1], key):
            what = "a gap" if day > keys[-1] else "out of order or repeated"
            _fail(
                lines,
                source,
                where,
                f"{here}: {key} {row[0].strip()} is {what} after "
                f"{_show(keys[-1], key)} (accepted: one row per {_unit(key)}, in order)",
            )
        cell = row[col].strip() if col < len(row) else ""
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            _fail(
                lines, source, where, f"{here}: {column} {short(cell)} (accepted: a finite number)"
            )
        keys.append(day)
        values.append(value)
    if not keys:
        _fail(lines, source, (*where, "file"), f"{csv_path}: no rows (accepted: one per {key})")
    return key, keys, values


def _key(text: str, key: str) -> dt.date | None:
    try:
        if key == "date":
            return dt.date.fromisoformat(text)
        if key == "month":
            year, month = text.split("-")
            return dt.date(int(year), int(month), 1)
        return dt.date(int(text), 1, 1)
    except ValueError:
        return None


def _next(day: dt.date, key: str) -> dt.date:
    if key == "date":
        return day + dt.timedelta(days=1)
    if key == "month":
        return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return dt.date(day.year + 1, 1, 1)


def _show(day: dt.date, key: str) -> str:
    return {"date": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[key]


def _unit(key: str) -> str:
    return {"date": "day", "month": "month", "year": "year"}[key]


def _daily(
    key: str,
    keys: list[dt.date],
    values: list[float],
    interpolation: str,
    horizon: tuple[dt.date, int],
    csv_path: Path,
    lines: LineMap,
    source: str,
    where: Path_,
) -> list[float]:
    """The value on each day of the horizon (step: its period's; linear: between starts)."""
    start, days = horizon
    last_day = start + dt.timedelta(days=days - 1)
    end = _next(keys[-1], key)  # first day after the last row's period
    if keys[0] > start or (end <= last_day if interpolation == "step" else keys[-1] < last_day):
        need = "the horizon" if interpolation == "step" else "the horizon's last day (linear: a "
        need += "" if interpolation == "step" else "row at or after it)"
        _fail(
            lines,
            source,
            where,
            f"{csv_path}: rows {_show(keys[0], key)} to "
            f"{_show(keys[-1], key)} do not cover {start.isoformat()} to "
            f"{last_day.isoformat()} (accepted: rows covering {need})",
        )
    out = []
    i = 0
    for d in range(days):
        day = start + dt.timedelta(days=d)
        while i + 1 < len(keys) and keys[i + 1] <= day:
            i += 1
        if interpolation == "step" or day == keys[i]:
            out.append(values[i])
            continue
        span = (keys[i + 1] - keys[i]).days
        share = (day - keys[i]).days / span
        out.append(values[i] + (values[i + 1] - values[i]) * share)
    return out


def series_factors(
    series: Mapping[str, ResolvedSeries],
    capacity: float,
    field: str,
) -> list[float] | None:
    """Daily factors a process's season is multiplied by (None: no series on ``field``)."""
    hit = series.get(field)
    if hit is None:
        return None
    if field.endswith(".capacity"):
        return [v / capacity if capacity > 0 else 0.0 for v in hit.values]
    return list(hit.values)


def check_series(scenario: Any) -> None:
    """Every series is on a process's capacity or capacity factor, one value per day.

    Raises:
        FieldProblem: At ``series.<path>``.
    """
    from mfcsim.scenario.spec import FieldProblem

    for key, hit in scenario.series.items():
        parts = key.split(".")
        market = (
            len(parts) == 4
            and parts[0] == "boundary"
            and parts[1] in ("imports", "exports")
            and parts[2] in getattr(scenario.boundary, parts[1])
            and parts[3] in ("price", "limit")
        )
        demand = (
            len(parts) == 4
            and parts[0] == "firms"
            and parts[2] == "demand"
            and parts[1] in scenario.firms
            and parts[3] in scenario.firms[parts[1]].demand
        )
        ok = (
            market
            or demand
            or (
                len(parts) == 5
                and parts[0] == "firms"
                and parts[2] == "processes"
                and parts[4] in PROCESS_FIELDS
                and parts[1] in scenario.firms
                and parts[3] in scenario.firms[parts[1]].processes
            )
        )
        if not ok:
            raise FieldProblem(
                ("series", key),
                "not a series field (accepted: firms.<firm>.processes.<process>.capacity or "
                ".capacity_factor, firms.<firm>.demand.<material>, "
                "boundary.imports|exports.<material>.price or .limit)",
            )
        if len(hit.values) != scenario.horizon_day:
            raise FieldProblem(
                ("series", key, "values"),
                f"{len(hit.values)} values for {scenario.horizon_day} days (accepted: one per day)",
            )
