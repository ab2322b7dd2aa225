"""``mfcsim generate``: a generated scenario YAML (same seed, same file), or a sweep file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from mfcsim.cli.metavars import MfcsimTyper
from mfcsim.errors import UsageError

#: ``-o FILE.yaml``: where a generated file goes (default: standard output).
OutFile = Annotated[
    Path | None,
    typer.Option("-o", "--out", metavar="FILE.yaml", help="Write here (default: standard output)."),
]

generate_app = MfcsimTyper(
    no_args_is_help=True,
    help="Write a generated scenario YAML (seeded: same seed, same file) or a sweep file.",
)


@generate_app.command("organic-cluster")
def organic_cluster(
    farms: Annotated[
        int, typer.Option(metavar="N", help="Number of farms: arable, vegetable, dairy 4:3:3.")
    ],
    layout: Annotated[
        str, typer.Option(help="clustered (one block) or fragmented (scattered).")
    ] = "clustered",
    spread_km: Annotated[
        float, typer.Option(metavar="KM", help="Radius of the region, km.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="Seeds positions and farm sizes.")] = 0,
    days: Annotated[int, typer.Option(help="Horizon of the scenario, days.")] = 365,
    machine_pool: Annotated[
        str,
        typer.Option(metavar="shared|own", help="Harvesters shared by the farms, or one each."),
    ] = "shared",
    cooperative: Annotated[
        bool, typer.Option(help="Joint sales and purchase through a cooperative.")
    ] = True,
    fleet: Annotated[bool, typer.Option(help="Shared lorries and slurry tankers.")] = True,
    out: OutFile = None,
) -> None:
    """Organic arable, vegetable and dairy farms around a centre near two cities (seed 004)."""
    from mfcsim.scenario.organic import Options, organic_cluster_yaml

    try:
        text = organic_cluster_yaml(
            farms,
            layout=layout,  # type: ignore[arg-type]  # checked by organic_cluster_yaml
            spread_km=spread_km,
            seed=seed,
            days=days,
            options=Options(
                machine_pool=machine_pool,  # type: ignore[arg-type]  # checked there too
                cooperative=cooperative,
                fleet=fleet,
            ),
        )
    except ValueError as exc:
        raise UsageError(f"generate organic-cluster: {exc}") from None
    _emit(text, out)


@generate_app.command("assumptions-sweep")
def assumptions_sweep(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO.yaml", help="Scenario YAML file.")],
    spread: Annotated[
        float, typer.Option(metavar="SHARE", help="Vary each assumption by +- this share.")
    ] = 0.2,
    method: Annotated[str, typer.Option(help="morris (screening) or sobol.")] = "morris",
    n: Annotated[
        int, typer.Option(metavar="N", help="Morris trajectories or Sobol base samples.")
    ] = 10,
    days: Annotated[
        int | None, typer.Option(metavar="DAYS", help="Replace the horizon in every run.")
    ] = None,
    out: OutFile = None,
) -> None:
    """A sweep file varying every number the scenario's files mark as an assumption."""
    from mfcsim.scenario.load import load_scenario
    from mfcsim.sweep.assumptions import assumptions_sweep as content_of
    from mfcsim.sweep.assumptions import sweep_yaml

    scn = load_scenario(scenario)
    target = out if out is not None else Path.cwd() / "assumptions-sweep.yaml"
    content = content_of(scenario, scn, target, spread=spread, method=method, n=n, days=days)
    text = sweep_yaml(content, scn, spread)
    _emit(text, out)


def _emit(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` atomically and say so on stderr."""
    if out is None:
        typer.echo(text, nl=False)
        return
    _write_atomically(out, text)
    typer.echo(f"wrote {out}", err=True)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it."""
    if not path.parent.is_dir():
        raise UsageError(f"-o {path}: its folder does not exist (accepted: a file in a folder)")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
