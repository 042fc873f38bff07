"""Command-line interface: parse options, make one library call, print, set the exit code.

Exit codes: 0 nothing found and everything recognised; 1 findings or unrecognised items;
2 usage or input error. Library errors become one 'Error:' line; a traceback only with --verbose.
"""

from __future__ import annotations

import gc
import os
import sys
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import InteractionsError
from ..notice import NOTICE

if TYPE_CHECKING:
    from rich.console import Console

# polars allocates through jemalloc, whose default of several arenas per core lets each of
# screen's threads keep freed memory of its own: one arena lowers screen's peak memory by about
# a sixth, at the same speed (measured with benchmarks/screen_bench.py). Read when polars is
# first imported, which this module never does itself; a value set by the user wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1")

HELP = f"""Check oral magnesium (supplements, antacids, laxatives) against medicines and conditions.

{NOTICE}"""

class _Commands(typer.core.TyperGroup):
    """Turns a library error into one 'Error:' line and exit code 2, for every command."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except InteractionsError as exc:
            if _state["verbose"]:
                raise
            err().print(f"Error: {exc}", markup=False)
            raise typer.Exit(2) from None


app = typer.Typer(cls=_Commands, help=HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None)
rules_app = typer.Typer(help="Inspect and validate rule folders.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

_state = {"verbose": False}


@cache
def _console(stderr: bool) -> Console:
    """rich's console, made on first use: importing rich costs screen's start-up 15 ms, and
    screen prints one line."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def out() -> Console:
    return _console(False)


def err() -> Console:
    return _console(True)


class Sex(str, Enum):
    F = "F"
    M = "M"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


RulesOption = Annotated[Optional[Path], typer.Option(
    "--rules", help="Use this rule folder instead of the bundled one.", file_okay=False)]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
WakeOption = Annotated[str, typer.Option("--wake", help="Wake time, HH:MM (24-hour).")]
SleepOption = Annotated[str, typer.Option("--sleep", help="Bedtime, HH:MM (24-hour).")]
MealsOption = Annotated[str, typer.Option(
    "--meals", help="Meal times, comma-separated HH:MM; the first is breakfast.")]
StepOption = Annotated[int, typer.Option("--step", help="Grid of possible times, in minutes.")]


@app.callback()
def _main(verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show a traceback on internal errors.")] = False) -> None:
    _state["verbose"] = verbose


def _checker(rules: Path | None):
    from ..check.engine import Checker

    return Checker.from_rules(rules)


@app.command()
def check(
    items: Annotated[list[str], typer.Argument(metavar="ITEM",
        help='Medications and supplements, one per argument: doxycycline "magnesium citrate 400 mg".')],
    condition: Annotated[list[str], typer.Option(
        "--condition", "-c", help="A condition the patient has (repeatable): CKD, dialysis, N18.4.")] = [],
    egfr: Annotated[Optional[float], typer.Option(
        help="eGFR in mL/min/1.73 m2; implies the matching CKD stage.", min=0, max=250)] = None,
    age: Annotated[Optional[float], typer.Option(help="Age in years.", min=0, max=130)] = None,
    sex: Annotated[Optional[Sex], typer.Option(help="Sex: F or M.", case_sensitive=False)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="The patient is pregnant.")] = False,
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
    lactating: Annotated[bool, typer.Option(
        "--lactating", help="The patient is breastfeeding (for the recommended intake).")] = False,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when there are findings (for demos and pipelines).")] = False,
    plan: Annotated[bool, typer.Option(
        "--plan", help="Append a daily timetable that keeps every separation (see `plan`).")] = False,
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
) -> None:
    """Check one medication list. Exit 0: nothing found; 1: findings or unrecognised items."""
    from ..models import PatientContext
    from .render_report import print_report, report_json

    context = PatientContext(conditions=condition, egfr=egfr, age=age,
                             sex=sex.value if sex else None, pregnant=pregnant,
                             lactating=lactating)
    if plan:
        _check_and_plan(items, context, format, rules, exit_zero, wake, sleep, meals)
    report = _checker(rules).check(items, context)
    if format is OutputFormat.json:
        out().print(report_json(report), markup=False, soft_wrap=True)
    else:
        print_report(report, out())
    raise typer.Exit(0 if exit_zero else report.exit_code)


