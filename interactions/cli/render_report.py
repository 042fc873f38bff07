"""Turn reports into text for people (rich tables) or machines (JSON). No clinical logic here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..models import Finding, IntakeLevel, MagnesiumDose, PatientContext, Report
from ..notice import NOTICE
from ..wording import gap_text, timing
from .common import to_json

if TYPE_CHECKING:
    from ..browse.explain import Explanation

SEVERITY_STYLE = {
    "contraindicated": "bold white on red",
    "major": "bold red",
    "moderate": "bold yellow",
    "minor": "cyan",
}


def report_json(report: Report) -> str:
    return to_json(report.model_dump(mode="json"))



# Below this width (or when a word would not fit its column) findings are stacked, not tabled:
# a table would have to cut drug names, rule ids or words in half.
TABLE_MIN_WIDTH = 100


def wrapped(text: str, width: int, indent: int) -> str:
    """Wrapped at spaces only, every line indented: a drug name, rule id or word is never cut."""
    import textwrap

    pad = " " * indent
    return textwrap.fill(text, width=max(width, indent + 20), initial_indent=pad,
                         subsequent_indent=pad, break_long_words=False, break_on_hyphens=False)


def longest_word(texts) -> int:
    return max((len(word) for text in texts for word in str(text).split()), default=0)


def _finding_lines(f: Finding) -> list[Text]:
    lines = [Text(f.message, style="bold"), Text(f"Why: {f.mechanism}"),
             Text(f"Do: {f.management}")]
    if f.object is not None and f.separation is not None:
        lines.append(Text("Timing: " + timing(f.separation, f.subject.input, f.object.input)))
    first = f.references[0]
    more = len({r.title for r in f.references}) - 1
    source = first.title + (f", {first.section}" if first.section else "")
    lines.append(Text(f"Source: {source}" + (f" (+{more} more)" if more > 0 else ""), style="dim"))
    disagree = " · sources differ on the gap: see explain" if f.source_separations else ""
    lines.append(Text(f"Rule: {f.rule_id} · evidence: {f.evidence}{disagree}", style="dim"))
    return lines


def _finding_cell(f: Finding) -> Group:
    """Compact: what, why, what to do, when, and the first source; `explain` shows everything."""
    return Group(*_finding_lines(f))


def print_findings(findings: list[Finding], console: Console) -> None:
    """A table when every word fits its column, else one block per finding (narrow terminals)."""
    title = f"{len(findings)} finding(s), most serious first"
    items_word = longest_word(items_label(f) for f in findings)
    finding_word = longest_word(line.plain for f in findings for line in _finding_lines(f))
    # severity column (15 + padding), the two others with padding, and the borders
    needed = 18 + items_word + 3 + max(finding_word, 3 * items_word) + 4
    if console.width < max(TABLE_MIN_WIDTH, needed):
        console.print(Text(title, style="bold"))
        for f in findings:
            console.print(Text.assemble((f.severity.upper(), SEVERITY_STYLE[f.severity]), "  ",
                                        items_label(f)), soft_wrap=False)
            for line in _finding_lines(f):
                console.print(Text(wrapped(line.plain, console.width, 4), style=line.style))
            console.print()
        return
    table = Table(title=title, title_justify="left", show_lines=True, expand=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Items", ratio=1, min_width=items_word)
    table.add_column("Finding", ratio=3, min_width=finding_word)
    for f in findings:
        table.add_row(Text(f.severity.upper(), style=SEVERITY_STYLE[f.severity]),
                      items_label(f), _finding_cell(f))
    console.print(table)


def items_label(f: Finding) -> str:
    other = f.object or f.condition
    return f.subject.input + (f" + {other.input}" if other else "")


def print_report(report: Report, console: Console, context: PatientContext | None = None) -> None:
    """``context``, when given, lets the report ask only for the patient details not given."""
    if report.resolved or report.conditions:
        print_recognised(report, console)
    if report.magnesium_dose is not None:
        print_dose(report.magnesium_dose, console, context)
    for u in report.unrecognized:
        hint = f" Did you mean: {', '.join(u.suggestions)}?" if u.suggestions else ""
        console.print(Text(f"NOT RECOGNISED: {u.input!r} was not checked.{hint}", style="bold magenta"))
    if report.findings:
        print_findings(report.findings, console)
    elif not report.unrecognized:
        console.print("No interactions found among the recognised items.")
    console.print(Text(NOTICE, style="dim italic"))


def print_recognised(report: Report, console: Console) -> None:
    """The recognised items and conditions, then how each item and item position was read."""
    table = Table(title="Recognised", title_justify="left", show_edge=False)
    for column in ("You wrote", "Recognised as", "Kind", "Match"):
        table.add_column(column)
    for r in [*report.resolved, *report.conditions]:
        match = r.match + (f" ({r.score:g})" if r.score is not None else "")
        table.add_row(r.input, r.name, r.kind, match)
    console.print(table)
    for r in report.resolved:
        for note in r.notes:
            console.print(f"  note: {r.input}: {note}", markup=False)
        if r.unparsed:
            console.print(f"  not used: {r.input}: {', '.join(r.unparsed)}", markup=False)
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)


def _level(level: IntakeLevel | None, label: str, missing: str) -> str:
    if level is None:
        return f"{label}: {missing}"
    value = "none established" if level.mg_per_day is None else f"{level.mg_per_day:g} mg/day"
    assumed = f" ({level.assumed})" if level.assumed else ""
    return f"{label}: {value} for {level.basis}{assumed} [{level.reference.title}]"


def missing_details(context: PatientContext | None) -> str:
    """What to give for the recommended intake, naming only what was not given."""
    if context is None:
        return "give --age and --sex (and --pregnant/--lactating) to look it up"
    wanted = [flag for flag, value in (("--age", context.age), ("--sex", context.sex))
              if value is None]
    if not wanted:
        return "no row of the intake table fits these patient details"
    return f"give {' and '.join(wanted)} to look it up"


def print_dose(dose: MagnesiumDose, console: Console,
               context: PatientContext | None = None) -> None:
    """The daily elemental magnesium total, how each item was read, and the limits used."""
    partial = "" if dose.complete else " (at least: some items could not be counted)"
    console.print(Text(f"Elemental magnesium from supplements and medicines: "
                       f"{dose.elemental_mg_per_day:g} mg/day{partial}", style="bold"))
    for item in dose.items:
        amount = (f"{item.elemental_mg_per_day:g} mg/day" if item.counted else "not counted")
        console.print(f"  {item.input}: {amount} [{item.reading}] {item.explanation}",
                      markup=False)
    console.print("  " + _level(dose.upper_limit, "Upper limit (supplemental magnesium)",
                                "no table in these rules"), markup=False)
    console.print("  " + _level(dose.recommended, "Recommended intake (all sources)",
                                missing_details(context)),
                  markup=False)


def _path_text(path: list[tuple[str, str, str]]) -> str:
    return "; ".join(f"{a} -{rel}-> {b}" for a, rel, b in path) or "(stated on the item itself)"


def print_explanation(explanation: Explanation, console: Console) -> None:
    """Everything behind each finding between two items: rule, sources, gaps, graph path; then
    the rules that would link them only in a condition the patient is not known to have."""
    report = explanation.report
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for u in report.unrecognized:
        hint = f" Did you mean: {', '.join(u.suggestions)}?" if u.suggestions else ""
        console.print(Text(f"NOT RECOGNISED: {u.input!r}.{hint}", style="bold magenta"))
    if not report.findings and not report.unrecognized:
        names = " and ".join(r.name for r in [*report.resolved, *report.conditions])
        console.print(f"No rule links {names}" + (" as things stand." if explanation.conditional
                                                  else "."), markup=False)
    for f in report.findings:
        _print_finding(f, console)
    for condition, f in explanation.conditional:
        console.print(Text(f"Only in {condition}: this rule applies when the patient has "
                           f"{condition} (when_condition); add --condition to apply it.",
                           style="bold"))
        _print_finding(f, console)
    console.print(Text(NOTICE, style="dim italic"))


def _print_finding(f: Finding, console: Console) -> None:
    console.print(Text(f"{f.severity.upper()}  {items_label(f)}  [{f.rule_id}]",
                       style=SEVERITY_STYLE[f.severity]))
    console.print(f"  Message:    {f.message}", markup=False)
    console.print(f"  Mechanism:  {f.mechanism}", markup=False)
    console.print(f"  Management: {f.management}", markup=False)
    console.print(f"  Evidence:   {f.evidence}; action: {f.action}; route: {f.route}", markup=False)
    if f.separation is not None and f.object is not None:
        console.print(f"  Applied gap: {timing(f.separation, f.subject.input, f.object.input)}",
                      markup=False)
    if f.separation_basis:
        console.print(f"  Why this gap: {f.separation_basis}", markup=False)
    for s in f.source_separations:
        console.print(f"  Source gap: {s.source}: {gap_text(s)}: \"{s.wording}\"", markup=False)
    for ref in f.references:
        section = f" ({ref.section})" if ref.section else ""
        console.print(f"  Source:     {ref.title}{section} {ref.url}", markup=False)
        if ref.quote:
            console.print(f"              \"{ref.quote}\"", markup=False)
    console.print(f"  Graph path: {_path_text(f.path)}", markup=False)
