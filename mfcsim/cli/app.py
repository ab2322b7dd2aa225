"""The ``mfcsim`` Typer app, the options its commands share and the default run folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mfcsim.cli.metavars import MfcsimTyper
from mfcsim.errors import UsageError

app = MfcsimTyper(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="mfcsim: material flows in metropolitan food clusters.",
)


#: Help of ``--workers`` and ``--scheduler`` (every parallel run goes through Dask).
WORKERS_HELP = "Dask worker processes on a LocalCluster on this machine (1: run here)."
SCHEDULER_HELP = "Address of a running Dask scheduler (tcp://HOST:8786) instead of a LocalCluster."
#: Metavar of ``--set``, ``--a-set`` and ``--b-set`` (a dotted scenario path and its value).
OVERRIDE = "PATH=VALUE"


def default_out(name: str, seed: int, root: Path = Path("runs")) -> Path:
    """``runs/<name>/<UTC timestamp>-seed<N>``, with a suffix if that exists already."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = root / name / f"{stamp}-seed{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def check_counts(**counts: int | None) -> None:
    """Raise a one-line usage error unless every given count (``--reps``, ...) is 1 or more."""
    for name, value in counts.items():
        if value is not None and value < 1:
            raise UsageError(f"--{name} {value}: too small (accepted: a whole number, 1 or more)")
