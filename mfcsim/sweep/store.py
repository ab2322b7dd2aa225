"""The sweep folder: ``sweep.json``, Parquet datasets written run by run, and resume.

Layout::

    sweep.json                    the manifest: design, seeds, versions, the scenario's hash
    indicators/part-KEY.parquet   the indicators of the runs of one finished batch
    flows/part-KEY.parquet        their ledgers (with ``--keep flows``)
    runs/part-KEY.parquet         one row per finished run of that batch (written last)
    failed/RUN_ID.json            a run that raised: its variant, seed and error

Each part is written under a temporary name and renamed, and a batch's ``runs`` part is
written after its other parts: a run is finished when its id is in ``runs/``. On
opening, parts without their ``runs`` part (a client killed between the two
renames) and temporary files are removed, so every finished run is in each dataset exactly
once and an unfinished one is run again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mfcsim.errors import UsageError
from mfcsim.runfolder import json_text

#: What ``sweep.json`` says it is.
KIND = "mfcsim-sweep"
#: The manifest's fields that must match for a folder to be resumed by a command.
IDENTITY = ("scenario", "set", "days", "seed", "design")
#: The folders that are not a table's dataset.
OTHER = ("runs", "failed")


def open_folder(
    folder: Path, manifest: dict[str, Any], tables: Sequence[str] = ("indicators",)
) -> set[str]:
    """Make ``folder`` a sweep folder for ``manifest``, or resume it; its finished run ids.

    Raises:
        UsageError: If ``folder`` is a file, holds another sweep, or is a non-empty folder
            that is not a sweep.
    """
    accepted = "accepted: a new or empty folder, or this same sweep's folder to resume it"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: is not a folder ({accepted})")
    about = folder / "sweep.json"
    if folder.is_dir() and any(folder.iterdir()):
        if not about.is_file():
            raise UsageError(
                f"--out {folder}: exists, is not empty and is not a sweep ({accepted})"
            )
        old = read_manifest(folder)
        differs = [k for k in IDENTITY if old.get(k) != manifest.get(k)]
        if old.get("kind") != KIND or differs:
            raise UsageError(
                f"--out {folder}: holds another sweep (its {', '.join(differs) or 'kind'} "
                f"differs; {accepted})"
            )
        return _tidy(folder, tables)
    folder.mkdir(parents=True, exist_ok=True)
    for table in (*tables, *OTHER):
        (folder / table).mkdir(exist_ok=True)
    write_manifest(folder, manifest)
    return set()


def identity_key(manifest: dict[str, Any]) -> str:
    """A short hash of what makes a sweep this sweep (:data:`IDENTITY`): its default folder."""
    text = json.dumps({k: manifest.get(k) for k in IDENTITY}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def read_manifest(folder: Path) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep folder.

    Raises:
        UsageError: If there is none or it is not JSON.
    """
    try:
        about = json.loads((folder / "sweep.json").read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{folder}: not a sweep folder (no readable sweep.json: {exc})") from None
    if not isinstance(about, dict) or about.get("kind") != KIND:
        raise UsageError(f"{folder}: sweep.json is not an mfcsim sweep manifest")
    return about


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``sweep.json`` atomically."""
    _replace(folder / "sweep.json", json_text(manifest).encode())


def finished_ids(folder: Path) -> set[str]:
    """The ids of the runs whose ``runs`` part is written."""
    parts = sorted((folder / "runs").glob("part-*.parquet"))
    ids: set[str] = set()
    for part in parts:
        ids.update(pd.read_parquet(part, columns=["run_id"])["run_id"])
    return ids


def failed_runs(folder: Path) -> list[dict[str, Any]]:
    """The records of the runs that raised (and have not finished since)."""
    return [json.loads(p.read_text()) for p in sorted((folder / "failed").glob("*.json"))]


def _tidy(folder: Path, tables: Sequence[str]) -> set[str]:
    """Remove temporary files, orphan parts and stale failures; the finished ids."""
    for table in (*tables, *OTHER):
        (folder / table).mkdir(exist_ok=True)
        for tmp in (folder / table).glob(".*.tmp"):
            tmp.unlink()
    done = {p.name for p in (folder / "runs").glob("part-*.parquet")}
    for table in tables:
        for part in (folder / table).glob("part-*.parquet"):
            if part.name not in done:
                part.unlink()
    ids = finished_ids(folder)
    for record in (folder / "failed").glob("*.json"):
        if record.stem in ids:
            record.unlink()
    return ids


def part_key(run_ids: Iterable[str]) -> str:
    """The name of a batch's parts: a hash of its run ids."""
    return hashlib.sha256(",".join(sorted(run_ids)).encode()).hexdigest()[:20]


def write_batch(folder: Path, tables: dict[str, pd.DataFrame], runs: pd.DataFrame) -> None:
    """Write one batch's finished runs: each table's part first, then the runs part."""
    if runs.empty:
        return
    name = f"part-{part_key(runs['run_id'])}.parquet"
    for table, frame in tables.items():
        _replace(folder / table / name, _parquet_bytes(frame))
    _replace(folder / "runs" / name, _parquet_bytes(runs))
    for run_id in runs["run_id"]:
        (folder / "failed" / f"{run_id}.json").unlink(missing_ok=True)


def write_failure(folder: Path, record: dict[str, Any]) -> None:
    """Record a run that raised: ``failed/RUN_ID.json``."""
    _replace(folder / "failed" / f"{record['run_id']}.json", json_text(record).encode())


def read_table(folder: Path, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """One table of a sweep folder as a frame (empty if no run has finished)."""
    parts = sorted((folder / table).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    frames = [pd.read_parquet(p, columns=list(columns) if columns else None) for p in parts]
    return pd.concat(frames, ignore_index=True)


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, fsync, and rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
