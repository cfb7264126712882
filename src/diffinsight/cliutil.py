"""What every command shares: one-line errors, logging set-up, the stderr console.

Kept cheap to import (no rich, no pydantic at import time) so that ``diffinsight --help`` starts
fast; the heavy parts load when a command runs.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from diffinsight.errors import DiffInsightError

#: Exit codes, as the README documents them.
EXIT_OK = 0
EXIT_USAGE = 2  # bad option, input or config
EXIT_INTERRUPTED = 130

#: ``-h`` as well as ``--help``, on every command.
CONTEXT = {"help_option_names": ["-h", "--help"]}

VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")]


@cache
def err_console() -> Console:
    """The console on stderr (rich is loaded on first use)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def error_line(message: str) -> None:
    """Print ``error: MESSAGE`` as one line on stderr, never read as markup."""
    from rich.text import Text

    err_console().print(Text.assemble(("error: ", "red"), message))


def fail(exc: DiffInsightError) -> NoReturn:
    """Print the error as one line and exit with its code."""
    error_line(str(exc))
    raise typer.Exit(exc.exit_code)


_HTTP_LOGGERS = ("httpx", "httpcore", "httpx2", "httpcore2")


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Plain message lines: in a terminal through rich (level shown once), else ``diffinsight: LEVEL: ...``."""
    if verbose and quiet:
        error_line("--verbose and --quiet: choose one")
        raise typer.Exit(EXIT_USAGE)
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler: logging.Handler
    console = err_console()
    if console.is_terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=console, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("diffinsight: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # One line per HTTP request is noise unless debugging. The OpenAI SDK ships its own fork
    # of httpx (``httpx2``), which logs under its own name.
    for name in _HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


class OneLineErrors(TyperGroup):
    """A command group whose usage errors are one line (``error: ...; see '... --help'``)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            error_line("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except typer.TyperException as exc:
            # Click's errors: a usage error (bad option or value), or the help for no arguments.
            show = getattr(exc, "show", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and show is not None:
                show()
                sys.exit(EXIT_USAGE)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            ctx = getattr(exc, "ctx", None)
            hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
            error_line(message.rstrip(".") + hint)
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


def new_app(help_text: str | None, **kwargs: Any) -> typer.Typer:
    """A Typer app with our conventions: ``-h``, plain help text, one-line usage errors."""
    return typer.Typer(
        cls=OneLineErrors,
        no_args_is_help=True,
        help=help_text,
        context_settings=CONTEXT,
        # Plain (click) help: no Python type names, and no rich import for --help.
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        **kwargs,
    )
