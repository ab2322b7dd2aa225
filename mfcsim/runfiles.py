"""Read a run folder, or a comparison folder, for viewing: frames in, clear errors out.

This is the reading side the report and the explorer need (:class:`mfcsim.viz.RunData`); a
missing, failed or foreign folder raises :class:`~mfcsim.errors.ResultsError` with one line
that says which folder, what is wrong and what is accepted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mfcsim.errors import ResultsError
from mfcsim.runfolder import check_format_version
from mfcsim.viz.rundata import ComparisonData, RunData

REQUIRED = ("flows", "stocks", "nodes", "materials")
OPTIONAL = ("shipments", "service", "events", "indicators", "substance_flows", "provenance")
INFO_KEYS = ("scenario", "seed", "days", "firms")
ACCEPTED = "accepted: a run folder of mfcsim run, or a comparison folder of mfcsim compare"


def pillars() -> dict[str, str]:
    """Indicator name to pillar, from the indicator registry."""
    from mfcsim.indicators import INDICATORS

    return {name: spec.pillar for name, spec in INDICATORS.items()}


def folder_kind(folder: str | Path) -> str:
    """``run``, ``comparison`` or ``replications`` (rep-NNN folders).

    Raises:
        ResultsError: If the folder does not exist or is none of these.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ResultsError(f"{root}: no such folder ({ACCEPTED})")
    if (root / "comparison.parquet").exists():
        return "comparison"
    if (root / "manifest.json").exists():
        return "run"
    if (root / "rep-000").is_dir():
        return "replications"
    if not any(root.iterdir()):
        raise ResultsError(f"{root}: the folder is empty ({ACCEPTED})")
    if root.name.endswith(".tmp"):
        raise ResultsError(f"{root}: an unfinished run (a temporary folder) ({ACCEPTED})")
    raise ResultsError(f"{root}: no manifest.json, not a run folder ({ACCEPTED})")


