"""The command line: ``mfcsim run | compare | sweep | report | dashboard | validate | ...``.

Exit codes: 0 success; 2 bad input (scenario, arguments, output folder) with one line
``FILE:LINE: field.path: what is wrong (what is accepted)`` on stderr and no traceback;
1 for an unexpected internal error (including a failed mass-balance check).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.console import table_console
from mfcsim.errors import MassBalanceError, MfcsimError, UsageError, one_line

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="mfcsim: material flows in metropolitan food clusters.",
)


#: Help of ``--workers`` and ``--scheduler`` (every parallel run goes through Dask).
WORKERS_HELP = "Dask worker processes on a LocalCluster on this machine (1: run here)."
SCHEDULER_HELP = "Address of a running Dask scheduler (tcp://HOST:8786) instead of a LocalCluster."


def default_out(name: str, seed: int, root: Path = Path("runs")) -> Path:
    """``runs/<name>/<UTC timestamp>-seed<N>``, with a suffix if that exists already."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = root / name / f"{stamp}-seed{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _progress(days: int, enabled: bool, label: str = "simulating") -> tuple[Any, Any]:
    if not enabled:
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task(label, total=days)
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

    from mfcsim.indicators.headline import HEADLINE

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
    reps: Annotated[
        int | None,
        typer.Option(help="Run N replications (seeds seed, seed+1, ...) into rep-NNN folders."),
    ] = None,
    workers: Annotated[int, typer.Option(help=WORKERS_HELP)] = 1,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
    report: Annotated[
        bool, typer.Option(help="Write report.html into the run folder (not with --reps).")
    ] = True,
    baseline: Annotated[
        Path | None,
        typer.Option(help="A run folder to compare with, period by period (same periods)."),
    ] = None,
) -> None:
    """Run a scenario (or --reps replications of it) and write its run folder."""
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.load import load_scenario

    _check_counts(reps=reps, workers=workers)
    scn = load_scenario(scenario, set_ or (), seed=seed, days=days)
    from mfcsim.runfolder import check_out_folder

    folder = check_out_folder(out if out is not None else default_out(scn.name, scn.seed))
    if baseline is not None and reps is not None:
        raise UsageError("--baseline with --reps: not both (accepted: one of them)")
    base_frame = _baseline_indicators(baseline) if baseline is not None else None
    if reps is not None:
        _run_replications(
            scn, folder, reps, workers=workers, scheduler=scheduler, strict=strict, quiet=quiet
        )
        return
    bar, tick = _progress(scn.horizon_day, not quiet and sys.stderr.isatty())
    sim = Simulation(scn, progress=tick)
    if bar is not None:
        with bar:
            results = sim.run(strict=strict)
    else:
        results = sim.run(strict=strict)
    if not strict:
        from mfcsim.compare import balance_warning

        if (warning := balance_warning(results)) is not None:
            _warn(warning)
    if base_frame is not None:
        _compare_with_baseline(results, base_frame)
    path = results.write(folder, also=_report_writer(folder.name) if report else None)
    typer.echo(str(path))
    if not quiet:
        _warn_about_firms(results.manifest)
        from mfcsim.indicators import print_scorecard, scorecard
        from mfcsim.indicators.headline import headline_figures

        typer.echo(f"report: {path / ('report.html' if report else 'kpis.json')}")
        _print_table(headline_figures(results.kpis, results.indicators))
        print_scorecard(scorecard(results.indicators))


def _baseline_indicators(baseline: Path) -> Any:
    """The indicators frame of a baseline run folder (read before the run starts)."""
    from mfcsim.results import Results

    try:
        return Results.read(baseline).indicators
    except MfcsimError as exc:
        raise UsageError(f"--baseline {baseline}: {exc}") from None


def _compare_with_baseline(results: Any, other: Any) -> None:
    """Add the ``<period>_vs_baseline_*`` rows of another run's indicators to the run's."""
    import pandas as pd

    from mfcsim.indicators import baseline_comparisons

    frame = results.indicators
    results.set_view(
        "indicators", pd.concat([frame, baseline_comparisons(frame, other)], ignore_index=True)
    )


