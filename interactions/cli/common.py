"""What every command shares: the consoles, the --verbose state, option types and loaders."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
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
    """plan's --sex choice (check takes words too, through parse_sex)."""

    F = "F"
    M = "M"


SEX_WORDS = {"f": "F", "female": "F", "woman": "F", "m": "M", "male": "M", "man": "M"}


def parse_sex(value: str | None) -> str | None:
    """--sex's callback: F, M, female, male (any case) -> 'F' or 'M'."""
    if value is None:
        return None
    try:
        return SEX_WORDS[value.strip().lower()]
    except KeyError:
        raise typer.BadParameter(f"{value!r} is not a sex we know; use F, M, female or male.") \
            from None


def number_in(low: float, high: float) -> Callable[[str], float]:
    """A parser for a number option that words its own error (typer's would say 'Input should be
    a valid number')."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"{value!r} is not a number.") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise typer.BadParameter(f"{value} is outside {low:g} to {high:g}.")
        return number

    return parse


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class TableFormat(StrEnum):
    """For a command that shows a table: its rows as CSV or JSON lines too (render_rows.py)."""

    table = "table"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"


RulesOption = Annotated[Optional[Path], typer.Option(
    "--rules", help="Use this rule folder instead of the bundled one.", file_okay=False,
    metavar="DIR")]
FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table or json.", metavar="FORMAT")]
TableFormatOption = Annotated[TableFormat, typer.Option(
    "--format", "-f", help="Output format: table, json, or the table's rows as csv or jsonl.",
    metavar="FORMAT")]
WakeOption = Annotated[str, typer.Option("--wake", help="Wake time, HH:MM (24-hour).",
                                         metavar="HH:MM")]
SleepOption = Annotated[str, typer.Option("--sleep", help="Bedtime, HH:MM (24-hour).",
                                          metavar="HH:MM")]
MealsOption = Annotated[str, typer.Option(
    "--meals", help="Meal times, comma-separated HH:MM; the first is breakfast.",
    metavar="TIMES")]
StepOption = Annotated[int, typer.Option("--step", help="Grid of possible times, in minutes.",
                                         metavar="MINUTES")]

def load_checker(rules: Path | None):
    from ..check import Checker

    return Checker.from_rules(rules)

OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of standard output.",
    dir_okay=False, metavar="FILE")]


def load_browser(rules: Path | None):
    from ..browse import Browser

    return Browser.from_rules(rules)


def emit(text: str, output: Path | None) -> None:
    """Plain text to a file (atomically) or to standard output, byte for byte: no rich markup
    or emoji codes, so JSON stays JSON."""
    from ..files import write_text_atomically

    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text_atomically(output, text)
        err().print(f"Wrote {output}", markup=False)


def emit_bytes(data: bytes, output: Path | None) -> None:
    """Bytes (a PNG, an iCalendar file) to a file (atomically) or to standard output."""
    from ..files import write_bytes_atomically

    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes_atomically(output, data)
        err().print(f"Wrote {output}", markup=False)


def to_json(data) -> str:
    """RFC 8259 JSON: a number that is not finite is refused, never written as Infinity/NaN."""
    from ..errors import InputError

    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise InputError(f"cannot write JSON: the output holds a number that is not finite "
                         f"({exc}); JSON has no Infinity or NaN.") from None
    return replace_surrogates(text)[0]


def replace_surrogates(text: str) -> tuple[str, bool]:
    """Lone surrogates (bytes that were not UTF-8, as Python passes them in arguments) cannot be
    written as UTF-8: each becomes U+FFFD. Returns the text and whether anything was replaced."""
    try:
        text.encode("utf-8")  # fast path: only a surrogate makes this fail
        return text, False
    except UnicodeEncodeError:
        pass
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text), True


def clean_items(items: list[str], what: str = "item") -> list[str]:
    """The items with lone surrogates replaced; a note on stderr says which were changed."""
    cleaned = []
    for number, item in enumerate(items, 1):
        text, changed = replace_surrogates(item)
        if changed:
            err().print(f"note: {what} {number} held bytes that are not UTF-8; each was replaced "
                        f"with U+FFFD: {text!r}", markup=False)
        cleaned.append(text)
    return cleaned


def read_items(items: list[str], items_file: Path | None, required: bool = True) -> list[str]:
    """Items from the arguments, or one a line from a file or from stdin ('-'); blank lines and
    '#' comments are skipped. ``required`` False: none is no error (the items of `check --fhir`
    may all come from the Bundle)."""
    from ..errors import InputError

    sources = []
    if items_file is not None:
        sources.append(str(items_file))
    if items == ["-"]:
        sources.append("-")
        items = []
    if "-" in items:
        raise InputError("'-' (read items from standard input) must be the only item.")
    lines: list[str] = []
    for source in sources:
        try:
            if source == "-":
                text = sys.stdin.read()
            else:
                text = Path(source).read_text(encoding="utf-8-sig", errors="surrogateescape")
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    items = [*items, *lines]
    if not items and required:
        raise InputError("no items to check: give them as arguments, with --items-file FILE, "
                         "or one a line on standard input with '-'.")
    return items


def patient_context(**fields):
    """The patient context of check and plan, refused in one line when it contradicts itself."""
    from ..models import PatientContext

    return PatientContext.checked(**fields)


# The patient options check and plan share.
ConditionOption = Annotated[Optional[list[str]], typer.Option(
    "--condition", "-c", metavar="CONDITION",
    help="A condition the patient has (repeatable): CKD, dialysis, N18.4.")]
EgfrOption = Annotated[Optional[float], typer.Option(
    metavar="N", parser=number_in(0, 250),
    help="eGFR in mL/min/1.73 m2, 0 to 250; implies the matching CKD stage.")]
AgeOption = Annotated[Optional[float], typer.Option(
    metavar="YEARS", parser=number_in(0, 130), help="Age in years, 0 to 130.")]
SexOption = Annotated[Optional[str], typer.Option(
    metavar="SEX", callback=parse_sex, help="Sex: F, M, female or male.")]
ItemsFileOption = Annotated[Optional[Path], typer.Option(
    "--items-file", metavar="FILE", dir_okay=False,
    help="Read items from this file, one a line (blank lines and # comments skipped).")]