def _manifest(root: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{root}: manifest.json is unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise ResultsError(f"{root}: manifest.json is not a mapping ({ACCEPTED})")
    check_format_version(root, manifest)  # the run folder's own rule (1 to FORMAT_VERSION)
    return manifest


def _frame(root: Path, name: str) -> pd.DataFrame:
    path = root / f"{name}.parquet"
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise ResultsError(f"{root}: {name}.parquet is missing ({ACCEPTED})") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{root}: {name}.parquet is unreadable ({exc})") from None


def _locations(root: Path, nodes: pd.DataFrame) -> pd.DataFrame:
    """Add ``lat, lon, x_km, y_km`` from scenario.resolved.yaml where nodes.parquet lacks them."""
    if {"x_km", "lat"} & set(nodes.columns):
        return nodes
    firms = _scenario_dict(root, "firms").get("firms") or {}
    out = nodes.copy()
    for key in ("lat", "lon", "x_km", "y_km"):
        out[key] = [(firms.get(str(n), {}).get("location") or {}).get(key) for n in out["node"]]
        out[key] = pd.to_numeric(out[key], errors="coerce")
    return out


#: Daily fill per buyer is kept for this many buyers (the largest by quantity ordered).
BUYERS_PER_DAY = 10


def daily_fill(service: pd.DataFrame) -> pd.DataFrame:
    """Order fill and regional fill per day, for all buyers ("") and the largest buyers.

    Each value is :func:`mfcsim.indicators.service_levels.order_fills` of that day's order
    lines (one definition); per buyer only for the :data:`BUYERS_PER_DAY` largest, so that a
    region of hundreds of buyers is read in seconds.
    """
    columns = ["t_day", "buyer", "measure", "value"]
    if service.empty:
        return pd.DataFrame(columns=columns)
    day = service["t_day"].floordiv(1.0).rename("day")
    ordered = service.groupby("buyer", observed=True)["ordered"].sum()
    largest = ordered.sort_values(ascending=False, kind="stable").index[:BUYERS_PER_DAY]
    mine = service["buyer"].isin(largest)
    parts = [("", service.groupby(day))]
    parts += [(None, service[mine].groupby([day[mine], "buyer"], observed=True))]
    rows = []
    for fixed, grouped in parts:
        for key, lines in grouped:
            t, buyer = (key, fixed) if fixed is not None else (key[0], str(key[1]))
            rows += _fills(float(t[0] if isinstance(t, tuple) else t), buyer, lines)
    return pd.DataFrame(rows, columns=columns)


def _fills(t_day: float, buyer: str, lines: pd.DataFrame) -> list[tuple[float, str, str, float]]:
    from mfcsim.indicators.service_levels import order_fills

    order, regional = order_fills(lines)
    return [(t_day, buyer, "order_fill", order), (t_day, buyer, "regional_fill", regional)]


def evaluation_periods(raw: dict[str, Any], days: int) -> pd.DataFrame:
    """``period, start_day, end_day`` of the run's evaluation periods (as the indicators use)."""
    from mfcsim.indicators.periods import evaluation_periods as periods_of

    evaluation = raw.get("evaluation") or {}
    given = {n: (p["start"], p["end"]) for n, p in (evaluation.get("periods") or {}).items()}
    chosen = periods_of(days, given or None, int(evaluation.get("warm_up") or 0))
    return pd.DataFrame([(p.name, p.start_day, p.end_day) for p in chosen],
                        columns=["period", "start_day", "end_day"])  # fmt: skip


def _scenario_dict(root: Path, only: str | None = None) -> dict[str, Any]:
    """The resolved scenario as a mapping; with ``only``, just that top-level entry.

    Reading one entry takes its block of lines (a top-level key starts a line): the resolved
    scenario of a 1,000-firm region is most of a megabyte of firms.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        text = (root / "scenario.resolved.yaml").read_text()
        if only is not None:
            match = re.search(rf"^{re.escape(only)}:.*?(?=^\S|\Z)", text, re.M | re.S)
            text = match.group(0) if match else ""
        raw = yaml.load(text, Loader=loader)
    except (OSError, yaml.YAMLError):
        return {}
    return raw if isinstance(raw, dict) else {}


def read_run(folder: str | Path, label: str | None = None) -> RunData:
    """The frames of a run folder, named ``label`` (default: the folder's name).

    Raises:
        ResultsError: If the folder is missing, unfinished, of another format or lacks a file.
    """
    root = Path(folder)
    kind = folder_kind(root)
    if kind != "run":
        raise ResultsError(f"{root}: a {kind} folder, not a run folder ({ACCEPTED})")
    manifest = _manifest(root)
    frames = {n: _frame(root, n) for n in REQUIRED}
    frames["nodes"] = _locations(root, frames["nodes"])
    extra = {n: _frame(root, n) for n in OPTIONAL if (root / f"{n}.parquet").exists()}
    info = {k: manifest[k] for k in INFO_KEYS if k in manifest}
    raw = _scenario_dict(root, "evaluation")
    days = int(manifest.get("days") or frames["stocks"]["t_day"].max())
    fill = daily_fill(extra.get("service", pd.DataFrame()))
    periods = evaluation_periods(raw, days)
    return RunData(label or root.name, **frames, **extra, daily_fill=fill, periods=periods,
                   info=info, pillars=pillars())  # fmt: skip


def read_comparison(folder: str | Path) -> ComparisonData:
    """The table of a comparison folder (``mfcsim compare``).

    Raises:
        ResultsError: If the folder is not a readable comparison folder.
    """
    root = Path(folder)
    if folder_kind(root) != "comparison":
        raise ResultsError(f"{root}: not a comparison folder ({ACCEPTED})")
    table = _frame(root, "comparison")
    try:
        info = json.loads((root / "comparison.json").read_text())
    except (OSError, ValueError):
        info = {}
    info = {k: v for k, v in info.items() if k != "rows"} if isinstance(info, dict) else {}
    return ComparisonData(root.name, table, info=info, pillars=pillars())
