"""`check` and `explain`: one medication list in, the report out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from .common import (
    AgeOption,
    ConditionOption,
    EgfrOption,
    FormatOption,
    ItemsFileOption,
    MealsOption,
    OutputFile,
    OutputFormat,
    RulesOption,
    SexOption,
    SleepOption,
    WakeOption,
    clean_items,
    emit,
    load_checker,
    out,
    patient_context,
    read_items,
)
from .plan_command import check_and_plan_command


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    fhir = "fhir"  # a FHIR R4 Bundle of DetectedIssue resources
    csv = "csv"  # the findings table's rows (render_rows.CHECK_COLUMNS)
    jsonl = "jsonl"


def check(
    items: Annotated[Optional[list[str]], typer.Argument(metavar="ITEM", show_default=False,
        help='Medications and supplements, one per argument: doxycycline "magnesium citrate '
             '400 mg". A lone - reads them from standard input, one a line.')] = None,
    items_file: ItemsFileOption = None,
    condition: ConditionOption = None,
    egfr: EgfrOption = None,
    age: AgeOption = None,
    sex: SexOption = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant.")] = False,
    format: Annotated[CheckFormat, typer.Option(
        "--format", "-f", help="Output format: table, json, fhir (a FHIR R4 Bundle of "
                               "DetectedIssue resources), or the findings' rows as csv or "
                               "jsonl.")] = CheckFormat.table,
    output: OutputFile = None,
    rules: RulesOption = None,
    fhir: Annotated[Optional[Path], typer.Option(
        "--fhir", dir_okay=False, metavar="FILE",
        help="Read medications, conditions, eGFR, age, sex and pregnancy from a FHIR R4 Bundle "
             "(JSON); ITEMs and options add to it.")] = None,
    lactating: Annotated[bool, typer.Option(
        "--lactating", help="The patient is breastfeeding (for the recommended intake).")] = False,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 whatever is found (for demos and pipelines).")] = False,
    plan: Annotated[bool, typer.Option(
        "--plan", help="Append a daily timetable that keeps every separation (see `plan`).")] = False,
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
) -> None:
    """Check one medication list. Exit 0: nothing found; 1: findings; 3: no finding but some item
    unrecognised; 2: usage or input error."""
    from .render_report import print_report, report_json

    items = clean_items(read_items(items or [], items_file, required=fhir is None))
    context = patient_context(conditions=clean_items(condition or [], "condition"), egfr=egfr,
                              age=age, sex=sex, pregnant=pregnant, lactating=lactating)
    if not items and fhir is None:
        raise InputError("give the items to check (ITEM...) or a FHIR Bundle (--fhir FILE)")
    rows = format in (CheckFormat.csv, CheckFormat.jsonl)
    if plan and rows:
        raise InputError("--plan shows two tables; for their rows use --format json, or "
                         "`interactions plan --format csv` for the timetable")
    if plan:
        check_and_plan_command(items, context, OutputFormat.json if format is CheckFormat.json
                               else OutputFormat.table, rules, exit_zero, wake, sleep, meals)
    source = None
    if fhir is not None:
        from ..fhir import check_bundle, load_bundle

        report, source = check_bundle(load_checker(rules), load_bundle(fhir), items, context)
    else:
        report = load_checker(rules).check(items, context)
    if format is CheckFormat.fhir:
        from ..fhir import fhir_json

        emit(fhir_json(report, source), output)
    elif format is CheckFormat.json:
        emit(report_json(report), output)
    elif rows:
        from .render_rows import report_rows

        emit(report_rows(report, format.value), output)
        _note_unrecognised(report)
    elif output is not None:
        emit(_table_text(lambda console: print_report(report, console, context)), output)
    else:
        print_report(report, out(), context)
    raise typer.Exit(0 if exit_zero else report.exit_code)


def _note_unrecognised(report) -> None:
    """The rows are findings only: an item not recognised is said on stderr, never left out
    unseen (unknown is not safe; the exit code says so too)."""
    from .common import err

    for item in report.unrecognized:
        hint = f" (did you mean: {', '.join(item.suggestions)}?)" if item.suggestions else ""
        err().print(f"note: not recognised, not checked: {item.input!r}{hint}", markup=False)


def _table_text(render) -> str:
    """A table rendered as plain text (no colour), for -o FILE."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    render(Console(file=buffer, width=100, highlight=False, no_color=True, emoji=False))
    return buffer.getvalue()


def explain(
    first: Annotated[str, typer.Argument(metavar="ITEM", help="A medication or supplement.")],
    second: Annotated[str, typer.Argument(
        metavar="OTHER", help="Another one, e.g. a magnesium form, or a condition (dialysis).")],
    condition: Annotated[Optional[list[str]], typer.Option(
        "--condition", "-c", metavar="CONDITION",
        help="A condition the patient has (repeatable), to see rules that apply only in it.")] = None,
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """Show the rules linking two items (or an item and a condition), their sources, and the
    graph path behind each match, including rules that apply only in a condition."""
    from ..browse.explain import explain as explain_pair
    from .common import to_json
    from .render_report import print_explanation

    first, second = clean_items([first, second])
    context = patient_context(conditions=clean_items(condition or [], "condition"))
    explanation = explain_pair(load_checker(rules), first, second, context)
    if format is OutputFormat.json:
        data = explanation.report.model_dump(mode="json") | {"only_in_condition": [
            {"condition": name, "finding": f.model_dump(mode="json")}
            for name, f in explanation.conditional]}
        emit(to_json(data), None)
    else:
        print_explanation(explanation, out())
    raise typer.Exit(explanation.report.exit_code)
