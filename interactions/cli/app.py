"""Command-line interface: parse options, make one library call, print, set the exit code.

Exit codes: 0 nothing found and everything recognised; 1 findings; 2 usage or input error
(including an output that cannot be written); 3 no finding but some item unrecognised. Library
errors become one 'Error:' line; a traceback only with --verbose (before or after the command).
Process-wide settings (allocator, garbage collector) are made here, never by the library.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import InteractionsError
from ..notice import NOTICE
from . import browse_commands, check_commands, plan_command, rules_commands, screen_command, serve
from .common import err, state

# polars allocates through jemalloc, whose default of several arenas per core lets each of
# screen's threads keep freed memory of its own: one arena lowers screen's peak memory by about
# a sixth at the same speed (benchmarks/screen_bench.py). Read when polars is first imported,
# which this module never does itself; a value set by the user wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1")

HELP = f"""Check oral magnesium (supplements, antacids, laxatives) against medicines and conditions.

{NOTICE}"""


def _plain_argument_help() -> None:
    """typer writes an argument as '{ITEM}... <list[str]>' in usage and help, an option as
    '--class <str>'; people read 'ITEM...' and '--class TEXT'."""
    from typer.core import TyperArgument, TyperOption

    def display_type_rich(self, ctx):
        return None

    def _rich_display_name(self):
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self):
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"

    TyperArgument.display_type_rich = display_type_rich
    TyperArgument._rich_display_name = _rich_display_name
    TyperArgument._usage_display_name = _usage_display_name

    # An option with no metavar of its own: its choices as 'a|b', or one word for its type,
    # never '<str>', '<int range>' or '<list[str]>'.
    shown = TyperOption.display_type_rich

    def option_type(self, ctx):
        if self.metavar is not None:
            return self.metavar
        desc = self.type_descriptor
        if desc.is_choice and desc.choices is not None:
            return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
        label = (shown(self, ctx) or "").strip("<>.")
        for word, name in (("int", "N"), ("float", "NUMBER"), ("path", "PATH"), ("str", "TEXT")):
            if word in label:
                return name
        return "VALUE"

    TyperOption.display_type_rich = option_type


_plain_argument_help()


def _stdout_gone() -> None:
    """Point fd 1 at /dev/null, so the interpreter's own last flush of what could not be
    written does not print a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real fd under a test runner
        pass


class _Commands(typer.core.TyperGroup):
    """Turns a library error, or an output that cannot be written, into one 'Error:' line and
    exit code 2, for every command."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        # --verbose may follow the command (`interactions check ... --verbose`), as people type it
        if "--" in args:
            cut = args.index("--")
            head, tail = args[:cut], args[cut:]
        else:
            head, tail = args, []
        state["verbose"] = "--verbose" in head  # set afresh for each run (tests run many)
        if "--verbose" in head[1:]:
            head = [head[0], *(a for a in head[1:] if a != "--verbose")]
        return super().parse_args(ctx, head + tail)

    def invoke(self, ctx: typer.Context):
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()
        except InteractionsError as exc:
            if state["verbose"]:
                raise
            err().print(f"Error: {exc}", markup=False)
            raise typer.Exit(2) from None
        except OSError as exc:
            if state["verbose"]:
                raise
            if exc.filename is None:
                _stdout_gone()
            what = exc.filename or "standard output"
            err().print(f"Error: cannot write {what}: {exc.strerror or exc}", markup=False)
            raise typer.Exit(2) from None


app = typer.Typer(cls=_Commands, help=HELP, no_args_is_help=True, add_completion=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})
rules_app = typer.Typer(help="Inspect and validate rule folders.", no_args_is_help=True)
graph_app = typer.Typer(help="Export the knowledge graph.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(graph_app, name="graph")

app.command()(check_commands.check)
app.command()(check_commands.explain)
app.command("plan")(plan_command.plan_command)
app.command()(browse_commands.lookup)
app.command()(screen_command.screen)
app.command()(serve.serve)
rules_app.command("validate")(rules_commands.rules_validate)
rules_app.command("list")(rules_commands.rules_list)
rules_app.command("show")(rules_commands.rules_show)
rules_app.command("coverage")(rules_commands.rules_coverage)
rules_app.command("diff")(rules_commands.rules_diff)
graph_app.command("export")(browse_commands.graph_export)


def _print_version(value: bool) -> None:
    if value:
        print(f"interactions {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show a traceback on errors (also accepted after the command).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", is_eager=True,
        callback=_print_version)] = False,
) -> None:
    state["verbose"] = state["verbose"] or verbose


def main() -> None:
    """Console-script entry: usage errors exit 2 (click's own handling); anything unexpected is
    one 'Error:' line and exit 2, with the traceback only under --verbose."""
    try:
        app(prog_name="interactions")
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if state["verbose"]:
            raise
        err().print(f"Error: internal error ({type(exc).__name__}: {exc}); "
                    "re-run with --verbose for details.", markup=False)
        sys.exit(2)
    finally:
        # The process ends here: spare the interpreter's last collections a walk over every
        # rule, model and cache (a tenth of a second of shutdown).
        gc.freeze()
