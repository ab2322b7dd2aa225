"""Run folders on disk: written atomically, checked when read, in strict JSON.

A run folder (see :class:`mfcsim.results.Results`) is written under a hidden temporary name
beside its final place and renamed when every file is complete, so an interrupted run leaves
no half-written folder behind; ``manifest.json`` carries the folder's ``format_version``,
checked whenever a folder is read.

May import: errors. Everything else builds on it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mfcsim.errors import ResultsError, UsageError

#: Version of the run folder's layout (``manifest.json``'s ``format_version``): 2 since
#: v0.2 (activity.parquet, kpis from the indicator registry); folders without it are v0.1's.
FORMAT_VERSION = 2


def check_format_version(root: Path, manifest: dict[str, Any]) -> int:
    """The folder's format version; refuse one newer than this mfcsim reads.

    Raises:
        ResultsError: If the version is not a whole number or newer than ``FORMAT_VERSION``.
    """
    version = manifest.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultsError(f"{root}: manifest.json format_version {version!r} is not valid "
                           f"(accepted: a whole number from 1 to {FORMAT_VERSION})")  # fmt: skip
    if version > FORMAT_VERSION:
        raise ResultsError(
            f"{root}: written by a newer mfcsim (run folder format {version}; this one reads "
            f"formats 1 to {FORMAT_VERSION})"
        )
    return version


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float (also in lists and dicts) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    return value


def json_text(value: Any) -> str:
    """Strict JSON (RFC 8259: no NaN or Infinity; those are null), indented, one file."""
    return json.dumps(finite_or_none(value), indent=2, allow_nan=False) + "\n"


#: Logger of notes a run leaves for its user (stale folders removed, ...); the CLI prints them.
log = logging.getLogger("mfcsim")


def check_out_folder(folder: str | Path, option: str = "--out") -> Path:
    """Check that a run folder can be written at ``folder`` before anything is run.

    Accepted: a path whose last part is a name (not ``.`` or ``..``), that is not a symbolic
    link, that does not exist or is an empty folder, and whose nearest existing parent is a
    folder this process may write in.

    Raises:
        UsageError: Naming the option, the path and what is accepted.
    """
    final = Path(folder)
    accepted = "(accepted: a new folder, or an empty one, in a folder you may write in)"
    if final.name in ("", ".", ".."):
        raise UsageError(f"{option} {final}: does not name a new folder {accepted}")
    if final.is_symlink():
        raise UsageError(f"{option} {final}: is a symbolic link {accepted}")
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise UsageError(f"{option} {final}: exists and is not empty {accepted}")
    parent = final.parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a dangling link on the way
            raise UsageError(f"{option} {final}: {parent} is a broken symbolic link {accepted}")
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {final}: {parent} is not a folder {accepted}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {final}: {parent} is not writable {accepted}")
    return final


def _remove_stale(final: Path) -> None:
    """Remove the temporary folders of runs into ``final`` whose process has died."""
    for tmp in final.parent.glob(f".{glob.escape(final.name)}.*.tmp"):
        parts = tmp.name[len(final.name) + 2 :].split(".")
        if not parts or not parts[0].isdigit() or _alive(int(parts[0])):
            continue
        shutil.rmtree(tmp, ignore_errors=True)
        log.info("removed %s, left by a run that did not finish (process %s)", tmp, parts[0])


def _alive(pid: int) -> bool:
    """True if a process with this id runs (or may: one of another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sync_tree(folder: Path) -> None:
    """Fsync every file under ``folder``, then the folders themselves (bottom up)."""
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            with (Path(root) / name).open("rb") as handle:
                os.fsync(handle.fileno())
        _sync_dir(Path(root))


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_folder(folder: str | Path) -> Iterator[Path]:
    """A hidden temporary folder beside ``folder``, renamed to it when the block completes.

    If the block raises (or is interrupted), the temporary folder is removed and ``folder``
    is left as it was: nothing half-written is ever seen under the final name. Files are
    fsynced before the rename, so a completed run survives a power cut. The temporary name
    holds the process id (``.NAME.PID.XXXX.tmp``): one left by a killed run is removed at the
    next run into the same parent, with a note. The folder gets the mode the umask allows.

    Raises:
        UsageError: If ``folder`` is not a place for a new folder (:func:`check_out_folder`),
            or another run wrote it first.
    """
    final = check_out_folder(folder)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=final.parent)
    )
    try:
        tmp.chmod(0o777 & ~_umask())
        yield tmp
        _sync_tree(tmp)
        try:
            tmp.rename(final)  # atomic; replaces an empty folder, refuses a full one
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise UsageError(
                    f"{final}: another run wrote it first (accepted: a new folder)"
                ) from None
            raise
        _sync_dir(final.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
