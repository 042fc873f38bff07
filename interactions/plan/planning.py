"""A daily timetable in which every separation and administration instruction holds.

Constraints come from two places only: the checker's findings (a drug or mineral kept apart from a
magnesium item) and each drug's own administration instructions in rules/. Times sit on a grid
(15 minutes by default) inside the waking window. The search is exact: branch and bound with
forward checking finds the best plan on the grid whenever one exists, and when none does, a
deletion filter names a minimal set of constraints that cannot hold together.

Objective (smaller is better): the sum over doses of the minutes between the dose and its usual
time. Usual times: an instruction's own anchor (waking; breakfast), else a meal, with divided
doses spread over breakfast .. dinner. Ties go to the earlier time, so plans are deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from ..errors import InputError
from ..knowledge.index import Index
from ..models import ItemRef, MedicationEntry, PatientContext, Reference, Report, Unrecognized
from ..knowledge.schema import AdministrationSpec

DAY = 24 * 60
MAX_DOSES_PER_DAY = 6  # beyond this a "timetable" is no longer a few clock times a day
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(text: str, what: str = "time") -> int:
    """'07:30' -> 450 minutes after midnight."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise InputError(f"{what} {text!r} is not a 24-hour clock time; write it as HH:MM, e.g. 07:00")
    return int(match.group(1)) * 60 + int(match.group(2))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class PlanOptions:
    """The patient's day, in minutes after midnight. Meals are sorted; the first is breakfast."""

    wake: int = 7 * 60
    sleep: int = 23 * 60
    meals: tuple[int, ...] = (8 * 60, 13 * 60, 19 * 60)
    step: int = 15

    def __post_init__(self):
        if not 1 <= self.step <= 120:
            raise InputError(f"grid step {self.step} minutes is out of range; use 1 to 120")
        if self.sleep <= self.wake:
            raise InputError(f"sleep time {clock(self.sleep)} is not after wake time "
                             f"{clock(self.wake)}; plans cover one waking day")
        if not self.meals:
            raise InputError("at least one meal time is needed, e.g. --meals 08:00,13:00,19:00")
        if list(self.meals) != sorted(set(self.meals)):
            raise InputError("meal times must be in order and different, e.g. 08:00,13:00,19:00")
        outside = [clock(m) for m in self.meals if not self.wake <= m <= self.sleep]
        if outside:
            raise InputError(f"meal time {outside[0]} is outside the waking window "
                             f"{clock(self.wake)}-{clock(self.sleep)}")

    @classmethod
    def from_text(cls, wake: str = "07:00", sleep: str = "23:00",
                  meals: str = "08:00,13:00,19:00", step: int = 15) -> PlanOptions:
        times = tuple(parse_clock(m, "meal time") for m in meals.split(",") if m.strip())
        return cls(parse_clock(wake, "wake time"), parse_clock(sleep, "sleep time"), times, step)

    @property
    def breakfast(self) -> int:
        return self.meals[0]

    def grid(self) -> list[int]:
        return list(range(self.wake, self.sleep + 1, self.step))


# ------------------------------------------------------------------------------------ the output

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanDose(_Model):
    item: ItemRef
    time: str
    note: str
    dose: int = 1  # which dose of the item this is ...
    of: int = 1  # ... out of how many in the day


class PlanConstraint(_Model):
    """One requirement the timetable meets. Separations read like findings: take the first item
    at least before_minutes before, or after_minutes after, the second (null: not an option)."""

    id: str
    kind: str
    source: str  # the rule id or administration id it comes from
    items: list[str]
    text: str
    before_minutes: int | None = None
    after_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    references: list[Reference] = []


class Conflict(_Model):
    kind: str  # "no-plan-on-grid" | "cannot-be-timed"
    constraints: list[str]  # constraint ids (no-plan-on-grid) or rule ids (cannot-be-timed)
    message: str


class Alternative(_Model):
    option: str
    basis: str
    references: list[Reference]
    doses: list[PlanDose]


class Plan(_Model):
    feasible: bool
    doses: list[PlanDose]
    constraints: list[PlanConstraint]
    conflicts: list[Conflict]
    alternatives: list[Alternative]
    not_checked: list[str]
    unrecognized: list[Unrecognized]
    wake: str
    sleep: str
    meals: list[str]
    step_minutes: int

    @property
    def exit_code(self) -> int:
        """0 a plan for everything recognised; 1 no plan, or an item left unrecognised."""
        return 0 if self.feasible and not self.unrecognized else 1


