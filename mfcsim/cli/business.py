"""``mfcsim business-case``: each cooperative member's gain from taking part, net of fees."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from mfcsim.cli.app import OVERRIDE, SCHEDULER_HELP, WORKERS_HELP, check_counts, default_out
from mfcsim.cli.output import counting, fmt, print_rows
from mfcsim.errors import UsageError


def business_case(
    scenario: Annotated[
        Path,
        typer.Argument(metavar="SCENARIO.yaml", help="A scenario with a 'cooperative:' section."),
    ],
    reps: Annotated[int, typer.Option(metavar="N", help="Replications of each run.")] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar=OVERRIDE, help="Override a field: dotted.path=value."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed (default the scenario's).")] = (
        None
    ),
    days: Annotated[int | None, typer.Option(min=1, help="Replace the horizon (days).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FOLDER", help="Output folder (default runs/business-case/NAME/...)."),
    ] = None,
    workers: Annotated[int, typer.Option(metavar="N", help=WORKERS_HELP)] = 1,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help=SCHEDULER_HELP)] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the output folder's path.")] = False,
) -> None:
    """Each cooperative member's gain from it, on common random numbers."""
    from mfcsim.business import business_case as run_case
    from mfcsim.runfolder import check_out_folder
    from mfcsim.scenario.load import load_scenario

    check_counts(reps=reps, workers=workers)
    scn = load_scenario(scenario, tuple(set_ or ()), seed=seed, days=days)
    if scn.cooperative is None:
        raise UsageError(
            f"{scenario}: no 'cooperative:' section (accepted: a scenario with a cooperative, "
            "e.g. scenarios/tiny_cooperative.yaml)"
        )
    folder = (
        out if out is not None else default_out(scn.name, scn.seed, Path("runs") / "business-case")
    )
    check_out_folder(folder)
    runs = (len(scn.cooperative.members) + 1) * reps
    bar, each = counting(runs, "runs", not quiet and sys.stderr.isatty())
    with bar:
        case = run_case(scn, reps, workers=workers, scheduler=scheduler, each=each)
    case.write(folder)
    typer.echo(str(folder))
    if quiet:
        return
    header = ("member", "VA inside", "VA outside", "fees", "gain", "95 % CI", "better off")
    money = ("value_added_inside_eur", "value_added_outside_eur", "fees_eur", "gain_eur")
    rows = [
        [str(r["firm"]), *(fmt(float(r[c])) for c in money), _interval(r),
         "yes" if r["better_off"] else "no"]
        for r in case.table.to_dict(orient="records")
    ]  # fmt: skip
    print_rows(header, rows)
    typer.echo(
        f"{case.better_off} of {len(case.table)} members better off (EUR over the horizon, "
        f"{len(case.seeds)} replication(s)); subsidy leaving none worse off: "
        f"{fmt(case.flat_subsidy_eur_per_member)} EUR per member, or "
        f"{fmt(case.targeted_subsidy_eur)} EUR in total targeted"
    )


def _interval(row: Mapping[Any, Any]) -> str:
    """The gain's interval as ``[low, high]``, or ``n/a`` with one replication."""
    low, high = float(row["ci_low"]), float(row["ci_high"])
    return "n/a" if math.isnan(low) else f"[{fmt(low)}, {fmt(high)}]"
