"""``mfcsim sweep run | status | summarize | sensitivity``: many runs over a design, on Dask."""

from __future__ import annotations

import contextlib
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.cli.app import OVERRIDE, SCHEDULER_HELP, check_counts
from mfcsim.cli.metavars import MfcsimTyper
from mfcsim.cli.output import fmt, print_rows, warn
from mfcsim.errors import UsageError

sweep_app = MfcsimTyper(
    no_args_is_help=True, help="Sweeps: many runs over a design of parameter values, on Dask."
)


@sweep_app.command("run")
def sweep_run(
    scenario: Annotated[
        Path,
        typer.Argument(metavar="SCENARIO.yaml", help="Scenario YAML file, or a sweep file."),
    ],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            metavar="PATH=VALUES",
            help="A factor: path=a,b,c or path=lo:hi:step (repeatable).",
        ),
    ] = None,
    reps: Annotated[
        int | None,
        typer.Option(metavar="N", help="Replications of each variant (seeds seed+r; default 1)."),
    ] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed (default the scenario's).")] = (
        None
    ),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar=OVERRIDE, help="Override a field in every run."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="SWEEP_FOLDER",
            help="Sweep folder: new, empty, or this sweep's to resume (default "
            "runs/sweep/NAME/HASH, HASH that of the design, so the same command resumes).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help="Dask worker processes on this machine (default: CPUs)."),
    ] = None,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help=SCHEDULER_HELP)] = None,
    batch: Annotated[
        int | None, typer.Option(metavar="N", help="Runs per Dask task (default: auto).")
    ] = None,
    headline: Annotated[
        bool, typer.Option(help="Keep only the headline figures (kpis.json), not every indicator.")
    ] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option(metavar="TABLE", help="Keep a further table of every run: flows."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the sweep folder's path.")] = False,
) -> None:
    """Run the factorial design of the --vary factors (or a sweep file's), --reps times each."""
    from mfcsim.compare import headline_indicators, indicators_of
    from mfcsim.runfolder import check_out_folder
    from mfcsim.sweep.design import Factor, check_factors, factorial, parse_vary, read_base
    from mfcsim.sweep.runner import KEEPABLE, manifest, run_sweep
    from mfcsim.sweep.sampling import bases_of, design_of, is_sweep_file, read_sweep_file
    from mfcsim.sweep.store import identity_key

    check_counts(reps=reps, workers=workers, batch=batch)
    for name in keep or []:
        if name not in KEEPABLE:
            raise UsageError(f"--keep {name}: unknown table (accepted: {', '.join(KEEPABLE)})")
    overrides = list(set_ or [])
    if scenario.is_file() and is_sweep_file(scenario):
        if vary:
            raise UsageError(f"--vary with the sweep file {scenario}: not both (it has the design)")
        spec = read_sweep_file(scenario)
        overrides = [*spec.overrides, *overrides]
        days, seed = spec.days if days is None else days, spec.seed if seed is None else seed
        reps = spec.reps if reps is None else reps
        design = design_of(spec)
        base = bases_of(spec, scenario, overrides, days)
    else:
        design = factorial([parse_vary(text) for text in vary or []])
        base = read_base(scenario, overrides, days)
    reps = 1 if reps is None else reps
    check_factors(base, [Factor(path, ()) for path in design.paths])
    first = base.scenario(design.variants[0])  # a value refused by every variant: exit 2 now
    base_seed = first.seed if seed is None else seed
    measure = headline_indicators if headline else indicators_of
    kept = sorted(set(keep or []))
    about = manifest(base, design, reps, base_seed, measure, kept)
    folder = out if out is not None else Path("runs", "sweep", first.name, identity_key(about))
    if not (folder.is_dir() and (folder / "sweep.json").is_file()):
        check_out_folder(folder)
    bar, tick = _sweep_progress(not quiet and sys.stderr.isatty())
    with bar:
        report = run_sweep(
            base,
            design,
            reps,
            base_seed,
            folder,
            workers=workers,
            scheduler=scheduler,
            batch=batch,
            measure=measure,
            keep=kept,
            progress=tick,
        )
    typer.echo(str(folder))
    if report.failed:
        warn(f"{report.failed} run(s) failed; 'mfcsim sweep status {folder}' lists them")
    if not quiet:
        typer.echo(
            f"{report.total} run(s): {report.finished} finished now, {report.failed} failed, "
            f"{report.skipped} finished before; {report.batch} run(s) per Dask task, "
            f"{report.seconds:.1f} s"
        )


