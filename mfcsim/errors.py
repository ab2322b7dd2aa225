"""The family of errors mfcsim raises on purpose.

Every error says where (file, line, field path, firm, node), what (the bad value) and,
where known, what would be accepted. The CLI prints ``str(error)`` on one line and exits 2
for bad input, so these messages are the user interface for mistakes.
"""

from __future__ import annotations

import re
from pathlib import Path

#: How many characters of a bad value an error message shows.
SHOWN_CHARS = 40


def short(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters: a value in a one-line message.

    repr escapes newlines and control characters, so an id cannot forge extra lines; the
    line breaks of a multi-line repr (a numpy array's) become spaces.
    """
    text = re.sub(r"\n\s*", " ", repr(value))
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def one_line(message: str, limit: int = 600) -> str:
    """A message on one line (control characters escaped), at most ``limit`` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class MfcsimError(Exception):
    """Base class for every error mfcsim raises on purpose."""


class ScenarioError(MfcsimError, ValueError):
    """A scenario file or an override is invalid.

    Attributes:
        source: The file (or ``--set``) the problem comes from.
        line: 1-based line in ``source``, or ``None`` if unknown.
        field: Dotted path of the offending field (``firms.brewery.processes.brew``), or "".
        problem: What is wrong and what would be accepted.
    """

    def __init__(
        self, source: str | Path, problem: str, *, line: int | None = None, field: str = ""
    ) -> None:
        super().__init__(source, problem, line, field)
        self.source, self.problem, self.line, self.field = str(source), problem, line, field

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_scenario_error, (self.source, self.problem, self.line, self.field))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"
        )


def _rebuild_scenario_error(
    source: str, problem: str, line: int | None, field: str
) -> ScenarioError:
    return ScenarioError(source, problem, line=line, field=field)


class UsageError(MfcsimError, ValueError):
    """A command-line argument is invalid (bad value, missing file)."""


class RegistryError(MfcsimError, KeyError):
    """A firm type name is unknown or registered twice."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class FirmHookError(MfcsimError, RuntimeError):
    """A firm's hook failed, or returned something the engine cannot accept.

    Attributes:
        firm: The firm id ("" when the problem is the type's definition).
        hook: The hook's name.
        problem: What went wrong, with the value (shortened).
        firm_type: The firm's type name.
    """

    def __init__(self, firm: str, hook: str, problem: str, firm_type: str = "") -> None:
        super().__init__(firm, hook, problem, firm_type)
        self.firm, self.hook, self.problem, self.firm_type = firm, hook, problem, firm_type

    def __str__(self) -> str:
        kind = f"type {self.firm_type!r}" if self.firm_type else ""
        who = f"firm {self.firm!r} ({kind})" if self.firm and kind else f"firm {self.firm!r}"
        who = who if self.firm else f"firm {kind}"
        return f"{who}: hook {self.hook}(): {self.problem}"


class MassBalanceError(MfcsimError, ArithmeticError):
    """Inflow − outflow ≠ change in stock at one or more nodes.

    Attributes:
        offenders: One line per offending node and material or dimension.
    """

    def __init__(self, offenders: list[str]) -> None:
        super().__init__(offenders)
        self.offenders = offenders

    def __str__(self) -> str:
        shown = "; ".join(self.offenders[:10])
        more = f" (and {len(self.offenders) - 10} more)" if len(self.offenders) > 10 else ""
        return f"mass balance violated at {len(self.offenders)} place(s): {shown}{more}"


class OverloadedCarrierError(MfcsimError, ValueError):
    """A material carries more of a substance than it weighs: bad scenario data, not a bug.

    The transfer coefficients of a process (or the compositions of its inputs) send more of a
    substance into one of its outputs than that output's mass. The run cannot be accounted;
    the scenario must change.

    Attributes:
        rows: ``(source, process or None, substances, material, day, substances t,
            carrier t)`` of the first flows at fault (substances joined by ``+``).
        where: ``FILE:LINE: field`` of the transfer coefficient at fault, if known.
    """

    def __init__(
        self, rows: list[tuple[str, str | None, str, str, float, float, float]], where: str = ""
    ) -> None:
        super().__init__(rows, where)
        self.rows, self.where = rows, where

    def __str__(self) -> str:
        source, _, substance, material, day, q, carrier = self.rows[0]
        place = f"{self.where}: " if self.where else ""
        more = f" (and {len(self.rows) - 1} more flow(s))" if len(self.rows) > 1 else ""
        return (
            f"{place}{material!r} from {source!r} on day {day:g} carries {q:.6g} t of "
            f"{substance} in {carrier:.6g} t (excess {q - carrier:.6g} t){more} (accepted: "
            "transfer coefficients and compositions that put no more of a substance into a "
            "material than it weighs)"
        )


class ResultsError(MfcsimError, ValueError):
    """A run folder is missing, incomplete or not an mfcsim run folder."""
