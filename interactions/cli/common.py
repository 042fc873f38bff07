"""What every command shares: the consoles, the --verbose state, option types and loaders."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console


state = {"verbose": False}


@cache
def _console(stderr: bool) -> Console:
    """rich's console, made on first use: importing rich costs screen's start-up 15 ms, and
    screen prints one line."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def out() -> Console:
    return _console(False)


def err() -> Console:
    return _console(True)


class Sex(StrEnum):
    F = "F"
    M = "M"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


RulesOption = Annotated[Optional[Path], typer.Option(
    "--rules", help="Use this rule folder instead of the bundled one.", file_okay=False)]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
WakeOption = Annotated[str, typer.Option("--wake", help="Wake time, HH:MM (24-hour).")]
SleepOption = Annotated[str, typer.Option("--sleep", help="Bedtime, HH:MM (24-hour).")]
MealsOption = Annotated[str, typer.Option(
    "--meals", help="Meal times, comma-separated HH:MM; the first is breakfast.")]
StepOption = Annotated[int, typer.Option("--step", help="Grid of possible times, in minutes.")]

def load_checker(rules: Path | None):
    from ..check import Checker

    return Checker.from_rules(rules)

OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of standard output.",
    dir_okay=False)]


def load_browser(rules: Path | None):
    from ..browse import Browser

    return Browser.from_rules(rules)


def emit(text: str, output: Path | None) -> None:
    from ..files import write_text_atomically

    if output is None:
        out().print(text, markup=False, highlight=False, end="" if text.endswith("\n") else "\n")
    else:
        write_text_atomically(output, text)
        err().print(f"Wrote {output}", markup=False)
