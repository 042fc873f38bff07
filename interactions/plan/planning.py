"""The planner's policy: which items go in the day, where each dose would usually be taken, what
to offer when no plan exists, and what the plan says it does not look at.

Objective (smaller is better): the sum over doses of the minutes between the dose and its usual
time. Usual times: an instruction's own anchor (waking; breakfast), else a meal, with divided
doses spread over breakfast .. dinner. Ties go to the earlier time, so plans are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..knowledge.index import Index
from ..models import ItemRef, MedicationEntry, PatientContext, Reference, Report
from .constraints import (
    Gap,
    PlanItem,
    build_rules,
    doses_per_day,
    instruction_references,
    instructions_for,
    relaxed_separation,
)
from .model import Alternative, Conflict, Plan, PlanDose, PlanOptions, clock, meal_names
from .solver import Problem, Rule, Var


def plan_entries(index: Index, entries: list[MedicationEntry], report: Report,
                 options: PlanOptions) -> Plan:
    """Plan the recognised items of a checked list (the report of exactly these entries)."""
    notes: list[str] = []
    items: list[PlanItem] = []
    position: dict[str, int] = {}
    for entry in entries:
        if not entry.recognised:
            continue
        if entry.as_needed:
            notes.append(f"{entry.input!r} is taken as needed: not placed in the timetable; keep "
                         "the gaps below whenever it is taken.")
            continue
        position.setdefault(entry.input, len(items))
        items.append(PlanItem(ItemRef(input=entry.input, id=entry.id, name=entry.resolved_name),
                              doses_per_day(entry, notes), instructions_for(index, entry.id)))

    gaps: list[Gap] = []
    untimeable: list[Conflict] = []
    for finding in report.findings:
        if finding.object is None or finding.kind == "drug-condition":
            continue
        subject, obj = position.get(finding.subject.input), position.get(finding.object.input)
        if finding.separation is not None and subject is not None and obj is not None:
            sep = finding.separation
            gaps.append(Gap(finding.rule_id, subject, obj, _minutes(sep.drug_before_hours),
                            _minutes(sep.drug_after_hours), finding.references))
        elif finding.action == "avoid":
            untimeable.append(Conflict(
                kind="cannot-be-timed", constraints=[finding.rule_id],
                message=f"{finding.subject.input} and {finding.object.input}: the source says avoid "
                        f"the combination, so no timing can make it safe. {finding.management}"))
        elif finding.action == "separate" and subject is not None and obj is not None:
            notes.append(f"{finding.subject.input} and {finding.object.input}: rule "
                         f"{finding.rule_id} says to separate them but its sources give no gap, "
                         "so the plan cannot time them.")
    rules = build_rules(index, items, gaps, options)
    notes += _coverage_notes(index, items, report)

    problem = _problem(items, rules, options)
    solution = None if untimeable else problem.solve()
    conflicts, alternatives = list(untimeable), []
    if solution is None and not untimeable:
        core = problem.minimal_conflict()
        conflicts.append(Conflict(
            kind="no-plan-on-grid", constraints=[rules[i].public.id for i in core],
            message=f"No timetable between {clock(options.wake)} and {clock(options.sleep)} on a "
                    f"{options.step}-minute grid meets all of these together; dropping any one "
                    "of them makes a plan possible: "
                    + " ".join(rules[i].public.text for i in core)))
        alternatives = _alternatives(index, report, items, rules, gaps, core, options)
    return Plan(
        feasible=solution is not None,
        doses=_doses(items, options, solution) if solution else [],
        constraints=[r.public for r in rules],
        conflicts=conflicts,
        alternatives=alternatives,
        not_checked=notes,
        unrecognized=report.unrecognized,
        wake=clock(options.wake), sleep=clock(options.sleep),
        meals=[clock(m) for m in options.meals], step_minutes=options.step,
    )


def check_and_plan(checker, items: Iterable[str], options: PlanOptions | None = None,
                   context: PatientContext | None = None) -> tuple[Report, Plan]:
    """Check a medication list and plan the day from that same report. `checker` is an
    engine.Checker."""
    entries = [checker.resolver.resolve(text) for text in items if text.strip()]
    report = checker.check_entries(entries, context or PatientContext())
    return report, plan_entries(checker.index, entries, report, options or PlanOptions())


def plan(checker, items: Iterable[str], options: PlanOptions | None = None,
         context: PatientContext | None = None) -> Plan:
    """Check a medication list and plan the day; only the plan."""
    return check_and_plan(checker, items, options, context)[1]


# ------------------------------------------------------------------------------ the objective

def _problem(items: list[PlanItem], rules: list[Rule], options: PlanOptions) -> Problem:
    variables = [(i, k) for i, it in enumerate(items) for k in range(it.doses)]
    return Problem(variables, options.grid(), rules,
                   {v: _usual_times(items, options, *v) for v in variables})


def _usual_times(items: list[PlanItem], opts: PlanOptions, item: int, k: int) -> tuple[int, ...]:
    """Where a dose would usually be taken: its instruction's anchor, else a meal."""
    it = items[item]
    for spec in it.instructions:
        if spec.kind == "on-waking-before-food-drink-medicines":
            return (opts.wake,)
        if spec.kind == "empty-stomach-before-breakfast":
            return (opts.breakfast - spec.min_minutes,)
        if spec.kind == "after-breakfast":
            return (opts.breakfast + spec.min_minutes,)
    meals, n = opts.meals, it.doses
    if n == 1:
        return meals
    if n <= len(meals):
        return (meals[round(k * (len(meals) - 1) / (n - 1))],)
    span = opts.sleep - opts.wake
    return (opts.wake + round((k + 0.5) * span / n),)


