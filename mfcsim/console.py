"""The rich console the command line prints its tables on."""

from __future__ import annotations

from typing import Any

#: Columns of a table printed into a pipe or file, where nothing needs to fit a screen.
PIPE_WIDTH = 200


def table_console() -> Any:
    """A rich Console: the terminal's width, or :data:`PIPE_WIDTH` in a pipe (one line a row)."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, PIPE_WIDTH))
    return console
