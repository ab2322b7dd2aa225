"""What the commands print: numbers, one-line warnings, tables and progress bars."""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Sequence
from typing import Any

import typer

from mfcsim.console import table_console


def fmt(value: float) -> str:
    """A number as the tables show it: n/a, thousands with separators, else 4 digits."""
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def warn(message: str) -> None:
    """Print a warning on stderr, one line: ``mfcsim: warning: MESSAGE``."""
    typer.echo(f"mfcsim: warning: {message}", err=True)


def print_rows(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table with whole names: folded, never cut, on a terminal; one line a row in a pipe."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for i, name in enumerate(header):
        table.add_column(name, overflow="fold" if i == 0 else "ellipsis")
    for row in rows:
        table.add_row(*(v if isinstance(v, str) else fmt(v) for v in row))
    table_console().print(table)


def progress(days: int, enabled: bool, label: str = "simulating") -> tuple[Any, Any]:
    """A progress bar over ``days`` steps and the callback that advances it (or two Nones)."""
    if not enabled:
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task(label, total=days)
    return bar, lambda day: bar.update(task, completed=day + 1)


def counting(total: int, label: str, enabled: bool) -> tuple[Any, Any]:
    """A progress bar over ``total`` finished jobs, and the callback that advances it."""
    bar, tick = progress(total, enabled, label)
    if bar is None:
        return contextlib.nullcontext(), None
    done = itertools.count()
    return bar, lambda _: tick(next(done))
