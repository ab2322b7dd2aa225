"""The command line: ``mfcsim run | validate | schema | types``.

Exit codes: 0 success; 2 bad input (scenario, arguments, output folder) with one line
``FILE:LINE: field.path: what is wrong (what is accepted)`` on stderr and no traceback;
1 for an unexpected internal error (including a failed mass-balance check).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.errors import MassBalanceError, MfcsimError, UsageError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="mfcsim: material flows in metropolitan food clusters.",
)

#: KPIs shown after a run, with their labels.
HEADLINE = (
    ("imports_t", "imports (t)"),
    ("imports_MWh", "imports (MWh)"),
    ("exports_t", "exports (t)"),
    ("disposal_t", "disposal (t)"),
    ("emissions_t", "emissions to air, water, soil (t)"),
    ("residues_generated_t", "residues generated (t)"),
    ("residues_reused_t", "residues reused (t)"),
    ("residue_reuse_rate", "residue reuse rate"),
    ("transport_tkm", "transport (t·km)"),
    ("total_co2e_t", "CO2e, all accounted (t)"),
    ("contract_fill_rate", "contract fill rate"),
    ("mass_balance_max_rel_error", "mass balance max rel. error"),
)


def default_out(name: str, seed: int, root: Path = Path("runs")) -> Path:
    """``runs/<name>/<UTC timestamp>-seed<N>``, with a suffix if that exists already."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = root / name / f"{stamp}-seed{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _progress(days: int, enabled: bool) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("simulating", total=days)
    return bar, lambda day: bar.update(task, completed=day + 1)


def _fmt(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _print_table(kpis: dict[str, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("headline", "value", box=None, pad_edge=False)
    for key, label in HEADLINE:
        if key in kpis:
            table.add_row(label, _fmt(kpis[key]))
    Console().print(table)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[
        Path | None, typer.Option(help="Run folder (default runs/<name>/<time>-seed<N>).")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Replace the scenario's seed.")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a field: dotted.path=value.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder's path.")] = False,
    strict: Annotated[bool, typer.Option(help="Fail if the mass balance does not hold.")] = True,
) -> None:
    """Run a scenario and write its run folder."""
    from mfcsim.scenario.load import load_scenario
    from mfcsim.simulation import Simulation

    scn = load_scenario(scenario, set_ or (), seed=seed, days=days)
    folder = out if out is not None else default_out(scn.name, scn.seed)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"--out {folder}: exists and is not empty (accepted: a new folder)")
    bar, tick = _progress(scn.horizon_day, not quiet and sys.stderr.isatty())
    sim = Simulation(scn, progress=tick)
    if bar is not None:
        with bar:
            results = sim.run(strict=strict)
    else:
        results = sim.run(strict=strict)
    if not strict:
        try:
            results.check_balance()
        except MassBalanceError as exc:
            typer.echo(f"mfcsim: warning: {exc}", err=True)
    path = results.write(folder)
    typer.echo(str(path))
    if not quiet:
        typer.echo(f"report: {path / 'kpis.json'}")
        _print_table(results.kpis)
        from mfcsim.indicators import print_scorecard, scorecard

        print_scorecard(scorecard(results.indicators))


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")]) -> None:
    """Check a scenario without running it."""
    from mfcsim.scenario.load import load_scenario

    scn = load_scenario(scenario)
    typer.echo("ok")
    typer.echo(
        f"{scn.name}: {len(scn.firms)} firms, {len(scn.materials)} materials, "
        f"{len(scn.contracts)} contracts, {len(scn.network.links)} links, "
        f"{len(scn.network.pipelines)} pipelines, horizon {scn.horizon_day} d, seed {scn.seed}"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from mfcsim.scenario.schema import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def types() -> None:
    """List the firm types and their parameters."""
    from mfcsim.firms.registry import known_firm_types, resolve_firm_type

    for name in known_firm_types():
        cls = resolve_firm_type(name)
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        typer.echo(f"{name}: {doc}")
        for pname, param in (cls.PARAMETERS or {}).items():
            typer.echo(f"    {pname}: {param.description}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mfcsim`` console script; returns the exit code."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="mfcsim")
    except SystemExit as exc:  # typer's own exit, including usage errors (code 2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MassBalanceError as exc:
        typer.echo(f"mfcsim: error: {exc}", err=True)
        return 1
    except MfcsimError as exc:
        typer.echo(f"mfcsim: error: {exc}", err=True)
        return 2
    return 0


def console() -> None:
    """Console-script wrapper: exit with :func:`main`'s code."""
    sys.exit(main())
