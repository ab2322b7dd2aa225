"""``mfcsim compare``: two scenarios, or two variants of one, on common random numbers."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.cli.app import OVERRIDE, SCHEDULER_HELP, WORKERS_HELP, check_counts, default_out
from mfcsim.cli.output import counting, fmt, print_rows
from mfcsim.errors import UsageError


def compare(
    a: Annotated[Path, typer.Argument(metavar="A.yaml", help="Scenario A (the reference).")],
    b: Annotated[
        Path | None,
        typer.Argument(metavar="B.yaml", help="Scenario B (default: A again, changed by --b-set)."),
    ] = None,
    reps: Annotated[int, typer.Option(metavar="N", help="Replications of each variant.")] = 10,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar=OVERRIDE, help="Override a field in A and B."),
    ] = None,
    a_set: Annotated[
        list[str] | None, typer.Option(metavar=OVERRIDE, help="Override a field in A only.")
    ] = None,
    b_set: Annotated[
        list[str] | None, typer.Option(metavar=OVERRIDE, help="Override a field in B only.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed (default A's).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FOLDER", help="Output folder (default runs/compare/A-vs-B/...)."),
    ] = None,
    workers: Annotated[int, typer.Option(metavar="N", help=WORKERS_HELP)] = 1,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help=SCHEDULER_HELP)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Show every row, not only cluster/all.")] = (
        False
    ),
    quiet: Annotated[bool, typer.Option(help="Print only the output folder's path.")] = False,
) -> None:
    """Compare two scenarios (or two variants of one) on common random numbers."""
    from mfcsim.compare import compare as run_comparison
    from mfcsim.runfolder import atomic_folder, check_out_folder

    check_counts(reps=reps, workers=workers)
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
    bar, each = counting(2 * reps, "replications", not quiet and sys.stderr.isatty())
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


def _comparison_row(row: Any, columns: Sequence[str]) -> list[Any]:
    interval = "n/a" if math.isnan(row.ci_low) else f"[{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
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
    print_rows(header, [_comparison_row(r, columns) for r in rows.itertuples()])
    if len(seeds) < 2:
        typer.echo("1 replication: no confidence interval can be computed (use --reps 2 or more)")
