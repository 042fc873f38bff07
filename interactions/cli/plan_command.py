"""`plan` (and `check --plan`): a daily timetable that keeps every separation."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Optional

import typer

from .common import (
    AgeOption,
    ConditionOption,
    EgfrOption,
    ItemsFileOption,
    MealsOption,
    OutputFile,
    OutputFormat,
    RulesOption,
    SexOption,
    SleepOption,
    StepOption,
    WakeOption,
    clean_items,
    emit,
    load_checker,
    out,
    patient_context,
    read_items,
    to_json,
)


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    svg = "svg"
    png = "png"
    ics = "ics"
    html = "html"
    csv = "csv"  # the timetable's rows (render_rows.PLAN_COLUMNS)
    jsonl = "jsonl"


PlanFormatOption = Annotated[PlanFormat, typer.Option(
    "--format", "-f", help="Output format: table, json, svg (a timeline of the day), png (the same; "
                           "needs cairosvg and the cairo library), ics (daily calendar events), "
                           "html (a printable handout for the patient), or the timetable's rows "
                           "as csv or jsonl.")]


def check_and_plan_command(items, context, format, rules, exit_zero, wake, sleep, meals) -> None:
    """`check --plan`: the report, then the plan; JSON adds the plan under "plan"."""
    from ..plan import PlanOptions, check_and_plan
    from .render_plan import print_plan
    from .render_report import print_report

    options = PlanOptions.from_text(wake, sleep, meals)
    report, day_plan = check_and_plan(load_checker(rules), items, options, context)
    if format is OutputFormat.json:
        merged = report.model_dump(mode="json") | {"plan": day_plan.model_dump(mode="json")}
        emit(to_json(merged), None)
    else:
        print_report(report, out())
        print_plan(day_plan, out())
    # A finding, or no plan, is 1; else the report's own code (3: an item unrecognised).
    code = 1 if 1 in (report.exit_code, day_plan.exit_code) else report.exit_code
    raise typer.Exit(0 if exit_zero else code)


def plan_command(
    items: Annotated[Optional[list[str]], typer.Argument(metavar="ITEM", show_default=False, help=(
        'Medications and supplements, one per argument: levothyroxine "magnesium citrate 200 mg '
        'BID". A lone - reads them from standard input, one a line.'))] = None,
    items_file: ItemsFileOption = None,
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
    step: StepOption = 15,
    condition: ConditionOption = None,
    egfr: EgfrOption = None,
    age: AgeOption = None,
    sex: SexOption = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant.")] = False,
    taken: Annotated[Optional[list[str]], typer.Option(
        "--taken", help='A dose already taken today, "ITEM HH:MM" (repeatable); the rest is planned '
                        "from the latest one on.")] = None,
    slots: Annotated[bool, typer.Option(
        "--slots", help="Plan in the four medication-schedule slots (morning, noon, evening, "
                        "bedtime) when every constraint allows it.")] = False,
    format: PlanFormatOption = PlanFormat.table,
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """A daily timetable in which every separation and administration instruction holds; an item
    the patient should not take is listed apart. Exit 0: a plan; 1: no plan (none exists, or none
    was found within the search bound), an item held back, or an item unrecognised."""
    from ..errors import InputError
    from ..plan import PlanOptions, plan

    items = clean_items(read_items(items or [], items_file))
    if not items:
        raise InputError("give the items to plan (ITEM..., - for standard input, or --items-file)")
    options = PlanOptions.from_text(wake, sleep, meals, step, taken=taken or [], slots=slots)
    context = patient_context(conditions=clean_items(condition or [], "condition"), egfr=egfr,
                              age=age, sex=sex, pregnant=pregnant)
    day_plan = plan(load_checker(rules), items, options, context)
    write_plan(day_plan, format, output)
    raise typer.Exit(day_plan.exit_code)


def _render(day_plan, format: PlanFormat) -> str | bytes:
    from ..plan import exports
    from .render_plan import plan_json, plan_table_text

    match format:
        case PlanFormat.json:
            return plan_json(day_plan) + "\n"
        case PlanFormat.svg:
            return exports.plan_svg(day_plan)
        case PlanFormat.png:
            return exports.plan_png(day_plan)
        case PlanFormat.ics:
            return exports.plan_ics(day_plan)
        case PlanFormat.html:
            return exports.plan_html(day_plan)
        case PlanFormat.csv | PlanFormat.jsonl:
            from .render_rows import plan_rows

            return plan_rows(day_plan, format.value)
    return plan_table_text(day_plan)


def write_plan(day_plan, format: PlanFormat, output) -> None:
    """The plan in `format`, to standard output or atomically to `output`."""
    from .common import emit_bytes
    from .render_plan import print_plan

    if format is PlanFormat.table and output is None:
        print_plan(day_plan, out())
        return
    data = _render(day_plan, format)
    emit_bytes(data.encode("utf-8") if isinstance(data, str) else data, output)
