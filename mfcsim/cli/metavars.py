"""``--help`` that names values (``SCENARIO.yaml``, ``--days DAYS``), not ``<path>``, ``{a}``.

typer 0.2x builds every parameter of a command as a ``TyperArgument`` or ``TyperOption``
(it has no hook for other classes) and its help shows a type placeholder beside each one
(``<path>``, ``<int>``, ``<list[str]>``, even ``<bool>`` beside a flag); ``metavar=`` replaces
it for options only, and the usage line wraps a required argument in braces. Here:

- an argument shows as its metavar (``metavar=``, else its name in capitals) in the usage
  line and the Arguments panel: ``SCENARIO.yaml``, ``[B.yaml]`` when optional, ``FOLDER...``
  when it takes many;
- an option that takes a value shows its metavar (``metavar=``, else its long name in
  capitals): ``--days DAYS``, ``--set PATH=VALUE``; a flag (``--strict/--no-strict``,
  ``--help``) shows none.

:class:`MfcsimTyper` is ``typer.Typer`` whose groups and commands are :class:`HelpGroup` and
:class:`HelpCommand`; these hand each parameter (the help option too) to
:class:`HelpArgument` or :class:`HelpOption`, subclasses that change the help only. The
parameter objects stay the same, so parsing, error messages (``Missing argument
'scenario'``) and exit codes do not change. typer's ``[default: ...]`` and ranges stay.

The ``ctx`` of the methods is click's ``Context``: typer vendors click in a private module,
hence ``Any``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def help_metavar(param: TyperArgument | TyperOption) -> str:
    """What the help shows for a parameter's value: its ``metavar=``, else its name in capitals.

    The name of an option is its longest flag: ``--spread-km`` -> ``SPREAD_KM``.
    """
    if param.metavar:
        return param.metavar
    name = max(param.opts, key=len) if isinstance(param, TyperOption) else param.name or ""
    return name.lstrip("-").replace("-", "_").upper()


class HelpArgument(TyperArgument):
    """An argument whose help shows its metavar, bare when required, ``[in brackets]`` if not."""

    @property
    def display_name_raw(self) -> str:
        """The name in the Arguments panel (typer reads this attribute there)."""
        return help_metavar(self)

    def get_error_hint(self) -> str:
        """Errors name the parameter as before: ``Missing argument 'scenario'``."""
        return f"'{self.name}'"

    def display_type_rich(self, ctx: Any) -> str | None:
        """No type placeholder: the metavar says what to give."""
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        """The argument in the usage line: ``SCENARIO.yaml``, ``[B.yaml]``, ``FOLDER...``."""
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return [name if self.required else f"[{name}]"]


class HelpOption(TyperOption):
    """An option whose help shows its metavar after its name, or nothing if it is a flag."""

    def display_type_rich(self, ctx: Any) -> str | None:
        """``DAYS`` (``DAYS...`` if it takes several values at once); None for a flag."""
        if self.is_flag or self.count:
            return None
        return help_metavar(self) + ("..." if self.nargs != 1 else "")


def adopt(params: list[Any]) -> list[Any]:
    """Give typer's own parameters the help of :class:`HelpArgument` / :class:`HelpOption`.

    The subclasses add no state, so the objects keep every attribute and their identity
    (click orders the eager ``--help`` by identity); a parameter of another class is left.
    Returns ``params``.
    """
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = HelpArgument
        elif type(param) is TyperOption:
            param.__class__ = HelpOption
    return params


class HelpCommand(TyperCommand):
    """A command whose parameters, ``--help`` included, show metavars in its help."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, adopted (typer builds ``--help`` here, on first use)."""
        return adopt(super().get_params(ctx))


class HelpGroup(TyperGroup):
    """A group (``mfcsim``, ``mfcsim sweep``, ...) whose ``--help`` is a plain flag."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, adopted (typer builds ``--help`` here, on first use)."""
        return adopt(super().get_params(ctx))


class MfcsimTyper(typer.Typer):
    """``typer.Typer`` whose groups are :class:`HelpGroup` and commands :class:`HelpCommand`."""

    def __init__(self, *, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(cls=cls or HelpGroup, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[Any], Any]:
        """Register a command (as ``typer.Typer.command``), built as a :class:`HelpCommand`."""
        return super().command(name, cls=cls or HelpCommand, **kwargs)
