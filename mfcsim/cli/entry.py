"""The entry point: run the app, turn errors into one line and an exit code."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Sequence

import typer

from mfcsim.cli.app import app
from mfcsim.engine.provenance import use_command_line
from mfcsim.errors import MassBalanceError, MfcsimError, one_line


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mfcsim`` console script; returns the exit code."""
    # click's exception classes, reached through typer's public BadParameter (typer may
    # vendor click): UsageError, then ClickException
    usage_error = typer.BadParameter.__mro__[1]
    click_exception = usage_error.__mro__[1]
    _print_notes()
    use_command_line(list(sys.argv) if argv is None else ["mfcsim", *argv])
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
    finally:
        use_command_line(None)
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
