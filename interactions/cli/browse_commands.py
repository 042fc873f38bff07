"""`lookup` and `graph export`: what the rules know about a name, and the graph as a file."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Optional

import typer

from .common import OutputFile, RulesOption, TableFormat, TableFormatOption, emit, load_browser, out


class GraphFormat(StrEnum):
    graphml = "graphml"
    json = "json"
    dot = "dot"
    svg = "svg"  # drawn by the package itself: no Graphviz needed
    png = "png"  # the SVG through cairosvg, when installed


def lookup(
    name: Annotated[str, typer.Argument(help="A drug, brand, class, condition, ATC or ICD-10 code.")],
    format: TableFormatOption = TableFormat.table,
    rules: RulesOption = None,
) -> None:
    """What the rules know about a name: node, classes, products, codes, synonyms, rules.
    Exit 0: found; 1: not found (with "did you mean"); 2: usage error."""
    from ..errors import UnknownNameError
    from .common import clean_items, to_json
    from .render_browse import lookup_json, print_lookup
    from .render_rows import lookup_rows

    rows = format in (TableFormat.csv, TableFormat.jsonl)
    (name,) = clean_items([name], "name")
    try:
        found = load_browser(rules).lookup(name)
    except UnknownNameError as exc:  # an answer, not a usage error
        if format is TableFormat.json:
            emit(to_json({"input": exc.text, "found": False, "suggestions": exc.suggestions}), None)
        elif rows:
            emit(lookup_rows(None, format.value, exc.text, exc.suggestions), None)
        else:
            out().print(f"Not found: {exc}", markup=False)
        raise typer.Exit(1) from None
    if format is TableFormat.json:
        emit(lookup_json(found), None)
    elif rows:
        emit(lookup_rows(found, format.value), None)
    else:
        print_lookup(found, out())


def graph_export(
    format: Annotated[GraphFormat, typer.Option(
        "--format", "-f", help="Graph file format: graphml, json or dot (data), svg or png (a "
                               "picture; png needs cairosvg and the cairo library).")],
    around: Annotated[Optional[str], typer.Option(
        "--around", metavar="NODE", help="Only this item's neighbourhood: a drug, brand, class, "
                                         "magnesium form or condition, named as check takes it.")] = None,
    depth: Annotated[Optional[int], typer.Option(
        "--depth", metavar="N", min=0, help="Steps from --around NODE to keep (default 1): a rule, "
                                            "a member or a product containing it is one step.")] = None,
    output: OutputFile = None,
    rules: RulesOption = None,
) -> None:
    """Export the graph (nodes, is_a/contains edges, one edge per rule, coloured by severity in
    svg/png), whole or around one node. An unknown NODE is an error (exit 2) with suggestions."""
    from ..errors import InputError
    from .common import clean_items, emit_bytes

    if depth is not None and around is None:
        raise InputError("--depth needs --around NODE (the node to count the steps from)")
    if around is not None:
        (around,) = clean_items([around], "node")
    data = load_browser(rules).graph(format.value, around, 1 if depth is None else depth)
    if isinstance(data, bytes):
        emit_bytes(data, output)
    else:
        emit(data, output)