# ------------------------------------------------------------------------------- the problem

@dataclass
class _Item:
    ref: ItemRef
    doses: int
    instructions: tuple[AdministrationSpec, ...]


Var = tuple[int, int]  # (item index, dose index)
Pred = Callable[[int, int], bool]


@dataclass
class _Rule:
    """A PlanConstraint compiled to checks on dose times."""

    public: PlanConstraint
    unary: list[tuple[Var, Callable[[int], bool]]] = field(default_factory=list)
    binary: list[tuple[Var, Var, Pred]] = field(default_factory=list)


def separation_ok(s: int, o: int, before: int | None, after: int | None) -> bool:
    """Subject dose at s, object dose at o, on a day that repeats: the subject at least `before`
    minutes before or `after` minutes after the object, that day; overnight the next day's
    doses must keep whichever gap the source gives for that order. A side the source leaves
    out (None) is not an option within the waking day."""
    same_day = (before is not None and o - s >= before) or (after is not None and s - o >= after)
    if not same_day:
        return False
    if s <= o:  # tomorrow's subject dose comes after today's object dose
        return after is None or s + DAY - o >= after
    return before is None or o + DAY - s >= before


def _instructions(index: Index, node: str) -> tuple[AdministrationSpec, ...]:
    """The instructions stated on the nearest node above the item: the most specific wins."""
    ranked = sorted(index.closure.get(node, {node: ()}).items(), key=lambda kv: (len(kv[1]), kv[0]))
    for ancestor, _path in ranked:
        if ancestor in index.administration:
            return index.administration[ancestor]
    return ()


def _doses_per_day(entry: MedicationEntry, notes: list[str]) -> int:
    per_day = entry.frequency_per_day
    if per_day is None:
        return 1
    if per_day < 1:
        notes.append(f"{entry.input!r} is taken less than daily: planned as one dose on the days it "
                     "is taken.")
        return 1
    doses = round(per_day)
    if doses > MAX_DOSES_PER_DAY:
        raise InputError(f"{entry.input!r} is {per_day:g} doses a day; plans hold at most "
                         f"{MAX_DOSES_PER_DAY} doses of one item a day")
    if abs(doses - per_day) > 0.01:
        notes.append(f"{entry.input!r}: {per_day:g} doses a day planned as {doses}.")
    return doses


def _refs(index: Index, spec: AdministrationSpec) -> list[Reference]:
    return [Reference(title=index.references[c.ref].title, url=index.references[c.ref].url,
                      section=c.section, quote=c.quote) for c in spec.references]


