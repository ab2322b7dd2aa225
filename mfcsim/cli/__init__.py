"""The command line: ``mfcsim run | compare | business-case | sweep | report | validate | ...``.

Exit codes: 0 success; 2 bad input (scenario, arguments, output folder) with one line
``FILE:LINE: field.path: what is wrong (what is accepted)`` on stderr and no traceback;
1 for an unexpected internal error (including a failed mass-balance check).
"""

from __future__ import annotations

from mfcsim.cli import business, compare, generate, info, run, sweep, view
from mfcsim.cli.app import app
from mfcsim.cli.entry import console, main

__all__ = ["app", "console", "main"]

# the commands, in the order of ``mfcsim --help``
app.command()(run.run)
app.command("report")(view.report_command)
app.command()(view.dashboard)
app.command()(compare.compare)
app.command("business-case")(business.business_case)
app.command()(info.validate)
app.command()(info.schema)
app.command()(info.types)
app.add_typer(info.list_app, name="list")
app.add_typer(sweep.sweep_app, name="sweep")
app.add_typer(generate.generate_app, name="generate")
