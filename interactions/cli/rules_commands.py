"""`rules validate|list|show|coverage`: check a rule folder and read what it holds."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import (
    FormatOption,
    OutputFile,
    OutputFormat,
    RulesOption,
    TableFormat,
    TableFormatOption,
    emit,
    err,
    load_browser,
    out,
)


def rules_validate(
    folder: Annotated[Optional[Path], typer.Argument(
        help="Rule folder to check (default: the bundled rules).", file_okay=False)] = None,
) -> None:
    """Load a rule folder, report every problem, and run every rule's examples."""
    from ..check import Checker, run_examples
    from ..knowledge import bundled_rules_dir, load_index

    folder = folder or bundled_rules_dir()
    checker = Checker(load_index(folder, use_cache=False))
    count, problems = run_examples(checker)
    for problem in problems:
        err().print(f"- {problem}", markup=False, highlight=False)
    if problems:
        err().print(f"Error: {len(problems)} example problem(s) in {folder}", markup=False)
        raise typer.Exit(2)
    idx = checker.index
    kinds = sum(1 for n in idx.nodes.values() if n.kind != "product")
    out().print(f"OK: {folder}: {kinds} entities, {len(idx.nodes) - kinds} products and brands, "
              f"{len(idx.rules)} rules, {len(idx.references)} references, {count} examples pass.",
              markup=False)


# ---------------------------------------------------------------------------------------------
# Browsing: rules list/show/coverage, lookup, graph export (logic in browse.py, coverage.py,
# graph_export.py; text in render_browse.py)


class SeverityChoice(StrEnum):
    contraindicated = "contraindicated"
    major = "major"
    moderate = "moderate"
    minor = "minor"


def rules_list(
    klass: Annotated[Optional[str], typer.Option(
        "--class", help="Only rules on this class or drug, its members, or what it inherits from "
                        "(a name, brand, id or ATC code).")] = None,
    severity: Annotated[Optional[SeverityChoice], typer.Option(
        "--severity", help="Only rules of this severity.", case_sensitive=False)] = None,
    format: TableFormatOption = TableFormat.table,
    rules: RulesOption = None,
) -> None:
    """List the rules, most serious first."""
    from .render_browse import print_rules, rules_json
    from .render_rows import rules_rows

    browser = load_browser(rules)
    found = browser.rules(klass, severity.value if severity else None)
    if format is TableFormat.json:
        emit(rules_json(found, browser), None)
    elif format in (TableFormat.csv, TableFormat.jsonl):
        emit(rules_rows(found, browser.kb.origin, format.value), None)
    else:
        print_rules(found, out())


def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. tetracyclines-magnesium-chelation.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """Show one rule in full: sources with quotes, each source's gap, examples."""
    from .render_browse import print_rule, rules_json

    browser = load_browser(rules)
    rule = browser.rule(rule_id)
    if format is OutputFormat.json:
        emit(rules_json([rule], browser), None)
    else:
        print_rule(rule, browser, out())


def rules_coverage(
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """Write the coverage document (every class, drug, condition and rule with its sources)."""
    from ..browse import coverage_markdown

    emit(coverage_markdown(load_browser(rules).kb), output)


def rules_diff(
    folder: Annotated[Path, typer.Argument(metavar="DIR", file_okay=False,
                                           help="The site's rule folder.")],
    against: Annotated[Optional[Path], typer.Option(
        "--against", metavar="DIR", file_okay=False,
        help="Compare with this folder (default: the bundled rules).")] = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """What a rule folder adds, removes and changes against the bundled rules (or --against),
    by id; for a changed item, which fields. Exit 0: no difference; 1: differences; 2: the
    folder does not validate (its problems are listed after the differences)."""
    from dataclasses import asdict

    from ..knowledge import bundled_rules_dir
    from ..knowledge.diff import diff_rules
    from .common import to_json

    diff = diff_rules(folder, against or bundled_rules_dir())
    if format is OutputFormat.json:
        emit(to_json(asdict(diff)), None)
    else:
        emit(_diff_text(diff), None)
    raise typer.Exit(2 if diff.problems else 0 if diff.empty else 1)


SINGULAR = {"entities": "entity", "rules": "rule", "references": "reference",
            "administration": "administration", "dose_rules": "dose rule"}


def _diff_text(diff) -> str:
    lines = [f"{diff.folder} against {diff.against}:"]
    if diff.empty and not diff.problems:
        return lines[0] + " no differences."
    for word, names in (("added", diff.files_added), ("removed", diff.files_removed)):
        if names:
            lines.append(f"Files {word}: {', '.join(names)}")
    for table, found in diff.tables.items():
        if not found:
            continue
        lines.append(f"{table}: {len(found.added)} added, {len(found.removed)} removed, "
                     f"{len(found.changed)} changed")
        what = SINGULAR[table]
        lines += [f"  + {what} {ident}" for ident in found.added]
        lines += [f"  - {what} {ident}" for ident in found.removed]
        lines += [f"  ~ {what} {c.id}: {', '.join(c.fields)}" for c in found.changed]
    if diff.problems:
        lines.append(f"The folder does not validate ({len(diff.problems)} problem(s)):")
        lines += [f"  ! {p}" for p in diff.problems]
    return "\n".join(lines)
