"""Run the positive and negative examples that every rule carries next to it."""

from __future__ import annotations

from dataclasses import dataclass

from ..knowledge.schema import Example, RuleSpec
from ..models import PatientContext
from .engine import Checker


@dataclass(frozen=True)
class ExampleCase:
    rule: RuleSpec
    example: Example
    expect_fire: bool

    @property
    def label(self) -> str:
        verb = "fires" if self.expect_fire else "silent"
        return f"{self.rule.id} {verb} {' + '.join(self.example.items)}"


def cases(checker: Checker) -> list[ExampleCase]:
    return [
        ExampleCase(rule, example, fire)
        for rule in sorted(checker.index.rules.values(), key=lambda r: r.id)
        for fire, examples in ((True, rule.fires), (False, rule.silent))
        for example in examples
    ]


def run_case(checker: Checker, case: ExampleCase) -> str | None:
    """None when the example behaves as stated, else a sentence saying how it does not."""
    ex = case.example
    context = PatientContext(conditions=ex.conditions, egfr=ex.egfr, age=ex.age, sex=ex.sex,
                             pregnant=ex.pregnant)
    report = checker.check(ex.items, context)
    if report.unrecognized:
        names = ", ".join(repr(u.input) for u in report.unrecognized)
        return f"{case.label}: example names unknown item(s) {names}"
    fired = [f for f in report.findings if f.rule_id == case.rule.id]
    if case.expect_fire and not fired:
        others = sorted({f.rule_id for f in report.findings}) or ["nothing"]
        return f"{case.label}: expected to fire, but found {', '.join(others)}"
    if not case.expect_fire and fired:
        return f"{case.label}: expected to stay silent, but it fired"
    return None


def missing_examples(checker: Checker) -> list[str]:
    return [
        f"rule '{r.id}' needs at least one 'fires' and one 'silent' example"
        for r in sorted(checker.index.rules.values(), key=lambda r: r.id)
        if not r.fires or not r.silent
    ]


def run_all(checker: Checker) -> tuple[int, list[str]]:
    """(number of examples run, problems found)."""
    all_cases = cases(checker)
    problems = missing_examples(checker)
    problems += [p for p in (run_case(checker, c) for c in all_cases) if p]
    return len(all_cases), problems
