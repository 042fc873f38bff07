"""`lookup` and `graph export`: what the rules know about a name, and the graph as a file."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .common import FormatOption, OutputFile, OutputFormat, RulesOption, emit, load_browser, out


class GraphFormat(StrEnum):
    graphml = "graphml"
    json = "json"
    dot = "dot"


def lookup(
    name: Annotated[str, typer.Argument(help="A drug, brand, class, condition, ATC or ICD-10 code.")],
    format: FormatOption = OutputFormat.table,
    rules: RulesOption = None,
) -> None:
    """What the rules know about a name: node, classes, products, codes, synonyms, rules.
    Exit 0: found; 1: not found (with "did you mean"); 2: usage error."""
    from ..errors import UnknownNameError
    from .common import clean_items, to_json
    from .render_browse import lookup_json, print_lookup

    (name,) = clean_items([name], "name")
    try:
        found = load_browser(rules).lookup(name)
    except UnknownNameError as exc:  # an answer, not a usage error
        if format is OutputFormat.json:
            emit(to_json({"input": exc.text, "found": False, "suggestions": exc.suggestions}), None)
        else:
            out().print(f"Not found: {exc}", markup=False)
        raise typer.Exit(1) from None
    if format is OutputFormat.json:
        emit(lookup_json(found), None)
    else:
        print_lookup(found, out())


def graph_export(
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Graph file format.")],
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """Export the graph (nodes, is_a/contains edges, one edge per rule) as GraphML, JSON or DOT."""
    from ..browse import render_graph

    emit(render_graph(load_browser(rules).kb, format.value), output)