class _Builder:
    """Turns items, findings and instructions into compiled constraints."""

    def __init__(self, index: Index, items: list[_Item], options: PlanOptions):
        self.index, self.items, self.options = index, items, options
        self.rules: list[_Rule] = []

    def _new(self, **fields) -> _Rule:
        rule = _Rule(PlanConstraint(id=f"c{len(self.rules) + 1}", **fields))
        self.rules.append(rule)
        return rule

    def separation(self, source: str, subject: int, obj: int, before: int | None,
                   after: int | None, references: list[Reference]) -> None:
        sides = " or ".join(f"at least {m / 60:g} h {word}" for word, m in
                            (("before", before), ("after", after)) if m is not None)
        s_in, o_in = self.items[subject].ref.input, self.items[obj].ref.input
        rule = self._new(kind="separation", source=source, items=[s_in, o_in],
                         text=f"Take {s_in} {sides} every dose of {o_in}.",
                         before_minutes=before, after_minutes=after, references=references)
        for i in range(self.items[subject].doses):
            for j in range(self.items[obj].doses):
                rule.binary.append(((subject, i), (obj, j),
                                    lambda s, o, b=before, a=after: separation_ok(s, o, b, a)))

    def instruction(self, item: int, spec: AdministrationSpec) -> None:
        it, opts = self.items[item], self.options
        common = dict(kind=spec.kind, source=spec.id, items=[it.ref.input], text=spec.instruction,
                      min_minutes=spec.min_minutes, max_minutes=spec.max_minutes,
                      references=_refs(self.index, spec))
        doses = [(item, k) for k in range(it.doses)]
        if spec.kind == "empty-stomach-before-breakfast":
            lo, hi = opts.breakfast - spec.max_minutes, opts.breakfast - spec.min_minutes
            self._new(**common).unary += [(v, lambda t, lo=lo, hi=hi: lo <= t <= hi) for v in doses]
        elif spec.kind == "after-breakfast":
            lo, hi = opts.breakfast + spec.min_minutes, opts.breakfast + spec.max_minutes
            self._new(**common).unary += [(v, lambda t, lo=lo, hi=hi: lo <= t <= hi) for v in doses]
        elif spec.kind == "on-waking-before-food-drink-medicines":
            gap, latest = spec.min_minutes, opts.breakfast - spec.min_minutes
            rule = self._new(**common)
            rule.unary += [(v, lambda t, w=opts.wake, latest=latest: t == w and t <= latest)
                           for v in doses]
            for other, other_item in enumerate(self.items):
                if other != item:
                    rule.binary += [(v, (other, k), lambda t, u, g=gap: u >= t + g)
                                    for v in doses for k in range(other_item.doses)]
        elif spec.kind == "divided-doses" and it.doses > 1:
            self.spread(item, spec)

    def spread(self, item: int, spec: AdministrationSpec | None = None) -> None:
        """Divided doses are spaced through the day: the waking day is cut into as many equal
        parts as there are doses, one dose in each. The parts come from the patient's own day,
        not from a clinical number; a sourced minimum interval (min_minutes) is added on top."""
        it, opts = self.items[item], self.options
        bounds = [opts.wake + round(k * (opts.sleep - opts.wake) / it.doses)
                  for k in range(it.doses + 1)]
        parts = ", ".join(f"{clock(bounds[k])}-{clock(bounds[k + 1])}" for k in range(it.doses))
        gap = spec.min_minutes if spec else None
        rule = self._new(kind="divided-doses", source=spec.id if spec else "frequency",
                         items=[it.ref.input], min_minutes=gap,
                         text=f"Space the {it.doses} doses of {it.ref.input} through the day, one "
                              f"in each of {parts}" + (f", at least {gap} minutes apart." if gap else "."),
                         references=_refs(self.index, spec) if spec else [])
        last = it.doses - 1
        rule.unary += [((item, k), lambda t, lo=bounds[k], hi=bounds[k + 1], end=k == last:
                        lo <= t < hi or (end and t == hi)) for k in range(it.doses)]
        if gap:
            rule.binary += [((item, k), (item, k + 1), lambda a, b, g=gap: b - a >= g)
                            for k in range(last)]


# -------------------------------------------------------------------------------- the search

class _Problem:
    def __init__(self, items: list[_Item], rules: list[_Rule], options: PlanOptions):
        self.items, self.rules, self.options = items, rules, options
        self.vars: list[Var] = [(i, k) for i, it in enumerate(items) for k in range(it.doses)]
        self.targets = {v: self._targets(*v) for v in self.vars}

    def _targets(self, item: int, k: int) -> tuple[int, ...]:
        it, opts = self.items[item], self.options
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

    def cost(self, v: Var, t: int) -> int:
        return min(abs(t - target) for target in self.targets[v])

    def solve(self, active: Iterable[int] | None = None, optimise: bool = True) -> dict[Var, int] | None:
        """Best (or, with optimise=False, any) assignment satisfying the active rules, or None."""
        chosen = [self.rules[i] for i in (range(len(self.rules)) if active is None else active)]
        domains = {v: self.options.grid() for v in self.vars}
        for rule in chosen:
            for v, ok in rule.unary:
                domains[v] = [t for t in domains[v] if ok(t)]
        neighbours: dict[Var, list[tuple[Var, Pred]]] = {v: [] for v in self.vars}
        for rule in chosen:
            for a, b, ok in rule.binary:
                neighbours[a].append((b, ok))
                neighbours[b].append((a, lambda tb, ta, ok=ok: ok(ta, tb)))
        for v in self.vars:
            domains[v].sort(key=lambda t, v=v: (self.cost(v, t), t))
        _fold_fixed(domains, neighbours)
        if not all(domains.values()):
            return None
        solution: dict[Var, int] = {}
        for component in _components(self.vars, neighbours):
            found = self._search(component, domains, neighbours, optimise)
            if found is None:
                return None
            solution |= found
        return solution

    def _search(self, variables, domains, neighbours, optimise) -> dict[Var, int] | None:
        """Branch and bound with forward checking over one connected group of doses; values are
        tried cheapest first, so the first complete assignment found is a good incumbent."""
        order = {v: n for n, v in enumerate(variables)}
        best: list = [None, float("inf")]
        assigned: dict[Var, int] = {}

        def search(domains: dict[Var, list[int]], spent: int) -> bool:
            free = [v for v in variables if v not in assigned]
            if not free:
                if spent < best[1]:
                    best[:] = [dict(assigned), spent]
                return not optimise
            var = min(free, key=lambda v: (len(domains[v]), order[v]))
            rest = sum(self.cost(v, domains[v][0]) for v in free if v != var)
            for t in domains[var]:
                if optimise and spent + self.cost(var, t) + rest >= best[1]:
                    break  # values come cheapest first: no later one can do better
                narrowed = dict(domains)
                for other, ok in neighbours[var]:
                    if other in assigned:
                        if not ok(t, assigned[other]):
                            break
                        continue
                    narrowed[other] = [x for x in narrowed[other] if ok(t, x)]
                    if not narrowed[other]:
                        break
                else:
                    assigned[var] = t
                    done = search(narrowed, spent + self.cost(var, t))
                    del assigned[var]
                    if done:
                        return True
            return False

        search(domains, 0)
        return best[0]

    def minimal_conflict(self) -> list[int]:
        """Deletion filter: drop each rule whose removal leaves the rest still unsolvable; what
        remains is a minimal conflicting set (removing any one of them makes a plan possible)."""
        keep = list(range(len(self.rules)))
        for index in list(keep):
            trial = [i for i in keep if i != index]
            if self.solve(trial, optimise=False) is None:
                keep = trial
        return keep


