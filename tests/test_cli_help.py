"""Every command's ``--help`` names its values (``SCENARIO.yaml``, ``--days DAYS``) and defaults.

The commands are found by walking the app, so a new command is checked too. typer's own help
shows type placeholders (``<path>``, ``<bool>``, ``<list[str]>``) and wraps a required
argument in braces (``{scenario}``); mfcsim.cli.metavars replaces them, and must leave the
error messages as they were.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer

from mfcsim.cli import app, main

#: typer's type placeholders: ``<path>``, ``<int range>``, ``<list[str]>``; not ``[1<=x<=9]``.
PLACEHOLDER = re.compile(r"<(?!=)[^<>\n]*>")


def walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command`` (itself first), with its words after mfcsim."""
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(walk(sub, (*path, name)))
    return found


COMMANDS = walk(typer.main.get_command(app))
PATHS = [path for path, _ in COMMANDS]


def expected_metavar(param: Any) -> str:
    """The metavar a parameter should show: its own, else its (longest) name in capitals."""
    if param.metavar:
        return str(param.metavar)
    name = max(param.opts, key=len) if param.param_type_name == "option" else param.name
    return str(name).lstrip("-").replace("-", "_").upper()


def help_text(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    """``mfcsim PATH --help`` as a 200-column terminal shows it."""
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


def panel_rows(text: str) -> dict[str, str]:
    """The rows of the Arguments and Options panels by their first word, wrapped lines joined."""
    rows: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.startswith("│"):
            key = ""
            continue
        body = line.strip("│ ").removeprefix("* ").strip()
        if re.match(r"│ {1,8}\S", line):  # a row starts; a wrapped line is indented further
            key = body.split()[0]
            rows[key] = body
        elif key:
            rows[key] += " " + body
    return {k: " ".join(v.split()) for k, v in rows.items()}


def shown_default(param: Any) -> str | None:
    """What ``[default: ...]`` should say for a parameter, or None if it shows no default.

    A ``--strict/--no-strict`` flag shows the side that is on; a one-sided flag (``--all``)
    is off unless given, and shows nothing.
    """
    if param.default is None or not param.show_default:
        return None
    if getattr(param, "is_flag", False):
        sides = param.opts if param.default else param.secondary_opts
        return sides[0].lstrip("-") if sides and param.secondary_opts else None
    return str(param.default)


def params_of(path: tuple[str, ...], command: Any) -> list[Any]:
    """The parameters of a command as its help lists them (``--help`` included)."""
    with typer.Context(command, info_name=" ".join(("mfcsim", *path))) as ctx:
        return list(command.get_params(ctx))


def test_the_walk_reaches_the_sub_commands() -> None:
    """The app is walked into its groups (so every command is checked, new ones too)."""
    assert {(), ("run",), ("sweep", "run"), ("list", "firm-types")} <= set(PATHS)
    assert len(PATHS) == len(set(PATHS))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "-" for p in PATHS])
def test_help_names_values_and_defaults_not_types(
    path: tuple[str, ...],
    command: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No ``<type>`` nor ``{...}``; each argument and option shows its metavar and default."""
    monkeypatch.setenv("COLUMNS", "200")
    text = help_text(path, capsys)
    assert PLACEHOLDER.findall(text) == []
    assert re.findall(r"[{}]", text) == []
    usage = next(line for line in text.splitlines() if "Usage:" in line).split()
    rows = panel_rows(text)
    for param in params_of(path, command):
        metavar = expected_metavar(param)
        if param.param_type_name == "argument":
            assert (metavar if param.required else f"[{metavar}]") in usage, (metavar, usage)
            assert metavar in rows, (metavar, rows)
            continue
        row = rows[",".join(o for o in param.opts if o.startswith("--")) or param.opts[0]]
        takes_value = not (param.is_flag or param.count)
        assert (metavar in row.split()) == takes_value, (param.name, row)
        default = shown_default(param)
        shown = "[default:" not in row if default is None else f"[default: {default}]" in row
        assert shown, (param.name, default, row)


REQUIRED = [
    (path, next(p.name for p in command.params if p.param_type_name == "argument"))
    for path, command in COMMANDS
    if any(p.param_type_name == "argument" and p.required for p in command.params)
]


@pytest.mark.parametrize(("path", "name"), REQUIRED, ids=[" ".join(p) for p, _ in REQUIRED])
def test_a_missing_argument_is_named_as_before(
    path: tuple[str, ...], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors keep the parameter's name (not its metavar): one line, exit 2."""
    assert main(list(path)) == 2
    command = " ".join(("mfcsim", *path))
    assert capsys.readouterr().err == (
        f"{command}: error: Missing argument '{name}'. (see '{command} --help')\n"
    )
