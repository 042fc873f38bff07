"""Text and JSON for the browsing commands (rules list/show, lookup). No clinical logic here."""

from __future__ import annotations

import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..browse import Browser, Lookup
from ..knowledge.schema import RuleSpec
from ..wording import egfr_band, gap_text
from .render_report import SEVERITY_STYLE


def rule_target(rule: RuleSpec) -> str:
    return rule.object if rule.object is not None else f"condition: {rule.condition}"


def rule_dict(rule: RuleSpec, browser: Browser) -> dict:
    """The rule as written, with each cited reference's title and url filled in."""
    data = rule.model_dump(mode="json", exclude_none=True)
    refs = browser.kb.references
    for item in [*data["references"], *data.get("source_separations", [])]:
        item["title"] = refs[item["ref"]].title
        item["url"] = refs[item["ref"]].url
    data["file"] = browser.kb.origin[rule.id]
    return data


def rules_json(rules: list[RuleSpec], browser: Browser) -> str:
    return json.dumps([rule_dict(r, browser) for r in rules], indent=2, ensure_ascii=False)


def print_rules(rules: list[RuleSpec], console: Console) -> None:
    table = Table(title=f"{len(rules)} rule(s), most serious first", title_justify="left",
                  show_edge=False)
    table.add_column("Rule", no_wrap=True)
    for column in ("Severity", "Subject", "Object / condition", "Route", "Gap", "Action"):
        table.add_column(column)
    for r in rules:
        table.add_row(r.id, Text(r.severity, style=SEVERITY_STYLE[r.severity]), r.subject,
                      rule_target(r), r.route, gap_text(r.separation) or "-", r.action)
    console.print(table)


def print_rule(rule: RuleSpec, browser: Browser, console: Console) -> None:
    refs = browser.kb.references
    console.print(Text(f"{rule.id}  {rule.severity.upper()}", style=SEVERITY_STYLE[rule.severity]))
    lines = [
        ("File", browser.kb.origin[rule.id]),
        ("Kind", rule.kind),
        ("Subject", rule.subject),
        ("Object" if rule.object else "Condition", rule.object or rule.condition),
        ("Action", rule.action), ("Evidence", rule.evidence), ("Route", rule.route),
        ("Mechanism", rule.mechanism), ("Message", rule.message), ("Management", rule.management),
        ("Gap", gap_text(rule.separation) or "none given by the sources"),
        ("Why this gap", rule.separation_basis), ("Overrides", rule.overrides),
        ("Reviewed", rule.reviewed.isoformat()),
    ]
    for label, value in lines:
        if value:
            console.print(f"  {label + ':':<13} {value}", markup=False)
    for s in rule.source_separations:
        console.print(f"  Source gap:   {refs[s.ref].title}: {gap_text(s)}: \"{s.wording}\"",
                      markup=False)
    for c in rule.references:
        section = f" ({c.section})" if c.section else ""
        console.print(f"  Source:       {refs[c.ref].title}{section} {refs[c.ref].url}", markup=False)
        if c.quote:
            console.print(f"                \"{c.quote}\"", markup=False)
    examples = [("fires on", rule.fires), ("silent on", rule.silent)]
    for label, cases in examples:
        for ex in cases:
            console.print(f"  Example ({label}): {' + '.join(ex.items)}", markup=False)


def lookup_json(found: Lookup) -> str:
    return json.dumps(asdict(found), indent=2, ensure_ascii=False)


def print_lookup(found: Lookup, console: Console) -> None:
    console.print(Text(f"{found.name}  ({found.kind}, id {found.id})", style="bold"))
    lines = [
        ("Matched", f"{found.input!r} as {found.match}"),
        ("Defined in", found.source_file),
        ("Belongs to", ", ".join(found.classes)),
        ("Contains", ", ".join(found.ingredients)),
        ("Members", ", ".join(found.members)),
        ("Products", ", ".join(found.products)),
        ("Synonyms", ", ".join(found.synonyms)),
        *((label, ", ".join(codes)) for label, codes in found.codes.items()),
        ("Route", found.route if found.route != "any" else ""),
        ("eGFR band", egfr_band(*found.egfr) if found.egfr else ""),
        ("Note", found.note or ""),
    ]
    for label, value in lines:
        if value:
            console.print(f"  {label + ':':<11} {value}", markup=False)
    if not found.rules:
        console.print("  Rules:      none reach it (no interaction with magnesium in the rules).")
    for use in found.rules:
        via = "" if use.via == found.id else f", via {use.via}"
        console.print(Text.assemble("  Rule:       ", (use.severity, SEVERITY_STYLE[use.severity]),
                                    f"  {use.rule_id} (as {use.role}{via})"))

