"""``mfcsim validate``, ``schema``, ``list`` and ``types``: the scenario format, registries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mfcsim.cli.metavars import MfcsimTyper


def validate(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO.yaml", help="Scenario YAML file.")],
) -> None:
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


#: ``mfcsim list firm-types | policies | indicators``: what the registries hold.
list_app = MfcsimTyper(
    no_args_is_help=True, help="List the registered firm types, policies or indicators."
)


@list_app.command("firm-types")
def firm_types() -> None:
    """List the firm types with their parameters, defaults and units."""
    from mfcsim.firms.base import REQUIRED
    from mfcsim.firms.registry import known_firm_types, resolve_firm_type

    for name in known_firm_types():
        cls = resolve_firm_type(name)
        typer.echo(f"{name}: {_first_line(cls.__doc__)}")
        for pname, param in (cls.PARAMETERS or {}).items():
            shown = "required" if param.default is REQUIRED else f"default: {param.default!r}"
            typer.echo(f"    {pname}: {param.description} ({shown})")


@list_app.command("policies")
def policies() -> None:
    """List the clearing policies (a scenario's ``agent.policy``), plug-ins included."""
    from mfcsim.agent.policies import known_policies, summary

    for name in known_policies():
        typer.echo(f"{name}: {summary(name)}")


@list_app.command("indicators")
def indicators() -> None:
    """List the indicators with their units and pillars, plug-ins included."""
    from mfcsim.indicators.registry import known_indicators

    for spec in known_indicators():
        typer.echo(f"{spec.name} [{spec.unit}] {spec.pillar}: {spec.definition}")


def types() -> None:
    """List the firm types and their parameters (as ``mfcsim list firm-types``)."""
    firm_types()


def _first_line(doc: str | None) -> str:
    text = (doc or "").strip()
    return text.splitlines()[0] if text else ""
