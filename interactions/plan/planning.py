"""The planner's policy: which items go in the day, where each dose would usually be taken, what
to offer when no plan exists, and what the plan says it does not look at.

Objective (smaller is better): the sum over doses of the minutes between the dose and its usual
time. Usual times: an instruction's own anchor (waking; breakfast), else a meal, with divided
doses spread over breakfast .. dinner. Ties go to the earlier time, so plans are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..errors import InputError
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
from .model import (
    Alternative,
    Conflict,
    Plan,
    PlanDose,
    PlanOptions,
    Search,
    clock,
    meal_names,
)
from .notes import coverage_notes, held_back, taken_notes
from .solver import Budget, Problem, Rule, Var


def plan_entries(index: Index, entries: list[MedicationEntry], report: Report,
                 options: PlanOptions, taken: dict[str, list[int]] | None = None) -> Plan:
    """Plan the recognised items of a checked list (the report of exactly these entries).
    `taken`: the doses taken today by item input (default: options.taken matched by text)."""
    notes: list[str] = [f"Meal time {clock(m)} is outside the waking day {clock(options.wake)}-"
                        f"{clock(options.sleep)}: left out of the plan." for m in options.dropped_meals]
    not_checked: list[str] = []
    held = held_back(report)
    items = _items(index, entries, match_taken(entries, options) if taken is None else taken,
                   {h.item.input for h in held}, notes, not_checked)
    position: dict[str, int] = {}
    for n, it in enumerate(items):
        position.setdefault(it.ref.input, n)
    gaps = _gaps(report, position, notes, not_checked)
    rules = build_rules(index, items, gaps, options)
    not_checked += coverage_notes(index, items, report)
    notes += taken_notes(items, rules)

    budget = Budget(options.work_limit, options.time_limit)
    problem = _problem(items, rules, options)
    slots = _in_slots(items, rules, options, budget, notes) if options.slots else None
    result = slots[1] if slots else problem.solve(budget=budget)
    conflicts, alternatives = [], []
    if result.status == "bound-reached":
        conflicts.append(_unfinished(rules, set(result.stuck), options))
    elif result.status == "infeasible":
        core, proven = problem.minimal_conflict(budget, result.core)
        conflicts.append(Conflict(
            kind="no-plan-on-grid", constraints=[rules[i].public.id for i in core],
            message=f"No timetable between {clock(options.wake)} and {clock(options.sleep)} on a "
                    f"{options.step}-minute grid meets all of these together; "
                    + ("dropping any one of them makes a plan possible: " if proven else
                       "the search bound stopped the search for a smaller set: ")
                    + " ".join(rules[i].public.text for i in core)))
        alternatives = _alternatives(index, report, items, rules, gaps, core, options, budget)
        if budget.exhausted:
            notes.append("The search bound was reached while looking for a smaller conflict or "
                         "for options; some options may not be shown.")
    if result.status == "best-found":
        notes.append("The search bound was reached: this is the best plan found, and every "
                     "constraint holds, but a plan closer to the usual times may exist.")
    slot_at = {t: name for name, t in slots[0].items()} if slots else None
    return Plan(
        feasible=result.solution is not None,
        doses=_doses(items, options, result.solution, slot_at) if result.solution else [],
        constraints=[r.public for r in rules],
        conflicts=conflicts,
        alternatives=alternatives,
        not_checked=not_checked,
        unrecognized=report.unrecognized,
        wake=clock(options.wake), sleep=clock(options.sleep),
        meals=[clock(m) for m in options.meals], step_minutes=options.step,
        not_placed=held, notes=notes,
        taken=[PlanDose(item=it.ref, time=clock(t), note="taken", dose=k + 1, of=it.doses)
               for it in items for k, t in enumerate(it.taken)],
        search=Search(status=result.status, work=budget.work, work_limit=options.work_limit,
                      time_limit_seconds=options.time_limit),
        slots={name: clock(t) for name, t in slots[0].items()} if slots else {},
    )


def _items(index: Index, entries: list[MedicationEntry], taken: dict[str, list[int]],
           held: set[str], notes: list[str], not_checked: list[str]) -> list[PlanItem]:
    """The items to place: recognised, regular, not held back; plus any dose taken today,
    whatever the item (an as-needed antacid taken at 09:10 keeps its gaps)."""
    items: list[PlanItem] = []
    for entry in entries:
        times = tuple(sorted(taken.get(entry.input, ())))
        if not entry.recognised or (entry.input in held and not times):
            continue
        ref = ItemRef(input=entry.input, id=entry.id, name=entry.resolved_name)
        if entry.as_needed or entry.input in held:
            if times:  # taken anyway: its doses are facts the rest of the day must keep gaps from
                items.append(PlanItem(ref, len(times), instructions_for(index, entry.id), times))
            elif entry.as_needed:
                not_checked.append(f"{entry.input!r} is taken as needed: not placed in the "
                                   "timetable; keep the gaps below whenever it is taken.")
            continue
        doses = doses_per_day(entry, not_checked)
        if len(times) > doses:
            notes.append(f"{entry.input}: {len(times)} doses taken today, {doses} planned a day; "
                         "no more are planned today.")
            doses = len(times)
        items.append(PlanItem(ref, doses, instructions_for(index, entry.id), times))
    return items


def _gaps(report: Report, position: dict[str, int], notes: list[str],
          not_checked: list[str]) -> list[Gap]:
    """The findings' separations between two placed items, with a note for each side a source
    leaves out (no gap is applied that way)."""
    gaps: list[Gap] = []
    for finding in report.findings:
        if finding.object is None or finding.kind == "drug-condition":
            continue
        subject, obj = position.get(finding.subject.input), position.get(finding.object.input)
        if subject is None or obj is None:
            continue
        if finding.separation is not None:
            sep = finding.separation
            gap = Gap(finding.rule_id, subject, obj, _minutes(sep.drug_before_hours),
                      _minutes(sep.drug_after_hours), finding.references)
            gaps.append(gap)
            notes += [f"{finding.rule_id}: the source gives no gap for taking "
                      f"{finding.subject.input} {side} {finding.object.input}; none applied."
                      for side, m in (("before", gap.before), ("after", gap.after)) if m is None]
        elif finding.action == "separate":
            not_checked.append(f"{finding.subject.input} and {finding.object.input}: rule "
                               f"{finding.rule_id} says to separate them but its sources give no "
                               "gap, so the plan cannot time them.")
    return gaps


def _unfinished(rules: list[Rule], stuck: set[Var], options: PlanOptions) -> Conflict:
    involved = [r.public.id for r in rules
                if any(v in stuck for v, _ in r.unary) or any(a in stuck or b in stuck
                                                             for a, b, _ in r.binary)]
    return Conflict(
        kind="no-plan-within-bound", constraints=involved,
        message=f"No plan was found within the search bound ({options.work_limit:,} units of "
                f"work or {options.time_limit:g} s), and none was proven impossible. These "
                "constraints were being searched together: " + ", ".join(involved) + ".")


def _in_slots(items, rules, options, budget, notes):
    """A plan with every dose in a Universal Medication Schedule slot, if one exists (the slots
    and the result), else None and a note: the exact clock times are planned instead."""
    times = options.slot_times()
    variables = [(i, k) for i, it in enumerate(items) for k in range(it.doses)]
    fixed = {v: t for i, it in enumerate(items) for v, t in it.fixed(i).items()}
    result = Problem(variables, sorted(times.values()), rules,
                     {v: _usual_times(items, options, *v) for v in variables}, fixed).solve(budget=budget)
    if result.solution is not None:
        return times, result
    named = ", ".join(f"{name} {clock(t)}" for name, t in times.items())
    notes.append(f"No plan keeps every dose in the medication-schedule slots ({named}) and every "
                 "constraint; exact clock times are given instead.")
    return None


def check_and_plan(checker, items: Iterable[str], options: PlanOptions | None = None,
                   context: PatientContext | None = None) -> tuple[Report, Plan]:
    """Check a medication list and plan the day from that same report. `checker` is an
    engine.Checker; a taken dose may name its item as written in the list or by any name of it."""
    options = options or PlanOptions()
    read = checker.read(items, context or PatientContext())  # as check reads the list
    entries = read.entries
    report = checker.check_entries(entries, read.context, read.notes)
    taken = match_taken(entries, options, checker.resolver.resolve, checker.index.closure)
    return report, plan_entries(checker.index, entries, report, options, taken)


def match_taken(entries: list[MedicationEntry], options: PlanOptions, resolve=None,
                closure: dict | None = None) -> dict[str, list[int]]:
    """Each taken dose to the list item it names: the same text, else (with `resolve`) the
    same resolved item. A taken dose of an item not in the list is an input error."""
    by_text = {" ".join(e.input.casefold().split()): e.input for e in entries}
    found: dict[str, list[int]] = {}
    for name, minutes in options.taken:
        item = by_text.get(" ".join(name.casefold().split()))
        if item is None and resolve is not None and (node := resolve(name)).recognised:
            # the same item, else the one list item it is part of (a brand's drug, a product's)
            same = [e.input for e in entries if e.id == node.id]
            below = [e.input for e in entries if node.id in (closure or {}).get(e.id, {})]
            if len(same or below) > 1:
                raise InputError(f"taken dose {name!r} could be any of {', '.join(same or below)}; "
                                 "name it as the list does")
            item = (same or below or [None])[0]
        if item is None:
            raise InputError(f"taken dose {name!r} {clock(minutes)} names no item of the list; "
                             "name it as the list does, e.g. 'zinc 10:15'")
        found.setdefault(item, []).append(minutes)
    return found


def plan(checker, items: Iterable[str], options: PlanOptions | None = None,
         context: PatientContext | None = None) -> Plan:
    """Check a medication list and plan the day; only the plan."""
    return check_and_plan(checker, items, options, context)[1]


# ------------------------------------------------------------------------------ the objective

def _problem(items: list[PlanItem], rules: list[Rule], options: PlanOptions) -> Problem:
    variables = [(i, k) for i, it in enumerate(items) for k in range(it.doses)]
    fixed = {v: t for i, it in enumerate(items) for v, t in it.fixed(i).items()}
    return Problem(variables, options.grid(), rules,
                   {v: _usual_times(items, options, *v) for v in variables}, fixed)


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


def _doses(items: list[PlanItem], opts: PlanOptions, solution: dict[Var, int],
           slot_at: dict[int, str] | None = None) -> list[PlanDose]:
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
        if slot_at and t in slot_at and k >= len(item.taken):
            parts = [p for p in parts if p != "at bedtime"]
            parts.insert(0, slot_at[t])
        if k < len(item.taken):
            parts = ["taken"]
        doses.append(PlanDose(item=item.ref, time=clock(t), note="; ".join(parts),
                              dose=k + 1, of=item.doses))
    return sorted(doses, key=lambda d: (d.time, d.item.input, d.dose))


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


def _alternatives(index, report, items, rules, gaps, core, options, budget) -> list[Alternative]:
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
            solution = _problem(items, trial, options).solve(budget=budget).solution
            if solution:
                gap = " / ".join(f"{label} {m / 60:g} h" for label, m in
                                 (("before", before), ("after", after)) if m is not None)
                found.append(Alternative(
                    option=f"Apply the gap {source.source} gives for {public.items[0]} and "
                           f"{public.items[1]} ({gap}) instead of the stricter one applied.",
                    basis=source.wording,
                    references=[Reference(title=source.source, url=source.url)],
                    doses=_doses(items, options, solution)))
    found += _split_alternatives(index, items, rules, gaps, core, options, budget)
    return found


def _split_alternatives(index, items, rules, gaps, core, options, budget) -> list[Alternative]:
    """Split a once-daily magnesium item into divided doses, where its instructions say so."""
    found = []
    involved = {name for i in core for name in rules[i].public.items}
    for n, item in enumerate(items):
        spec = next((s for s in item.instructions if s.kind == "divided-doses"), None)
        if spec is None or item.doses != 1 or item.ref.input not in involved:
            continue
        for doses in (2, 3):
            trial_items = [replace(it, doses=doses) if m == n else it for m, it in enumerate(items)]
            trial_rules = build_rules(index, trial_items, gaps, options)
            solution = _problem(trial_items, trial_rules, options).solve(budget=budget).solution
            if solution:
                found.append(Alternative(
                    option=f"Split {item.ref.input} into {doses} smaller doses a day.",
                    basis=spec.instruction, references=instruction_references(index, spec),
                    doses=_doses(trial_items, options, solution)))
                break
    return found
