"""`screen`: a file of patients in; findings, summaries and rejects out."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Optional

import typer

from .common import RulesOption, err


class ScreenFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"
    arrow = "arrow"


class Layout(StrEnum):
    wide = "wide"
    long = "long"


def _column(role: str, example: str):
    return typer.Option(f"--{role}-column", help=f"Column holding the {example} "
                        "(default: detected from the header).", rich_help_panel="Columns")


def screen(
    input: Annotated[str, typer.Argument(
        metavar="INPUT", help="Patient file (CSV/TSV, gzip read transparently; .parquet, .arrow/.feather), "
             "or - for stdin.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Findings file (default: stdout). Files are replaced atomically.")] = None,
    summary: Annotated[Optional[str], typer.Option(
        help="Per-patient summary file: one row for every patient screened.")] = None,
    rejects: Annotated[Optional[str], typer.Option(
        help="Rejected rows file: line number, reason, raw row.")] = None,
    format: Annotated[Optional[ScreenFormat], typer.Option(
        "--format", "-f", help="Output format (default: from the -o suffix — .parquet, "
                               ".arrow/.feather, .jsonl — else csv).")] = None,
    layout: Annotated[Optional[Layout], typer.Option(
        help="wide: one row per patient; long: one row per patient and medication "
             "(default: detected from the header).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(
        help="Field delimiter: , ; | or tab (default: detected from the header).")] = None,
    item_separator: Annotated[Optional[str], typer.Option(
        help="Separator between items in a medication or condition cell (default: ; and |).")] = None,
    encoding: Annotated[str, typer.Option(
        help="Text encoding of the input (UTF-8 with or without BOM by default).")] = "utf-8",
    patient_column: Annotated[Optional[str], _column("patient", "patient id")] = None,
    medication_column: Annotated[Optional[str], _column("medication", "medication(s)")] = None,
    dose_column: Annotated[Optional[str], _column("dose", "dose (long layout)")] = None,
    conditions_column: Annotated[Optional[str], _column("conditions", "conditions")] = None,
    egfr_column: Annotated[Optional[str], _column("egfr", "eGFR")] = None,
    age_column: Annotated[Optional[str], _column("age", "age")] = None,
    sex_column: Annotated[Optional[str], _column("sex", "sex")] = None,
    pregnant_column: Annotated[Optional[str], _column("pregnant", "pregnancy flag")] = None,
    sort: Annotated[bool, typer.Option(
        "--sort", help="Long layout not sorted by patient: sort it first, in bounded memory "
                       "with temporary files (output then follows patient order).")] = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes; output order and bytes do not change.")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    rules: RulesOption = None,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when there are findings or rejected rows.")] = False,
) -> None:
    """Screen a file of patients. Exit 0: all clear; 1: findings; 3: no finding, but unrecognised
    items or rejected rows; 2: the file cannot be used (nothing is written)."""
    from ..screen import ScreenOptions, screen_file, tune_process

    separators = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    if delimiter is not None:
        delimiter = separators.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise typer.BadParameter("one character, or tab", param_hint="--delimiter")
    columns = {"patient": patient_column, "medication": medication_column, "dose": dose_column,
               "conditions": conditions_column, "egfr": egfr_column, "age": age_column,
               "sex": sex_column, "pregnant": pregnant_column}
    options = ScreenOptions(encoding=encoding, delimiter=delimiter,
                            layout=layout.value if layout else None, item_separator=item_separator,
                            columns=columns, output_format=format.value if format else "csv",
                            sort=sort, jobs=jobs, rules=rules)
    tune_process()  # process-wide garbage-collector tuning: the CLI's to make, not the library's
    with _progress(quiet) as progress:
        result = screen_file(input, output, summary=summary, rejects=rejects, options=options,
                             progress=progress)
    # Plain lines, as written: rich is not loaded for them (see _console).
    if not rejects:
        for line, reason in result.first_rejects:
            typer.echo(f"rejected line {line}: {reason}", err=True)
        if result.rows_rejected > len(result.first_rejects):
            typer.echo(f"... {result.rows_rejected - len(result.first_rejects):,} more; "
                       "--rejects FILE keeps them all", err=True)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(result.account(), err=True)
    raise typer.Exit(0 if exit_zero else result.exit_code)


def progress_columns() -> tuple:
    """The bar's columns: patients done and their rate, the bar and bytes read (when the size is
    known), the time left."""
    from rich.progress import BarColumn, DownloadColumn, ProgressColumn, TimeRemainingColumn
    from rich.text import Text

    class Patients(ProgressColumn):
        """'12,345 patients  6,789 patients/s': the rate over the whole run so far."""

        def render(self, task) -> Text:
            patients = task.fields.get("patients", 0)
            elapsed = task.elapsed or 0
            rate = f"{patients / elapsed:,.0f} patients/s" if elapsed > 0 and patients else "- patients/s"
            return Text(f"{patients:,} patients  {rate}")

    return ("screening", Patients(), BarColumn(), DownloadColumn(), TimeRemainingColumn())


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, quiet: bool, console=None):
        self.bar = None
        console = console or err()
        if not quiet and console.is_terminal:
            from rich.progress import Progress

            self.bar = Progress(*progress_columns(), console=console, transient=True)

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("screen", total=None, patients=0)
        return lambda done, size, patients: self.bar.update(task, completed=done, total=size,
                                                            patients=patients)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
