"""`plan` (and `check --plan`): a daily timetable that keeps every separation."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    FormatOption,
    MealsOption,
    OutputFormat,
    RulesOption,
    SleepOption,
    StepOption,
    WakeOption,
    load_checker,
    out,
)


def check_and_plan_command(items, context, format, rules, exit_zero, wake, sleep, meals) -> None:
    """`check --plan`: the report, then the plan; JSON adds the plan under "plan"."""
    import json

    from ..plan import PlanOptions, check_and_plan
    from .render_plan import print_plan
    from .render_report import print_report

    options = PlanOptions.from_text(wake, sleep, meals)
    report, day_plan = check_and_plan(load_checker(rules), items, options, context)
    if format is OutputFormat.json:
        merged = report.model_dump(mode="json") | {"plan": day_plan.model_dump(mode="json")}
        out().print(json.dumps(merged, indent=2, ensure_ascii=False), markup=False, soft_wrap=True)
    else:
        print_report(report, out())
        print_plan(day_plan, out())
    raise typer.Exit(0 if exit_zero else max(report.exit_code, day_plan.exit_code))


def plan_command(
    items: Annotated[list[str], typer.Argument(
        help='Medications and supplements, one per argument: levothyroxine "magnesium citrate 200 mg BID".')],
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
    step: StepOption = 15,
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """A daily timetable in which every separation and administration instruction holds.
    Exit 0: a plan; 1: no plan exists on the grid, or an item is unrecognised."""
    from ..plan import PlanOptions, plan
    from .render_plan import plan_json, print_plan

    options = PlanOptions.from_text(wake, sleep, meals, step)
    day_plan = plan(load_checker(rules), items, options)
    if format is OutputFormat.json:
        out().print(plan_json(day_plan), markup=False, soft_wrap=True)
    else:
        print_plan(day_plan, out())
    raise typer.Exit(day_plan.exit_code)
