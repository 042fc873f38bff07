"""Command-line interface: parse options, make one library call, print, set the exit code.

Exit codes: 0 nothing found and everything recognised; 1 findings or unrecognised items;
2 usage or input error. Library errors become one 'Error:' line; a traceback only with --verbose.
Process-wide settings (allocator, garbage collector) are made here, never by the library.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated

import typer

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


class _Commands(typer.core.TyperGroup):
    """Turns a library error into one 'Error:' line and exit code 2, for every command."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except InteractionsError as exc:
            if state["verbose"]:
                raise
            err().print(f"Error: {exc}", markup=False)
            raise typer.Exit(2) from None


app = typer.Typer(cls=_Commands, help=HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None)
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
graph_app.command("export")(browse_commands.graph_export)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show a traceback on internal errors.")] = False) -> None:
    state["verbose"] = verbose


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
