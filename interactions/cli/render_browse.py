"""Text and JSON for the browsing commands (rules list/show, lookup). No clinical logic here."""

from __future__ import annotations

from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..browse import Browser, Lookup
from ..knowledge.schema import RuleSpec
from ..wording import egfr_band, gap_text
from .common import to_json
from .render_report import SEVERITY_STYLE, wrapped


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
    return to_json([rule_dict(r, browser) for r in rules])


def print_rules(rules: list[RuleSpec], console: Console) -> None:
    """A table on a wide terminal; two lines a rule otherwise (80 columns, or piped), so no rule
    id, name or word is cut."""
    title = f"{len(rules)} rule(s), most serious first"
    cells = [(r.id, r.severity, r.subject, rule_target(r), r.route, gap_text(r.separation) or "-",
              r.action) for r in rules]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(RULE_COLUMNS)]
    if console.width >= sum(widths) + 3 * len(widths):
        table = Table(title=title, title_justify="left", show_edge=False)
        for column in RULE_COLUMNS:
            table.add_column(column, no_wrap=True)
        for r, row in zip(rules, cells):
            table.add_row(row[0], Text(r.severity, style=SEVERITY_STYLE[r.severity]), *row[2:])
        console.print(table)
        return
    console.print(title, markup=False)
    for r, (ident, severity, subject, target, route, gap, action) in zip(rules, cells):
        console.print(Text.assemble((f"{severity:<15}", SEVERITY_STYLE[r.severity]), " ", ident),
                      soft_wrap=False)
        detail = f"{subject} -> {target} · {action}" + (f" {gap}" if gap != "-" else "") + \
            (f" · {route}" if route != "oral" else "")
        console.print(wrapped(detail, console.width, 16), markup=False)


RULE_COLUMNS = ("Rule", "Severity", "Subject", "Object / condition", "Route", "Gap", "Action")


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
    return to_json(asdict(found))


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

