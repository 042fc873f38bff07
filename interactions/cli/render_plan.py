"""Plans as text for people (a table by clock time and a one-line timeline) or JSON."""

from __future__ import annotations

import io
import json
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..notice import NOTICE
from ..plan import Plan, PlanDose, meal_names


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False)


def plan_table_text(plan: Plan, width: int = 120) -> str:
    """The table view as plain text (for a file)."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    print_plan(plan, console)
    return console.export_text()


def _meals(meals: list[str]) -> dict[str, str]:
    return dict(zip(meals, meal_names(len(meals))))


def _label(dose: PlanDose) -> str:
    return dose.item.input + (f" ({dose.dose}/{dose.of})" if dose.of > 1 else "")


def timeline(doses: list[PlanDose], meals: list[str]) -> str:
    """'07:00 alendronate · 08:00 [breakfast] calcium, doxycycline · ...'"""
    meal_at = _meals(meals)
    times = sorted({d.time for d in doses} | set(meal_at))
    by_time = {t: [_label(d) for d in group] for t, group in groupby(doses, key=lambda d: d.time)}
    slots = []
    for t in times:
        meal = f"[{meal_at[t]}] " if t in meal_at else ""
        slots.append(f"{t} {meal}{', '.join(by_time.get(t, []))}".rstrip())
    return " · ".join(slots)


def _table(doses: list[PlanDose], meals: list[str], title: str) -> Table:
    meal_at = _meals(meals)
    table = Table(title=title, title_justify="left", show_edge=False)
    for column in ("Time", "Take", "How"):
        table.add_column(column)
    rows = [(d.time, 1, _label(d), d.note) for d in doses]
    rows += [(t, 0, Text(f"({name})", style="dim"), "") for t, name in meal_at.items()]
    for time, _order, what, how in sorted(rows, key=lambda r: (r[0], r[1])):
        table.add_row(time, what, how)
    return table


def print_plan(plan: Plan, console: Console) -> None:
    day = f"awake {plan.wake}-{plan.sleep}, meals {', '.join(plan.meals)}, {plan.step_minutes}-minute grid"
    _print_left_out(plan, console)
    if plan.feasible:
        console.print(_table(plan.doses, plan.meals, f"Daily plan ({day})"))
        console.print(f"Timeline: {timeline(plan.doses, plan.meals)}", markup=False)
    else:
        _print_no_plan(plan, console, day)
    if plan.constraints:
        console.print("Constraints" + (" met:" if plan.feasible else ":"))
        for c in plan.constraints:
            source = c.references[0].title if c.references else "the dose frequency"
            console.print(f"  {c.id} {c.text} ({c.source}; {source})", markup=False)
    for alt in plan.alternatives:
        console.print(Text(f"Option: {alt.option}", style="bold"))
        console.print(f"  Basis: \"{alt.basis}\" ({alt.references[0].title})", markup=False)
        console.print(f"  Plan: {timeline(alt.doses, plan.meals)}", markup=False)
    for heading, notes in (("Notes:", plan.notes), ("Not accounted for:", plan.not_checked)):
        if notes:
            console.print(heading)
            for note in notes:
                console.print(f"  - {note}", markup=False)
    console.print(Text(NOTICE, style="dim italic"))


def _print_left_out(plan: Plan, console: Console) -> None:
    """Items not in the timetable: unrecognised, or held back by a finding."""
    for u in plan.unrecognized:
        hint = f" Did you mean: {', '.join(u.suggestions)}?" if u.suggestions else ""
        console.print(Text(f"NOT RECOGNISED: {u.input!r} is not in this plan.{hint}",
                           style="bold magenta"))
    for held in plan.not_placed:
        console.print(Text(f"DO NOT TAKE WITHOUT ASKING THE PRESCRIBER: {held.item.input} "
                           f"({held.rule_id}, {held.severity}) is not in this plan.",
                           style="bold red"))
        console.print(f"  {held.reason}", markup=False)


def _print_no_plan(plan: Plan, console: Console, day: str) -> None:
    headline = ("NO PLAN FOUND within the search bound" if plan.search and
                plan.search.status == "bound-reached" else
                "NO PLAN: no timetable meets every constraint")
    console.print(Text(f"{headline} ({day}).", style="bold red"))
    for conflict in plan.conflicts:
        console.print(f"- {conflict.message}", markup=False)
        for c in plan.constraints:
            if c.id in conflict.constraints:
                console.print(f"    {c.id} [{c.source}] {c.text}", markup=False)
