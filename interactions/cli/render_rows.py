"""`--format csv|jsonl` for the commands that show a table: the same rows as the table, one header,
columns in a fixed order (documented in the README), for spreadsheets and pipelines.

CSV is written by the csv module (RFC 4180 quoting, "\\n" line ends as `screen` writes) and every
text cell that starts like a spreadsheet formula gets a leading ' (OWASP CSV injection, as
`screen` does); JSON lines are one object a row, the same keys, values untouched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from ..browse import Lookup
from ..knowledge.schema import RuleSpec
from ..models import Finding, Report
from ..screen.formats import DUR_REASON, FINDING_COLUMNS
from ..screen.tabular import neutralise
from .common import replace_surrogates

# check: screen's findings columns without the patient id, so one list's rows read as a screen's.
CHECK_COLUMNS = FINDING_COLUMNS[1:]
RULE_COLUMNS = ("rule_id", "severity", "kind", "subject", "object", "condition", "when_condition",
                "route", "action", "drug_before_hours", "drug_after_hours", "evidence", "file")
LOOKUP_COLUMNS = ("input", "found", "id", "name", "kind", "match", "classes", "ingredients",
                  "members", "products", "synonyms", "atc", "rxcui", "icd10", "rules",
                  "source_file", "route", "note", "suggestions")
PLAN_COLUMNS = ("time", "item", "id", "name", "dose", "of", "note")
JOIN = "; "  # between the values of a list in a CSV cell


def rows_text(columns: Sequence[str], rows: Iterable[Sequence], fmt: str) -> str:
    """The rows as CSV (with a header) or JSON lines; None is an empty cell or null, a boolean
    true or false in both."""
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    else:
        for row in rows:
            buffer.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False,
                                    allow_nan=False) + "\n")
    return replace_surrogates(buffer.getvalue())[0]


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value) if isinstance(value, str) else value


def _hours(value: float | None) -> float | int | None:
    return int(value) if value is not None and value == int(value) else value


def _finding_row(f: Finding) -> tuple:
    other = f.object or f.condition
    ref = f.references[0] if f.references else None
    sep = f.separation
    return (f.rule_id, f.kind, f.severity, DUR_REASON[f.kind], f.clinical_significance, f.action,
            f.subject.input, f.subject.id, f.subject.name,
            other.input if other else None, other.id if other else None,
            other.name if other else None, f.message, f.management,
            _hours(sep.drug_before_hours) if sep else None,
            _hours(sep.drug_after_hours) if sep else None, f.evidence,
            (ref.title + (f", {ref.section}" if ref.section else "")) if ref else None,
            ref.url if ref else None)


def report_rows(report: Report, fmt: str) -> str:
    """One row per finding, most serious first (the table's order)."""
    return rows_text(CHECK_COLUMNS, map(_finding_row, report.findings), fmt)


def rules_rows(rules: list[RuleSpec], origin: dict[str, str], fmt: str) -> str:
    return rows_text(RULE_COLUMNS, (
        (r.id, r.severity, r.kind, r.subject, r.object, r.condition, r.when_condition, r.route,
         r.action, _hours(r.separation.drug_before_hours) if r.separation else None,
         _hours(r.separation.drug_after_hours) if r.separation else None, r.evidence,
         origin[r.id]) for r in rules), fmt)


def lookup_rows(found: Lookup | None, fmt: str, text: str = "",
                suggestions: Sequence[str] = ()) -> str:
    """One row: the name found, or (``found`` None) the text asked about and what is close.
    Lists are JSON lists in JSON lines, "; "-joined in CSV."""
    many = list if fmt == "jsonl" else JOIN.join
    row: dict = dict.fromkeys(LOOKUP_COLUMNS)
    if found is None:
        row.update(input=text, found=False, suggestions=many(suggestions))
    else:
        rules = [f"{u.rule_id} ({u.severity}, {u.role}"
                 + ("" if u.via == found.id else f", via {u.via}") + ")" for u in found.rules]
        row.update(
            input=found.input, found=True, id=found.id, name=found.name, kind=found.kind,
            match=found.match, classes=many(found.classes), ingredients=many(found.ingredients),
            members=many(found.members), products=many(found.products),
            synonyms=many(found.synonyms), atc=many(found.codes.get("ATC", [])),
            rxcui=many(found.codes.get("RxCUI", [])), icd10=many(found.codes.get("ICD-10-CM", [])),
            rules=many(rules), source_file=found.source_file, route=found.route, note=found.note,
            suggestions=many([]))
    return rows_text(LOOKUP_COLUMNS, [tuple(row.values())], fmt)


def plan_rows(day_plan, fmt: str) -> str:
    """One row per dose, by time; an item not to take is a row with no time, its note saying
    why, so that no row reads as leave to take it."""
    rows = [(d.time, d.item.input, d.item.id, d.item.name, d.dose, d.of, d.note)
            for d in day_plan.doses]
    rows += [(None, n.item.input, n.item.id, n.item.name, None, None,
              f"do not take without asking the prescriber ({n.rule_id}, {n.severity}): {n.reason}")
             for n in day_plan.not_placed]
    return rows_text(PLAN_COLUMNS, rows, fmt)
