"""``mfcsim report`` and ``mfcsim dashboard``: looking at run folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mfcsim.errors import UsageError


def report_command(
    folder: Annotated[Path, typer.Argument(help="A run folder, or a comparison folder.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", metavar="FILE.html", help="The HTML file (default FOLDER/report.html)."
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(metavar="RUN_FOLDER", help="A run folder to compare the run with (B − A)."),
    ] = None,
) -> None:
    """Write the standalone HTML report of a run (or a comparison) and print its path."""
    from mfcsim.reporting import write_report

    typer.echo(str(write_report(folder, out, baseline=baseline)))


def dashboard(
    runs_dir: Annotated[Path, typer.Argument(help="A folder of run folders (e.g. runs).")],
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to serve on.")] = 8050,
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="The address to bind (the default: this machine only)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the Dash explorer over the run folders under RUNS_DIR."""
    if not runs_dir.is_dir():
        raise UsageError(f"{runs_dir}: no such folder (accepted: a folder that holds run folders)")
    from dashboards.explorer import serve

    typer.echo(f"mfcsim explorer: http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    serve(runs_dir, host=host, port=port)
