"""What a plan says besides its times: items held back, what it does not look at, doses taken
too close. Kept apart from the policy so that each note is written in one place."""

from __future__ import annotations

from ..knowledge.index import Index
from ..models import ItemRef, Report
from .constraints import PlanItem
from .model import NotPlaced
from .solver import Rule


def held_back(report: Report) -> list[NotPlaced]:
    """Items a finding says not to take: the magnesium item of a two-item finding (the sources'
    advice is to stop or change the magnesium product), the item concerned in a condition
    finding. One entry per item and rule, most serious first (the report's order)."""
    held: list[NotPlaced] = []
    for f in report.findings:
        if f.action != "avoid" and f.severity != "contraindicated":
            continue
        item = f.object if f.object is not None and f.kind != "drug-condition" else f.subject
        if any(h.item.input == item.input and h.rule_id == f.rule_id for h in held):
            continue
        held.append(NotPlaced(item=ItemRef(input=item.input, id=item.id, name=item.name),
                              rule_id=f.rule_id, severity=f.severity, action=f.action,
                              reason=f"{f.message} {f.management}".strip()))
    return held


def taken_notes(items: list[PlanItem], rules: list[Rule]) -> list[str]:
    """Doses already taken too close together: nothing can change them, so say so."""
    fixed = {v: t for i, it in enumerate(items) for v, t in it.fixed(i).items()}
    notes = []
    for rule in rules:
        clash = [(a, b) for a, b, ok in rule.binary
                 if a in fixed and b in fixed and not ok(fixed[a], fixed[b])]
        if clash:
            (a, _), (b, _) = clash[0]
            notes.append(f"{rule.public.source}: {items[a].ref.input} and {items[b].ref.input} "
                         f"were taken today closer than it allows ({rule.public.text}); the rest "
                         "of the day is planned from there.")
    return notes


def _is_magnesium(index: Index, node: str) -> bool:
    return "magnesium" in index.closure.get(node, {})


def coverage_notes(index: Index, items: list[PlanItem], report: Report) -> list[str]:
    """Say what the plan does not look at, so a clean timetable never implies completeness."""
    notes = []
    linked = {frozenset((f.subject.input, f.object.input)) for f in report.findings if f.object}
    pairs = [f"{a.ref.input} + {b.ref.input}" for n, a in enumerate(items) for b in items[n + 1:]
             if not _is_magnesium(index, a.ref.id) and not _is_magnesium(index, b.ref.id)
             and frozenset((a.ref.input, b.ref.input)) not in linked]
    if pairs:
        notes.append("The rules cover magnesium, and calcium, iron and zinc only where a label "
                     "names them with a drug; these pairs were not checked against each other "
                     "and may need their own spacing: " + ", ".join(pairs) + ".")
    for f in report.findings:
        if f.object is not None and f.separation is None and f.action in ("monitor", "inform"):
            notes.append(f"{f.subject.input} + {f.object.input}: no timing needed "
                         f"({f.rule_id}): {f.management}")
    if any(f.kind == "drug-condition" for f in report.findings):
        notes.append("Findings about conditions (e.g. kidney function) do not change timing; "
                     "see `interactions check`.")
    return notes
