"""From what the sources say to checks on dose times.

Two sources only: the gaps of the checker's findings (a drug or mineral kept apart from a
magnesium item) and each drug's administration instructions in rules/. Each becomes a public
PlanConstraint (what the plan says it meets) and a solver Rule (how the search tests it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..knowledge.index import Index
from ..knowledge.schema import AdministrationSpec
from ..models import ItemRef, MedicationEntry, Reference
from .model import DAY, PlanConstraint, PlanOptions, clock
from .solver import Rule

MAX_DOSES_PER_DAY = 6  # beyond this a "timetable" is no longer a few clock times a day


@dataclass
class PlanItem:
    ref: ItemRef
    doses: int
    instructions: tuple[AdministrationSpec, ...]
    taken: tuple[int, ...] = ()  # times of its first doses, already taken today (sorted)

    def fixed(self, item: int) -> dict[tuple[int, int], int]:
        return {(item, k): t for k, t in enumerate(self.taken)}


@dataclass(frozen=True)
class Gap:
    """A finding's separation between two planned items (indices into the item list), in minutes."""

    source: str
    subject: int
    obj: int
    before: int | None
    after: int | None
    references: list[Reference]


def separation_ok(s: int, o: int, before: int | None, after: int | None) -> bool:
    """Subject dose at s, object dose at o, on a day that repeats: the subject at least `before`
    minutes before or `after` minutes after the object, that day and overnight (the next day's
    doses keep the gap for that order too). A side the source leaves out (None) sets no gap in
    that direction; the two are still never taken at the same time, the very thing the source's
    gap is there to prevent."""
    if s == o:
        return False
    if s < o:  # subject first today; tomorrow's subject comes after today's object
        return (before is None or o - s >= before) and (after is None or s + DAY - o >= after)
    return (after is None or s - o >= after) and (before is None or o + DAY - s >= before)


def instructions_for(index: Index, node: str) -> tuple[AdministrationSpec, ...]:
    """The instructions stated on the nearest node above the item: the most specific wins."""
    ranked = sorted(index.closure.get(node, {node: ()}).items(), key=lambda kv: (len(kv[1]), kv[0]))
    for ancestor, _path in ranked:
        if ancestor in index.administration:
            return index.administration[ancestor]
    return ()


def doses_per_day(entry: MedicationEntry, notes: list[str]) -> int:
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


def instruction_references(index: Index, spec: AdministrationSpec) -> list[Reference]:
    return [index.reference(c.ref, c.section, c.quote) for c in spec.references]


def build_rules(index: Index, items: list[PlanItem], gaps: list[Gap],
                options: PlanOptions) -> list[Rule]:
    """Every constraint of the day, in a fixed order: the gaps, then each item's instructions
    and the spacing of its divided doses. Ids (c1, c2, ...) follow that order."""
    builder = _Builder(index, items, options)
    for gap in gaps:
        builder.separation(gap)
    for i, item in enumerate(items):
        for spec in item.instructions:
            builder.instruction(i, spec)
        if item.doses > 1 and not any(s.kind == "divided-doses" for s in item.instructions):
            builder.spread(i)
    builder.not_before_now()
    return builder.rules


def taken_now(items: list[PlanItem], options: PlanOptions) -> int | None:
    """From when the doses not yet taken are planned: PlanOptions.now, else the latest taken."""
    if options.now is not None:
        return options.now
    return max((t for it in items for t in it.taken), default=None)


def relaxed_separation(rule: Rule, before: int | None, after: int | None) -> Rule:
    """The same separation between the same doses with another source's gap."""
    def check(s, o, b=before, a=after):
        return separation_ok(s, o, b, a)
    return Rule(rule.public, [], [(s, o, check) for s, o, _ in rule.binary])


