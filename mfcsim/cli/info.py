"""``mfcsim validate``, ``schema`` and ``types``: the scenario format and the firm types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


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


def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from mfcsim.scenario.root import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


def types() -> None:
    """List the firm types and their parameters."""
    from mfcsim.firms.registry import known_firm_types, resolve_firm_type

    for name in known_firm_types():
        cls = resolve_firm_type(name)
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        typer.echo(f"{name}: {doc}")
        for pname, param in (cls.PARAMETERS or {}).items():
            typer.echo(f"    {pname}: {param.description}")