@app.command()
def explain(
    first: Annotated[str, typer.Argument(help="A medication or supplement.")],
    second: Annotated[str, typer.Argument(help="Another one, e.g. a magnesium form.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """Show the rules linking two items, their sources, and the graph path behind each match."""
    from .render_report import print_explanation, report_json

    report = _checker(rules).check([first, second])
    if format is OutputFormat.json:
        out().print(report_json(report), markup=False, soft_wrap=True)
    else:
        print_explanation(report, out())
    raise typer.Exit(report.exit_code)


@rules_app.command("validate")
def rules_validate(
    folder: Annotated[Optional[Path], typer.Argument(
        help="Rule folder to check (default: the bundled rules).", file_okay=False)] = None,
) -> None:
    """Load a rule folder, report every problem, and run every rule's examples."""
    from ..check.engine import Checker
    from ..check.examples import run_all
    from ..knowledge.index import load_index
    from ..knowledge.paths import bundled_rules_dir

    folder = folder or bundled_rules_dir()
    checker = Checker(load_index(folder, use_cache=False))
    count, problems = run_all(checker)
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
# ---------------------------------------------------------------------------------------------

graph_app = typer.Typer(help="Export the knowledge graph.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")


class SeverityChoice(str, Enum):
    contraindicated = "contraindicated"
    major = "major"
    moderate = "moderate"
    minor = "minor"


class GraphFormat(str, Enum):
    graphml = "graphml"
    json = "json"
    dot = "dot"


OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of standard output.",
    dir_okay=False)]


def _browser(rules: Path | None):
    from ..browse.browser import Browser

    return Browser.from_rules(rules)


def _emit(text: str, output: Path | None) -> None:
    from ..files import write_text_atomically

    if output is None:
        out().print(text, markup=False, highlight=False, end="" if text.endswith("\n") else "\n")
    else:
        write_text_atomically(output, text)
        err().print(f"Wrote {output}", markup=False)


@rules_app.command("list")
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

    browser = _browser(rules)
    found = browser.rules(klass, severity.value if severity else None)
    if format is OutputFormat.json:
        _emit(rules_json(found, browser), None)
    else:
        print_rules(found, out())


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. tetracyclines-magnesium-chelation.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """Show one rule in full: sources with quotes, each source's gap, examples."""
    from .render_browse import print_rule, rules_json

    browser = _browser(rules)
    rule = browser.rule(rule_id)
    if format is OutputFormat.json:
        _emit(rules_json([rule], browser), None)
    else:
        print_rule(rule, browser, out())


@rules_app.command("coverage")
def rules_coverage(
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """Write the coverage document (every class, drug, condition and rule with its sources)."""
    from ..browse.coverage import coverage_markdown

    _emit(coverage_markdown(_browser(rules).kb), output)


@app.command()
def lookup(
    name: Annotated[str, typer.Argument(help="A drug, brand, class, condition, ATC or ICD-10 code.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """What the rules know about a name: node, classes, products, codes, synonyms, rules."""
    from .render_browse import lookup_json, print_lookup

    found = _browser(rules).lookup(name)
    if format is OutputFormat.json:
        _emit(lookup_json(found), None)
    else:
        print_lookup(found, out())


@graph_app.command("export")
def graph_export(
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Graph file format.")],
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """Export the graph (nodes, is_a/contains edges, one edge per rule) as GraphML, JSON or DOT."""
    from ..browse.graph_export import render_graph

    _emit(render_graph(_browser(rules).kb, format.value), output)


def _check_and_plan(items, context, format, rules, exit_zero, wake, sleep, meals) -> None:
    """`check --plan`: the report, then the plan; JSON adds the plan under "plan"."""
    import json

    from .render_plan import print_plan
    from ..plan.planning import PlanOptions, check_and_plan
    from .render_report import print_report

    options = PlanOptions.from_text(wake, sleep, meals)
    report, day_plan = check_and_plan(_checker(rules), items, options, context)
    if format is OutputFormat.json:
        merged = report.model_dump(mode="json") | {"plan": day_plan.model_dump(mode="json")}
        out().print(json.dumps(merged, indent=2, ensure_ascii=False), markup=False, soft_wrap=True)
    else:
        print_report(report, out())
        print_plan(day_plan, out())
    raise typer.Exit(0 if exit_zero else max(report.exit_code, day_plan.exit_code))


@app.command("plan")
def plan_command(
    items: Annotated[list[str], typer.Argument(
        help='Medications and supplements, one per argument: levothyroxine "magnesium citrate 200 mg BID".')],
    wake: WakeOption = "07:00",
    sleep: SleepOption = "23:00",
    meals: MealsOption = "08:00,13:00,19:00",
    step: StepOption = 15,
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """A daily timetable in which every separation and administration instruction holds.
    Exit 0: a plan; 1: no plan exists on the grid, or an item is unrecognised."""
    from .render_plan import plan_json, print_plan
    from ..plan.planning import PlanOptions, plan

    options = PlanOptions.from_text(wake, sleep, meals, step)
    day_plan = plan(_checker(rules), items, options)
    if format is OutputFormat.json:
        out().print(plan_json(day_plan), markup=False, soft_wrap=True)
    else:
        print_plan(day_plan, out())
    raise typer.Exit(day_plan.exit_code)


class ScreenFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


class Layout(str, Enum):
    wide = "wide"
    long = "long"


def _column(role: str, example: str):
    return typer.Option(f"--{role}-column", help=f"Column holding the {example} "
                        "(default: detected from the header).", rich_help_panel="Columns")


@app.command()
def screen(
    input: Annotated[str, typer.Argument(
        metavar="INPUT", help="Patient file (CSV/TSV, gzip read transparently), or - for stdin.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Findings file (default: stdout). Files are replaced atomically.")] = None,
    summary: Annotated[Optional[str], typer.Option(
        help="Per-patient summary file: one row for every patient screened.")] = None,
    rejects: Annotated[Optional[str], typer.Option(
        help="Rejected rows file: line number, reason, raw row.")] = None,
    format: Annotated[ScreenFormat, typer.Option("--format", "-f", help="Output format.")] = ScreenFormat.csv,
    layout: Annotated[Optional[Layout], typer.Option(
        help="wide: one row per patient; long: one row per patient and medication "
             "(default: detected from the header).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(
        help="Field delimiter: , ; | or tab (default: detected from the header).")] = None,
    item_separator: Annotated[Optional[str], typer.Option(
        help="Separator between items in a medication or condition cell (default: ; and |).")] = None,
    encoding: Annotated[str, typer.Option(
        help="Text encoding of the input (UTF-8 with or without BOM by default).")] = "utf-8",
    patient_column: Annotated[Optional[str], _column("patient", "patient id")] = None,
    medication_column: Annotated[Optional[str], _column("medication", "medication(s)")] = None,
    dose_column: Annotated[Optional[str], _column("dose", "dose (long layout)")] = None,
    conditions_column: Annotated[Optional[str], _column("conditions", "conditions")] = None,
    egfr_column: Annotated[Optional[str], _column("egfr", "eGFR")] = None,
    age_column: Annotated[Optional[str], _column("age", "age")] = None,
    sex_column: Annotated[Optional[str], _column("sex", "sex")] = None,
    pregnant_column: Annotated[Optional[str], _column("pregnant", "pregnancy flag")] = None,
    sort: Annotated[bool, typer.Option(
        "--sort", help="Long layout not sorted by patient: sort it first, in bounded memory "
                       "with temporary files (output then follows patient order).")] = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes; output order and bytes do not change.")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    rules: RulesOption = None,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when there are findings or rejected rows.")] = False,
) -> None:
    """Screen a file of patients. Exit 0: all clear; 1: findings, unrecognised items or rejected
    rows; 2: the file cannot be used (nothing is written)."""
    from ..screen.pipeline import ScreenOptions, screen_file

    separators = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    if delimiter is not None:
        delimiter = separators.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise typer.BadParameter("one character, or tab", param_hint="--delimiter")
    columns = {"patient": patient_column, "medication": medication_column, "dose": dose_column,
               "conditions": conditions_column, "egfr": egfr_column, "age": age_column,
               "sex": sex_column, "pregnant": pregnant_column}
    if layout is Layout.wide and medication_column:
        columns["medications"] = columns.pop("medication")
    options = ScreenOptions(encoding=encoding, delimiter=delimiter,
                            layout=layout.value if layout else None, item_separator=item_separator,
                            columns=columns, output_format=format.value, sort=sort, jobs=jobs,
                            rules=rules)
    with _progress(quiet) as progress:
        result = screen_file(input, output, summary=summary, rejects=rejects, options=options,
                             progress=progress)
    # Plain lines, as written: rich is not loaded for them (see _console).
    if not rejects:
        for line, reason in result.first_rejects:
            typer.echo(f"rejected line {line}: {reason}", err=True)
        if result.rows_rejected > len(result.first_rejects):
            typer.echo(f"... {result.rows_rejected - len(result.first_rejects):,} more; "
                       "--rejects FILE keeps them all", err=True)
    typer.echo(result.account(), err=True)
    raise typer.Exit(0 if exit_zero else result.exit_code)


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, quiet: bool):
        self.bar = None
        if not quiet and err().is_terminal:
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self.bar = Progress("screening", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                                console=err(), transient=True)

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("screen", total=None)
        return lambda done, size: self.bar.update(task, completed=done, total=size)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """Console-script entry: usage errors exit 2 (click's own handling); anything unexpected is
    one 'Error:' line and exit 2, with the traceback only under --verbose."""
    try:
        app(prog_name="interactions")
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if _state["verbose"]:
            raise
        err().print(f"Error: internal error ({type(exc).__name__}: {exc}); "
                  "re-run with --verbose for details.", markup=False)
        sys.exit(2)
    finally:
        # The process ends here: spare the interpreter's last collections a walk over every
        # rule, model and cache (a tenth of a second of shutdown).
        gc.freeze()