class _Builder:
    def __init__(self, index: Index, items: list[PlanItem], options: PlanOptions):
        self.index, self.items, self.options = index, items, options
        self.rules: list[Rule] = []

    def _new(self, **fields) -> Rule:
        rule = Rule(PlanConstraint(id=f"c{len(self.rules) + 1}", **fields))
        self.rules.append(rule)
        return rule

    def separation(self, gap: Gap) -> None:
        before, after, subject, obj = gap.before, gap.after, gap.subject, gap.obj
        sides = " or ".join(f"at least {m / 60:g} h {word}" for word, m in
                            (("before", before), ("after", after)) if m is not None)
        s_in, o_in = self.items[subject].ref.input, self.items[obj].ref.input
        missing = [word for word, m in (("before", before), ("after", after)) if m is None]
        unsaid = (f" The source gives no gap for taking it {missing[0]}; none is applied, but not "
                  "at the same time.") if len(missing) == 1 else ""
        rule = self._new(kind="separation", source=gap.source, items=[s_in, o_in],
                         text=f"Take {s_in} {sides} every dose of {o_in}.{unsaid}",
                         before_minutes=before, after_minutes=after, references=gap.references)
        # one check object for every pair of doses: the solver works out each check once
        def check(s, o, b=before, a=after):
            return separation_ok(s, o, b, a)
        for i in range(self.items[subject].doses):
            for j in range(self.items[obj].doses):
                rule.binary.append(((subject, i), (obj, j), check))

    def instruction(self, item: int, spec: AdministrationSpec) -> None:
        it, opts = self.items[item], self.options
        common = {"kind": spec.kind, "source": spec.id, "items": [it.ref.input],
                  "text": spec.instruction, "min_minutes": spec.min_minutes,
                  "max_minutes": spec.max_minutes,
                  "references": instruction_references(self.index, spec)}
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
            def first(t, u, g=gap):
                return u >= t + g
            for other, other_item in enumerate(self.items):
                if other != item:
                    rule.binary += [(v, (other, k), first)
                                    for v in doses for k in range(other_item.doses)]
        elif spec.kind == "divided-doses" and it.doses > 1:
            self.spread(item, spec)

    def not_before_now(self) -> None:
        now = taken_now(self.items, self.options)
        if now is None:
            return
        rest = [(i, k) for i, it in enumerate(self.items) for k in range(len(it.taken), it.doses)]
        rule = self._new(kind="not-before", source="taken",
                         items=[it.ref.input for it in self.items if it.doses > len(it.taken)],
                         text=f"Plan the doses not yet taken from {clock(now)} on (doses taken "
                              "today are fixed at their times and keep their gaps).")
        rule.unary += [(v, lambda t, now=now: t >= now) for v in rest]

    def spread(self, item: int, spec: AdministrationSpec | None = None) -> None:
        """Divided doses are spaced through the day: the waking day is cut into as many equal
        parts as there are doses, one dose in each. The parts come from the patient's own day,
        not from a clinical number; a sourced minimum interval (min_minutes) is added on top.
        When doses were taken today, the doses left share the rest of the day the same way."""
        it, opts = self.items[item], self.options
        now = taken_now(self.items, opts)
        first = len(it.taken) if now is not None else 0
        left = it.doses - first
        # from its own last dose taken, that dose holding the first part; else from now on
        start, shares = ((it.taken[-1], left + 1) if it.taken else
                         (opts.wake if now is None else max(now, opts.wake), left))
        if left < 1 or start >= opts.sleep:
            return
        bounds = [start + round(k * (opts.sleep - start) / shares) for k in range(shares + 1)]
        bounds = bounds[shares - left:]
        parts = ", ".join(f"{clock(bounds[k])}-{clock(bounds[k + 1])}" for k in range(left))
        if now is None:
            what = f"Space the {it.doses} doses of {it.ref.input} through the day, one in each of"
        elif left > 1:
            what = (f"Space the {left} doses of {it.ref.input} not yet taken through the rest of "
                    "the day, one in each of")
        else:
            what = f"Take the dose of {it.ref.input} not yet taken in"
        gap = spec.min_minutes if spec else None
        rule = self._new(kind="divided-doses", source=spec.id if spec else "frequency",
                         items=[it.ref.input], min_minutes=gap,
                         text=f"{what} {parts}"
                              + (f", at least {gap} minutes apart." if gap else "."),
                         references=instruction_references(self.index, spec) if spec else [])
        last = it.doses - 1
        rule.unary += [((item, first + k), lambda t, lo=bounds[k], hi=bounds[k + 1], end=k == left - 1:
                        lo <= t < hi or (end and t == hi)) for k in range(left)]
        if gap:
            rule.binary += [((item, k), (item, k + 1), lambda a, b, g=gap: b - a >= g)
                            for k in range(last)]
