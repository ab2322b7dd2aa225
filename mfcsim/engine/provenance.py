"""Where a run comes from, for its manifest: mfcsim's commit, the plug-ins, the command line.

``mfcsim_commit`` is ``git describe`` of the checkout mfcsim is imported from when that is
a git work tree (an editable install), else the installed version; it never fails for
want of git. ``plugins`` are the installed distributions providing entry points in the
``mfcsim.firms``, ``mfcsim.policies`` or ``mfcsim.indicators`` groups, with their versions.
``command`` is the command line when the run was started by the ``mfcsim`` command
(:func:`use_command_line`), ``None`` when mfcsim is used as a library.
"""

from __future__ import annotations

import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mfcsim.plugins import installed_plugins

_command: list[list[str] | None] = [None]


def use_command_line(argv: list[str] | None) -> None:
    """Record the command line runs are started by (``None``: not from the command line)."""
    _command[0] = None if argv is None else [str(a) for a in argv]


@cache
def source_version() -> str:
    """``git describe --tags --always --dirty`` of mfcsim's checkout, else its version."""
    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists():
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "describe", "--tags", "--always", "--dirty"],
                capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    try:
        return version("mfcsim")
    except PackageNotFoundError:
        return "unknown"


def provenance() -> dict[str, Any]:
    """The manifest's ``mfcsim_commit``, ``plugins`` and ``command``."""
    command = _command[0]
    return {
        "mfcsim_commit": source_version(),
        "plugins": installed_plugins(),
        "command": None if command is None else list(command),
    }