# ------------------------------------------------------------------------------------ planning

def _fold_fixed(domains: dict[Var, list[int]], neighbours: dict[Var, list]) -> None:
    """A dose with one possible time (e.g. a bisphosphonate on waking) turns its links into plain
    limits on its neighbours, so the rest of the day splits into independent groups."""
    pending = [v for v, d in domains.items() if len(d) == 1]
    while pending:
        v = pending.pop()
        if not domains[v]:
            return
        t = domains[v][0]
        for other, ok in neighbours[v]:
            kept = [x for x in domains[other] if ok(t, x)]
            if len(kept) == 1 and len(domains[other]) > 1:
                pending.append(other)
            domains[other] = kept
            neighbours[other] = [(w, f) for w, f in neighbours[other] if w != v]
        neighbours[v] = []


def _components(variables: list[Var], neighbours: dict[Var, list]) -> list[list[Var]]:
    """Doses linked by no constraint are planned apart: the objective is a sum, so the best plan
    of each group together is the best plan overall, and the search stays small."""
    seen: set[Var] = set()
    groups = []
    for start in variables:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            v = stack.pop()
            group.append(v)
            for other, _ in neighbours[v]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group, key=variables.index))
    return groups


def plan_entries(index: Index, entries: list[MedicationEntry], report: Report,
                 options: PlanOptions) -> Plan:
    """Plan the recognised items of a checked list (the report of exactly these entries)."""
    notes: list[str] = []
    items: list[_Item] = []
    position: dict[str, int] = {}
    for entry in entries:
        if not entry.recognised:
            continue
        if entry.as_needed:
            notes.append(f"{entry.input!r} is taken as needed: not placed in the timetable; keep "
                         "the gaps below whenever it is taken.")
            continue
        position.setdefault(entry.input, len(items))
        items.append(_Item(ItemRef(input=entry.input, id=entry.id, name=entry.resolved_name),
                           _doses_per_day(entry, notes), _instructions(index, entry.id)))

    builder = _Builder(index, items, options)
    untimeable: list[Conflict] = []
    for finding in report.findings:
        if finding.object is None or finding.kind == "drug-condition":
            continue
        subject, obj = position.get(finding.subject.input), position.get(finding.object.input)
        if finding.separation is not None and subject is not None and obj is not None:
            sep = finding.separation
            builder.separation(finding.rule_id, subject, obj, _minutes(sep.drug_before_hours),
                               _minutes(sep.drug_after_hours), finding.references)
        elif finding.action == "avoid":
            untimeable.append(Conflict(
                kind="cannot-be-timed", constraints=[finding.rule_id],
                message=f"{finding.subject.input} and {finding.object.input}: the source says avoid "
                        f"the combination, so no timing can make it safe. {finding.management}"))
        elif finding.action == "separate" and subject is not None and obj is not None:
            notes.append(f"{finding.subject.input} and {finding.object.input}: rule "
                         f"{finding.rule_id} says to separate them but its sources give no gap, "
                         "so the plan cannot time them.")
    for i, item in enumerate(items):
        for spec in item.instructions:
            builder.instruction(i, spec)
        if item.doses > 1 and not any(s.kind == "divided-doses" for s in item.instructions):
            builder.spread(i)
    notes += _coverage_notes(index, items, report)

    problem = _Problem(items, builder.rules, options)
    solution = None if untimeable else problem.solve()
    conflicts, alternatives = list(untimeable), []
    if solution is None and not untimeable:
        core = problem.minimal_conflict()
        conflicts.append(Conflict(
            kind="no-plan-on-grid", constraints=[builder.rules[i].public.id for i in core],
            message=f"No timetable between {clock(options.wake)} and {clock(options.sleep)} on a "
                    f"{options.step}-minute grid meets all of these together; dropping any one "
                    "of them makes a plan possible: "
                    + " ".join(builder.rules[i].public.text for i in core)))
        alternatives = _alternatives(index, report, items, builder.rules, core, options, position)
    return Plan(
        feasible=solution is not None,
        doses=_doses(problem, solution) if solution else [],
        constraints=[r.public for r in builder.rules],
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


def _doses(problem: _Problem, solution: dict[Var, int]) -> list[PlanDose]:
    opts = problem.options
    meal_names = dict(zip(opts.meals, ("breakfast", "lunch", "dinner"))) if len(opts.meals) == 3 \
        else {m: "a meal" for m in opts.meals}
    doses = []
    for (i, k), t in solution.items():
        item = problem.items[i]
        parts = [spec.instruction for spec in item.instructions if spec.kind != "divided-doses"]
        if t in meal_names and not any(s.kind.startswith(("empty", "on-waking"))
                                       for s in item.instructions):
            parts.insert(0, f"at {meal_names[t]}")
        if t == opts.sleep:
            parts.insert(0, "at bedtime")
        doses.append(PlanDose(item=item.ref, time=clock(t), note="; ".join(parts),
                              dose=k + 1, of=item.doses))
    return sorted(doses, key=lambda d: (d.time, d.item.input, d.dose))


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


def _is_magnesium(index: Index, node: str) -> bool:
    return "magnesium" in index.closure.get(node, {})


def _coverage_notes(index: Index, items: list[_Item], report: Report) -> list[str]:
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


def _alternatives(index, report, items, rules, core, options, position) -> list[Alternative]:
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
            relaxed = _Rule(public, [], [(a, b, lambda s, o, bb=before, aa=after:
                                          separation_ok(s, o, bb, aa))
                                         for a, b, _ in rules[i].binary])
            trial = _Problem(items, [relaxed if n == i else r for n, r in enumerate(rules)], options)
            solution = trial.solve()
            if solution:
                gap = " / ".join(f"{label} {m / 60:g} h" for label, m in
                                 (("before", before), ("after", after)) if m is not None)
                found.append(Alternative(
                    option=f"Apply the gap {source.source} gives for {public.items[0]} and "
                           f"{public.items[1]} ({gap}) instead of the stricter one applied.",
                    basis=source.wording,
                    references=[Reference(title=source.source, url=source.url)],
                    doses=_doses(trial, solution)))
    found += _split_alternatives(index, items, rules, core, options)
    return found


def _split_alternatives(index, items, rules, core, options) -> list[Alternative]:
    """Split a once-daily magnesium item into divided doses, where its instructions say so."""
    found = []
    involved = {name for i in core for name in rules[i].public.items}
    for n, item in enumerate(items):
        spec = next((s for s in item.instructions if s.kind == "divided-doses"), None)
        if spec is None or item.doses != 1 or item.ref.input not in involved:
            continue
        for doses in (2, 3):
            trial_items = [_Item(it.ref, doses if m == n else it.doses, it.instructions)
                           for m, it in enumerate(items)]
            trial = _Problem(trial_items, _rebuild(index, trial_items, rules, options), options)
            solution = trial.solve()
            if solution:
                found.append(Alternative(
                    option=f"Split {item.ref.input} into {doses} smaller doses a day.",
                    basis=spec.instruction, references=_refs(index, spec),
                    doses=_doses(trial, solution)))
                break
    return found


def _rebuild(index, items, rules, options) -> list[_Rule]:
    """The same constraints for a different number of doses per item."""
    builder = _Builder(index, items, options)
    position = {it.ref.input: n for n, it in enumerate(items)}
    for rule in rules:
        public = rule.public
        if public.kind == "separation":
            builder.separation(public.source, position[public.items[0]], position[public.items[1]],
                               public.before_minutes, public.after_minutes, public.references)
    for i, item in enumerate(items):
        for spec in item.instructions:
            builder.instruction(i, spec)
        if item.doses > 1 and not any(s.kind == "divided-doses" for s in item.instructions):
            builder.spread(i)
    return builder.rules

