"""``mfcsim run``: one run, or replications of it, into a run folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.cli.app import OVERRIDE, SCHEDULER_HELP, WORKERS_HELP, check_counts, default_out
from mfcsim.cli.output import counting, fmt, print_rows, progress, warn
from mfcsim.errors import MfcsimError, UsageError


def run(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO.yaml", help="Scenario YAML file.")],
    out: Annotated[
        Path | None,
        typer.Option(metavar="RUN_FOLDER", help="Run folder (default runs/NAME/TIME-seedN)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Replace the scenario's seed.")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar=OVERRIDE, help="Override a field: dotted.path=value."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder's path.")] = False,
    strict: Annotated[bool, typer.Option(help="Fail if the mass balance does not hold.")] = True,
    reps: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Run N replications (seeds seed, seed+1, ...) into rep-NNN folders."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(metavar="N", help=WORKERS_HELP)] = 1,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help=SCHEDULER_HELP)] = None,
    report: Annotated[
        bool, typer.Option(help="Write report.html into the run folder (not with --reps).")
    ] = True,
    baseline: Annotated[
        Path | None,
        typer.Option(
            metavar="RUN_FOLDER",
            help="A run folder to compare with, period by period (same periods).",
        ),
    ] = None,
) -> None:
    """Run a scenario (or --reps replications of it) and write its run folder."""
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.load import load_scenario

    check_counts(reps=reps, workers=workers)
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
    bar, tick = progress(scn.horizon_day, not quiet and sys.stderr.isatty())
    sim = Simulation(scn, progress=tick)
    if bar is not None:
        with bar:
            results = sim.run(strict=strict)
    else:
        results = sim.run(strict=strict)
    if not strict:
        from mfcsim.compare import balance_warning

        if (warning := balance_warning(results)) is not None:
            warn(warning)
    if base_frame is not None:
        _compare_with_baseline(results, base_frame)
    path = results.write(folder, also=_report_writer(folder.name) if report else None)
    typer.echo(str(path))
    _warn_about_rules(results)
    if not quiet:
        _warn_about_firms(results.manifest)
        from mfcsim.indicators import print_scorecard, scorecard
        from mfcsim.indicators.headline import headline_figures

        typer.echo(f"report: {path / ('report.html' if report else 'kpis.json')}")
        _print_table(headline_figures(results.kpis, results.indicators))
        print_scorecard(scorecard(results.indicators))


def _print_table(kpis: dict[str, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    from mfcsim.indicators.headline import HEADLINE

    table = Table("headline", "value", box=None, pad_edge=False)
    for key, label in HEADLINE:
        if key in kpis:
            table.add_row(label, fmt(kpis[key]))
    Console().print(table)


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


def _warn_about_rules(results: Any) -> None:
    """Warn of each rule of the scenario (``rules:``) the run broke, even when quiet."""
    if not results.scenario.rules:
        return
    from mfcsim.indicators.rules import breach_lines

    for line in breach_lines(results.indicators):
        warn(line)


def _warn_about_firms(manifest: dict[str, Any]) -> None:
    """Warn of idle firms; name the firms on the per-firm path (both are in the manifest)."""
    if manifest.get("idle_firms"):
        idle = ", ".join(manifest["idle_firms"])
        warn(f"idle firms (no production or consumption all run): {idle}")
    if manifest.get("per_firm_path_firms"):
        slow = ", ".join(manifest["per_firm_path_firms"])
        typer.echo(f"mfcsim: firms on the per-firm path (own hooks, slower): {slow}", err=True)


def _report_writer(label: str) -> Any:
    """Writes report.html into a run folder while it is still under its temporary name."""
    from mfcsim.reporting import write_report

    return lambda tmp: write_report(tmp, label=label)


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

    bar, each = counting(reps, "replications", not quiet and sys.stderr.isatty())
    with bar:
        frame = write_replications(
            scn,
            folder,
            reps,
            workers=workers,
            scheduler=scheduler,
            strict=strict,
            each=each,
            warn=warn,
        )
    typer.echo(str(folder))
    if quiet:
        return
    typer.echo(f"replications: {reps}, seeds {scn.seed}..{scn.seed + reps - 1}")
    headline = frame[(frame["scope"] == "cluster") & (frame["period"] == "all")]
    stats = headline.groupby(["indicator", "unit"], sort=False)["value"].agg(["mean", "std"])
    print_rows(("indicator", "unit", "mean", "sd"), [(*k, *v) for k, v in stats.iterrows()])
