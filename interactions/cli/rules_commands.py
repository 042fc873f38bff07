"""`rules validate|list|show|coverage`: check a rule folder and read what it holds."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import FormatOption, OutputFile, OutputFormat, RulesOption, emit, err, load_browser, out


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
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """List the rules, most serious first."""
    from .render_browse import print_rules, rules_json

    browser = load_browser(rules)
    found = browser.rules(klass, severity.value if severity else None)
    if format is OutputFormat.json:
        emit(rules_json(found, browser), None)
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