def _doses(items: list[PlanItem], opts: PlanOptions, solution: dict[Var, int]) -> list[PlanDose]:
    meal_at = dict(zip(opts.meals, meal_names(len(opts.meals))))
    doses = []
    for (i, k), t in solution.items():
        item = items[i]
        parts = [spec.instruction for spec in item.instructions if spec.kind != "divided-doses"]
        if t in meal_at and not any(s.kind.startswith(("empty", "on-waking"))
                                       for s in item.instructions):
            parts.insert(0, f"at {meal_at[t]}")
        if t == opts.sleep:
            parts.insert(0, "at bedtime")
        doses.append(PlanDose(item=item.ref, time=clock(t), note="; ".join(parts),
                              dose=k + 1, of=item.doses))
    return sorted(doses, key=lambda d: (d.time, d.item.input, d.dose))


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


# ---------------------------------------------------------------------- what the plan says

def _is_magnesium(index: Index, node: str) -> bool:
    return "magnesium" in index.closure.get(node, {})


def _coverage_notes(index: Index, items: list[PlanItem], report: Report) -> list[str]:
    """Say what the plan does not look at, so a clean timetable never implies completeness."""
    notes = []
    pairs = [f"{a.ref.input} + {b.ref.input}" for n, a in enumerate(items) for b in items[n + 1:]
             if not _is_magnesium(index, a.ref.id) and not _is_magnesium(index, b.ref.id)]
    if pairs:
        notes.append("The rules cover interactions with magnesium only; these pairs were not "
                     "checked against each other and may need their own spacing: "
                     + ", ".join(pairs) + ".")
    for f in report.findings:
        if f.object is not None and f.separation is None and f.action in ("monitor", "inform"):
            notes.append(f"{f.subject.input} + {f.object.input}: no timing needed "
                         f"({f.rule_id}): {f.management}")
    if any(f.kind == "drug-condition" for f in report.findings):
        notes.append("Findings about conditions (e.g. kidney function) do not change timing; "
                     "see `interactions check`.")
    return notes


def _alternatives(index, report, items, rules, gaps, core, options) -> list[Alternative]:
    """Options the sources support, each offered only if it really gives a plan."""
    found = []
    by_rule = {f.rule_id: f for f in report.findings}
    for i in core:
        public = rules[i].public
        finding = by_rule.get(public.source)
        if public.kind != "separation" or finding is None:
            continue
        tried: set[tuple[int, int]] = set()
        for source in finding.source_separations:
            # Only two-sided gaps: a one-sided label minimum (e.g. "30 minutes before any other
            # medicine") is that product's own instruction, not a gap for the whole class.
            before, after = _minutes(source.drug_before_hours), _minutes(source.drug_after_hours)
            if (before is None or after is None or (before, after) in tried
                    or (before, after) == (public.before_minutes, public.after_minutes)):
                continue
            tried.add((before, after))
            trial = [relaxed_separation(r, before, after) if n == i else r
                     for n, r in enumerate(rules)]
            solution = _problem(items, trial, options).solve()
            if solution:
                gap = " / ".join(f"{label} {m / 60:g} h" for label, m in
                                 (("before", before), ("after", after)) if m is not None)
                found.append(Alternative(
                    option=f"Apply the gap {source.source} gives for {public.items[0]} and "
                           f"{public.items[1]} ({gap}) instead of the stricter one applied.",
                    basis=source.wording,
                    references=[Reference(title=source.source, url=source.url)],
                    doses=_doses(items, options, solution)))
    found += _split_alternatives(index, items, rules, gaps, core, options)
    return found


def _split_alternatives(index, items, rules, gaps, core, options) -> list[Alternative]:
    """Split a once-daily magnesium item into divided doses, where its instructions say so."""
    found = []
    involved = {name for i in core for name in rules[i].public.items}
    for n, item in enumerate(items):
        spec = next((s for s in item.instructions if s.kind == "divided-doses"), None)
        if spec is None or item.doses != 1 or item.ref.input not in involved:
            continue
        for doses in (2, 3):
            trial_items = [PlanItem(it.ref, doses if m == n else it.doses, it.instructions)
                           for m, it in enumerate(items)]
            trial_rules = build_rules(index, trial_items, gaps, options)
            solution = _problem(trial_items, trial_rules, options).solve()
            if solution:
                found.append(Alternative(
                    option=f"Split {item.ref.input} into {doses} smaller doses a day.",
                    basis=spec.instruction, references=instruction_references(index, spec),
                    doses=_doses(trial_items, options, solution)))
                break
    return found
