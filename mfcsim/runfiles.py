"""Read a run folder, or a comparison folder, for viewing: frames in, clear errors out.

This is the reading side the report and the explorer need (:class:`mfcsim.viz.RunData`); a
missing, failed or foreign folder raises :class:`~mfcsim.errors.ResultsError` with one line
that says which folder, what is wrong and what is accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mfcsim.errors import ResultsError
from mfcsim.viz.rundata import ComparisonData, RunData

#: The run folder format this reader knows (``format_version`` in manifest.json; absent = 1).
FORMAT_VERSION = 1
REQUIRED = ("flows", "stocks", "nodes", "materials")
OPTIONAL = ("shipments", "service", "events", "indicators", "substance_flows")
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
    version = manifest.get("format_version", FORMAT_VERSION) if isinstance(manifest, dict) else -1
    if version != FORMAT_VERSION:
        raise ResultsError(
            f"{root}: run folder format_version {version} (accepted: {FORMAT_VERSION})"
        )
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
    if {"x_km", "lat"} & set(nodes.columns) or not (root / "scenario.resolved.yaml").exists():
        return nodes
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        firms = yaml.load((root / "scenario.resolved.yaml").read_text(), Loader=loader)["firms"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return nodes
    out = nodes.copy()
    for key in ("lat", "lon", "x_km", "y_km"):
        out[key] = [(firms.get(str(n), {}).get("location") or {}).get(key) for n in out["node"]]
        out[key] = pd.to_numeric(out[key], errors="coerce")
    return out


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
    return RunData(label or root.name, **frames, **extra, info=info, pillars=pillars())


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