def _warn_about_firms(manifest: dict[str, Any]) -> None:
    """Warn of idle firms; name the firms on the per-firm path (both are in the manifest)."""
    if manifest.get("idle_firms"):
        idle = ", ".join(manifest["idle_firms"])
        _warn(f"idle firms (no production or consumption all run): {idle}")
    if manifest.get("per_firm_path_firms"):
        slow = ", ".join(manifest["per_firm_path_firms"])
        typer.echo(f"mfcsim: firms on the per-firm path (own hooks, slower): {slow}", err=True)


def _report_writer(label: str) -> Any:
    """Writes report.html into a run folder while it is still under its temporary name."""
    from mfcsim.reporting import write_report

    return lambda tmp: write_report(tmp, label=label)


@app.command("report")
def report_command(
    folder: Annotated[Path, typer.Argument(help="A run folder, or a comparison folder.")],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="The HTML file (default FOLDER/report.html).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="A run folder to compare the run with (B − A).")
    ] = None,
) -> None:
    """Write the standalone HTML report of a run (or a comparison) and print its path."""
    from mfcsim.reporting import write_report

    typer.echo(str(write_report(folder, out, baseline=baseline)))


@app.command()
def dashboard(
    runs_dir: Annotated[Path, typer.Argument(help="A folder of run folders (e.g. runs).")],
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to serve on.")] = 8050,
    host: Annotated[str, typer.Option(help="The address to bind (default: this machine only).")] = (
        "127.0.0.1"
    ),
) -> None:
    """Serve the Dash explorer over the run folders under RUNS_DIR."""
    if not runs_dir.is_dir():
        raise UsageError(f"{runs_dir}: no such folder (accepted: a folder that holds run folders)")
    from dashboards.explorer import serve

    typer.echo(f"mfcsim explorer: http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    serve(runs_dir, host=host, port=port)


def _warn(message: str) -> None:
    """Print a warning on stderr, one line: ``mfcsim: warning: MESSAGE``."""
    typer.echo(f"mfcsim: warning: {message}", err=True)


def _check_counts(**counts: int | None) -> None:
    """Raise a one-line usage error unless every given count (``--reps``, ...) is 1 or more."""
    for name, value in counts.items():
        if value is not None and value < 1:
            raise UsageError(f"--{name} {value}: too small (accepted: a whole number, 1 or more)")


def _counting(total: int, label: str, enabled: bool) -> tuple[Any, Any]:
    """A progress bar over ``total`` finished jobs, and the callback that advances it."""
    bar, tick = _progress(total, enabled, label)
    if bar is None:
        return contextlib.nullcontext(), None
    done = itertools.count()
    return bar, lambda _: tick(next(done))


def _run_replications(
    scn: Any,
    folder: Path,
    reps: int,
    *,
    workers: int,
    scheduler: str | None,
    strict: bool,
    quiet: bool,
) -> None:
    """``mfcsim run --reps N``: the replications' folder, then a summary across them."""
    from mfcsim.compare import write_replications

    bar, each = _counting(reps, "replications", not quiet and sys.stderr.isatty())
    with bar:
        frame = write_replications(
            scn,
            folder,
            reps,
            workers=workers,
            scheduler=scheduler,
            strict=strict,
            each=each,
            warn=_warn,
        )
    typer.echo(str(folder))
    if quiet:
        return
    typer.echo(f"replications: {reps}, seeds {scn.seed}..{scn.seed + reps - 1}")
    headline = frame[(frame["scope"] == "cluster") & (frame["period"] == "all")]
    stats = headline.groupby(["indicator", "unit"], sort=False)["value"].agg(["mean", "std"])
    _print_rows(("indicator", "unit", "mean", "sd"), [(*k, *v) for k, v in stats.iterrows()])


def _print_rows(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table with whole names: folded, never cut, on a terminal; one line a row in a pipe."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for i, name in enumerate(header):
        table.add_column(name, overflow="fold" if i == 0 else "ellipsis")
    for row in rows:
        table.add_row(*(v if isinstance(v, str) else _fmt(v) for v in row))
    table_console().print(table)


def _comparison_row(row: Any, columns: Sequence[str]) -> list[Any]:
    interval = "n/a" if math.isnan(row.ci_low) else f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
    return [*(getattr(row, c) for c in columns), interval, "yes" if row.significant else "no"]


def _print_comparison(comparison: Any, everything: bool) -> None:
    """What was compared, then the table: cluster rows over the whole horizon, or every row."""
    seeds = comparison.seeds
    for side in (comparison.a, comparison.b):
        changes = f" with {', '.join(side.overrides)}" if side.overrides else ""
        typer.echo(f"{side.label}: {side.source}{changes}")
    typer.echo(
        f"{len(seeds)} replication(s) of each on seeds {seeds[0]}..{seeds[-1]} (common random "
        "numbers); B − A paired by replication, 95 % Student t interval"
    )
    rows, keys = comparison.table, ["indicator", "scope", "period", "unit"]
    if not everything:
        rows, keys = rows[(rows["scope"] == "cluster") & (rows["period"] == "all")], keys[::3]
    columns = (*keys, "mean_a", "mean_b", "diff")
    header = (*keys, "A", "B", "B − A", "95 % CI", "sig.")
    _print_rows(header, [_comparison_row(r, columns) for r in rows.itertuples()])
    if len(seeds) < 2:
        typer.echo("1 replication: no confidence interval can be computed (use --reps 2 or more)")


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="Scenario A (the reference).")],
    b: Annotated[
        Path | None, typer.Argument(help="Scenario B (default: A again, changed by --b-set).")
    ] = None,
    reps: Annotated[int, typer.Option(help="Replications of each variant.")] = 10,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a field in A and B.")
    ] = None,
    a_set: Annotated[list[str] | None, typer.Option(help="Override a field in A only.")] = None,
    b_set: Annotated[list[str] | None, typer.Option(help="Override a field in B only.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed (default A's).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default runs/compare/<A>-vs-<B>/...).")
    ] = None,
    workers: Annotated[int, typer.Option(help=WORKERS_HELP)] = 1,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Show every row, not only cluster/all.")] = (
        False
    ),
    quiet: Annotated[bool, typer.Option(help="Print only the output folder's path.")] = False,
) -> None:
    """Compare two scenarios (or two variants of one) on common random numbers."""
    from mfcsim.compare import compare as run_comparison
    from mfcsim.runfolder import atomic_folder, check_out_folder

    _check_counts(reps=reps, workers=workers)
    if b is None and not (a_set or b_set):
        raise UsageError(
            "compare: B is missing (accepted: compare A.yaml B.yaml, or compare A.yaml "
            "--a-set path=value --b-set path=value)"
        )
    var_a, var_b = _variants(a, b or a, set_ or [], a_set or [], b_set or [], seed, days)
    base_seed = var_a.scenario.seed if seed is None else seed
    if seed is None and var_b.scenario.seed != base_seed:
        typer.echo(
            f"mfcsim: note: B's seed {var_b.scenario.seed} is not used; A and B both run on "
            f"seeds {base_seed}.. (common random numbers)",
            err=True,
        )
    name = f"{var_a.scenario.name}-vs-{var_b.scenario.name}"
    folder = out if out is not None else default_out(name, base_seed, Path("runs") / "compare")
    check_out_folder(folder)
    bar, each = _counting(2 * reps, "replications", not quiet and sys.stderr.isatty())
    with atomic_folder(folder) as tmp, bar:
        comparison = run_comparison(
            var_a, var_b, reps, seed=seed, workers=workers, scheduler=scheduler, each=each
        )
        comparison.write_files(tmp)
    typer.echo(str(folder))
    if not quiet:
        _print_comparison(comparison, all_)


