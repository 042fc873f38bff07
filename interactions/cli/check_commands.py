"""`check` and `explain`: one medication list in, the report out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from .common import (
    FormatOption,
    MealsOption,
    OutputFormat,
    RulesOption,
    Sex,
    SleepOption,
    WakeOption,
    load_checker,
    out,
)
from .plan_command import check_and_plan_command


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    fhir = "fhir"  # a FHIR R4 Bundle of DetectedIssue resources


def check(
    items: Annotated[Optional[list[str]], typer.Argument(metavar="ITEM", help=(
        'Medications and supplements, one per argument: doxycycline "magnesium citrate 400 mg".'))] = None,
    condition: Annotated[Optional[list[str]], typer.Option(
        "--condition", "-c", help="A condition the patient has (repeatable): CKD, dialysis, N18.4.")] = None,
    egfr: Annotated[Optional[float], typer.Option(
        help="eGFR in mL/min/1.73 m2; implies the matching CKD stage.", min=0, max=250)] = None,
    age: Annotated[Optional[float], typer.Option(help="Age in years.", min=0, max=130)] = None,
    sex: Annotated[Optional[Sex], typer.Option(help="Sex: F or M.", case_sensitive=False)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant.")] = False,
    format: Annotated[CheckFormat, typer.Option(
        "--format", "-f", help="Output format.")] = CheckFormat.table,
    rules: RulesOption = None,
    fhir: Annotated[Optional[Path], typer.Option(
        "--fhir", dir_okay=False, help="Read medications, conditions, eGFR, age, sex and pregnancy "
                                        "from a FHIR R4 Bundle (JSON); ITEMs and options add to it.")] = None,
    lactating: Annotated[bool, typer.Option(
        "--lactating", help="The patient is breastfeeding (for the recommended intake).")] = False,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when there are findings (for demos and pipelines).")] = False,
    plan: Annotated[bool, typer.Option(
        "--plan", help="Append a daily timetable that keeps every separation (see `plan`).")] = False,
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
) -> None:
    """Check one medication list. Exit 0: nothing found; 1: findings or unrecognised items."""
    from ..models import PatientContext
    from .render_report import print_report, report_json

    context = PatientContext(conditions=condition or [], egfr=egfr, age=age,
                             sex=sex.value if sex else None, pregnant=pregnant,
                             lactating=lactating)
    if not items and fhir is None:
        raise InputError("give the items to check (ITEM...) or a FHIR Bundle (--fhir FILE)")
    if plan:
        check_and_plan_command(items or [], context, OutputFormat(format) if format != "fhir"
                               else OutputFormat.json, rules, exit_zero, wake, sleep, meals)
    source = None
    if fhir is not None:
        from ..fhir import check_bundle, load_bundle

        report, source = check_bundle(load_checker(rules), load_bundle(fhir), items or [], context)
    else:
        report = load_checker(rules).check(items, context)
    if format is CheckFormat.fhir:
        from ..fhir import fhir_json

        out().print(fhir_json(report, source), markup=False, soft_wrap=True)
    elif format is CheckFormat.json:
        out().print(report_json(report), markup=False, soft_wrap=True)
    else:
        print_report(report, out())
    raise typer.Exit(0 if exit_zero else report.exit_code)


def explain(
    first: Annotated[str, typer.Argument(help="A medication or supplement.")],
    second: Annotated[str, typer.Argument(help="Another one, e.g. a magnesium form.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """Show the rules linking two items, their sources, and the graph path behind each match."""
    from .render_report import print_explanation, report_json

    report = load_checker(rules).check([first, second])
    if format is OutputFormat.json:
        out().print(report_json(report), markup=False, soft_wrap=True)
    else:
        print_explanation(report, out())
    raise typer.Exit(report.exit_code)