def _sweep_progress(enabled: bool) -> tuple[Any, Any]:
    """A progress bar of a sweep (finished, failed, running, remaining, time left)."""
    if not enabled:
        return contextlib.nullcontext(), None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), transient=True
    )
    task = bar.add_task("sweep", total=None)

    def tick(finished: int, failed: int, running: int, remaining: int) -> None:
        text = f"{finished} finished, {failed} failed, {running} running, {remaining} remaining"
        total = finished + failed + running + remaining
        bar.update(task, description=text, total=total, completed=finished + failed)

    return bar, tick


@sweep_app.command("status")
def sweep_status(
    folder: Annotated[Path, typer.Argument(metavar="SWEEP_FOLDER", help="A sweep folder.")],
) -> None:
    """How far a sweep is: finished, failed (with their errors), remaining."""
    from mfcsim.sweep.analysis import status

    about = status(folder)
    typer.echo(
        f"{about['runs']} run(s): {about['finished']} finished, {about['failed']} failed, "
        f"{about['remaining']} remaining"
    )
    for record in about["failures"]:
        typer.echo(
            f"failed: {record['run_id']} variant {record['variant']} replication "
            f"{record['replication']} seed {record['seed']}: {record['error']}"
        )


def _save(table: Any, path: Path) -> None:
    """Write a table of a sweep folder as Parquet and print its path."""
    table.to_parquet(path, index=False)
    typer.echo(str(path))


@sweep_app.command("summarize")
def sweep_summarize(
    folder: Annotated[Path, typer.Argument(metavar="SWEEP_FOLDER", help="A sweep folder.")],
    all_: Annotated[bool, typer.Option("--all", help="Show every row, not only cluster/all.")] = (
        False
    ),
) -> None:
    """Per variant: mean and 95 % CI of every indicator (written to summary.parquet)."""
    from mfcsim.sweep.analysis import summarize

    table = summarize(folder)
    _save(table, folder / "summary.parquet")
    rows = table if all_ else table[(table["scope"] == "cluster") & (table["period"] == "all")]
    params = list(table.columns[1 : table.columns.get_loc("indicator")])
    header = ("variant", *params, "indicator", "unit", "n", "mean", "95 % CI")
    print_rows(
        header,
        [
            (
                str(r["variant"]),
                *(str(r[p]) for p in params),
                r["indicator"],
                r["unit"],
                str(r["n"]),
                r["mean"],
                "n/a" if math.isnan(r["ci_low"]) else f"[{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]",
            )
            for _, r in rows.iterrows()
        ],
    )


@sweep_app.command("sensitivity")
def sweep_sensitivity(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="SWEEP_FOLDER", help="A finished sweep of a Morris or Sobol sample."
        ),
    ],
    all_: Annotated[bool, typer.Option("--all", help="Show N/4 and N/2 too, not only N.")] = (
        False
    ),
) -> None:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices per indicator: table, Parquet, Plotly."""
    from mfcsim.sweep.analysis import sensitivity

    table = sensitivity(folder)
    _save(table, folder / "sensitivity.parquet")
    if table.empty:
        typer.echo("no indicator varies across the sample")
        return
    from mfcsim.sweep.figures import sensitivity_figure

    sensitivity_figure(table).write_html(folder / "sensitivity.html", include_plotlyjs=True)
    typer.echo(str(folder / "sensitivity.html"))
    rows = table if all_ else table[table["n"] == table["n"].max()]
    sobol = "S1" in table.columns
    names = ("S1", "ST") if sobol else ("mu_star", "sigma")
    header = ("indicator", "parameter", "n", *names)

    def shown(row: Any, name: str) -> str:
        conf = row.get(f"{name}_conf")
        return fmt(row[name]) + ("" if conf is None else f" ± {fmt(conf)}")

    print_rows(
        header,
        [
            (r["indicator"], r["parameter"], str(r["n"]), *(shown(r, n) for n in names))
            for _, r in rows.iterrows()
        ],
    )