def _variants(
    a: Path,
    b: Path,
    both: list[str],
    a_only: list[str],
    b_only: list[str],
    seed: int | None,
    days: int | None,
) -> tuple[Any, Any]:
    """Load the two sides of ``mfcsim compare`` with their overrides."""
    from mfcsim.compare import Variant
    from mfcsim.scenario.load import load_scenario

    sides = []
    for label, path, own in (("A", a, a_only), ("B", b, b_only)):
        overrides = (*both, *own)
        scn = load_scenario(path, overrides, seed=seed, days=days)
        sides.append(Variant(label, scn, str(path), overrides))
    return sides[0], sides[1]


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
    from mfcsim.scenario.root import Scenario

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


sweep_app = typer.Typer(
    no_args_is_help=True, help="Sweeps: many runs over a design of parameter values, on Dask."
)
app.add_typer(sweep_app, name="sweep")


@sweep_app.command("run")
def sweep_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file, or a sweep file.")],
    vary: Annotated[
        list[str] | None,
        typer.Option("--vary", help="A factor: path=a,b,c or path=lo:hi:step (repeatable)."),
    ] = None,
    reps: Annotated[
        int | None, typer.Option(help="Replications of each variant (seeds seed+r; default 1).")
    ] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed (default the scenario's).")] = (
        None
    ),
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a field in every run.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Sweep folder: new, empty, or this sweep's to resume (default "
            "runs/sweep/<name>/<hash of the design>, so the same command resumes)."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Dask worker processes on this machine (default: CPUs).")
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
    batch: Annotated[int | None, typer.Option(help="Runs per Dask task (default: auto).")] = None,
    headline: Annotated[
        bool, typer.Option(help="Keep only the headline figures (kpis.json), not every indicator.")
    ] = False,
    keep: Annotated[
        list[str] | None, typer.Option(help="Keep a further table of every run: flows.")
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

    _check_counts(reps=reps, workers=workers, batch=batch)
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
        _warn(f"{report.failed} run(s) failed; 'mfcsim sweep status {folder}' lists them")
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
def sweep_status(folder: Annotated[Path, typer.Argument(help="A sweep folder.")]) -> None:
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
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
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
    _print_rows(
        header,
        [
            (
                str(r["variant"]),
                *(str(r[p]) for p in params),
                r["indicator"],
                r["unit"],
                str(r["n"]),
                r["mean"],
                "n/a"
                if math.isnan(r["ci_low"])
                else f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
            )
            for _, r in rows.iterrows()
        ],
    )


@sweep_app.command("sensitivity")
def sweep_sensitivity(
    folder: Annotated[Path, typer.Argument(help="A finished sweep of a Morris or Sobol sample.")],
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
        return _fmt(row[name]) + ("" if conf is None else f" ± {_fmt(conf)}")

    _print_rows(
        header,
        [
            (r["indicator"], r["parameter"], str(r["n"]), *(shown(r, n) for n in names))
            for _, r in rows.iterrows()
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mfcsim`` console script; returns the exit code."""
    # click's exception classes, reached through typer's public BadParameter (typer may
    # vendor click): UsageError, then ClickException
    usage_error = typer.BadParameter.__mro__[1]
    click_exception = usage_error.__mro__[1]
    _print_notes()
    try:
        code = app(
            args=list(argv) if argv is not None else None,
            prog_name="mfcsim",
            standalone_mode=False,
        )
    except usage_error as exc:  # a bad argument or option: one line, exit 2
        command = exc.ctx.command_path if exc.ctx is not None else "mfcsim"
        message = " ".join(exc.format_message().split())
        if not message:  # no arguments at all: the help was printed
            return 2
        typer.echo(f"{command}: error: {message} (see '{command} --help')", err=True)
        return 2
    except click_exception as exc:
        typer.echo(f"mfcsim: error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except MassBalanceError as exc:
        typer.echo(f"mfcsim: error: {one_line(str(exc))}", err=True)
        return 1
    except MfcsimError as exc:  # before RuntimeError: FirmHookError is one too
        typer.echo(f"mfcsim: error: {one_line(str(exc))}", err=True)
        return 2
    except RuntimeError as exc:
        if type(exc).__name__ != "Abort":  # click's Abort: Ctrl-C at a prompt or in a run
            raise
        typer.echo("mfcsim: interrupted", err=True)
        return 130
    except SystemExit as exc:  # sys.exit inside a command
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code if isinstance(code, int) else 0


class _NoteHandler(logging.Handler):
    """Prints the notes of the ``mfcsim`` logger on stderr: ``mfcsim: note: ...``."""

    def emit(self, record: logging.LogRecord) -> None:
        typer.echo(f"mfcsim: note: {one_line(record.getMessage())}", err=True)


def _print_notes() -> None:
    logger = logging.getLogger("mfcsim")
    if not any(isinstance(h, _NoteHandler) for h in logger.handlers):
        logger.addHandler(_NoteHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM: unwind (exit 143), so a run folder being written removes its temporary one."""
    typer.echo("mfcsim: terminated; an unfinished run folder is removed", err=True)
    raise SystemExit(128 + signum)


def console() -> None:
    """Console-script wrapper: exit with :func:`main`'s code (SIGTERM cleans up first)."""
    signal.signal(signal.SIGTERM, _terminated)
    sys.exit(main())
