"""What `explain A B` shows: the findings between two items with the patient's context, and the
rules that would link them only in a condition the patient is not known to have (a rule with
``when_condition``), so a dialysis-only rule is never hidden from the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Finding, PatientContext, Report


@dataclass
class Explanation:
    report: Report
    # (condition name, finding) for each rule that applies only in that condition
    conditional: list[tuple[str, Finding]] = field(default_factory=list)


def explain(checker, first: str, second: str, context: PatientContext | None = None) -> Explanation:
    """A condition written as the second item is read as the patient's (as `check` does)."""
    context = context or PatientContext()
    report = checker.check([first, second], context)
    index = checker.index
    held = {c.id for c in report.conditions}
    fired = {f.rule_id for f in report.findings}
    conditional: list[tuple[str, Finding]] = []
    wanted = sorted({r.when_condition for r in index.rules.values()
                     if r.when_condition is not None and r.when_condition not in held})
    for cond in wanted:
        with_it = context.model_copy(update={"conditions": [*context.conditions, cond]})
        for finding in checker.check([first, second], with_it).findings:
            rule = index.rules.get(finding.rule_id)
            if (rule is not None and rule.when_condition == cond and finding.rule_id not in fired
                    and finding.object is not None):
                conditional.append((index.nodes[cond].name, finding))
                fired.add(finding.rule_id)
    return Explanation(report, conditional)
