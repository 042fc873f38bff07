"""The three outputs of screening (findings, summary, rejects) as CSV lines, JSON lines or frames.

Everything a rule contributes to a row is rendered once per rule, and everything an item
contributes once per distinct item; a block's lines are those pieces joined to the matches as
columns (polars). Input-derived text arrives already neutralised for CSV (see tabular.neutralise).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import polars as pl

from ..knowledge.index import Index
from ..models import NCPDP_SIGNIFICANCE
from .columnar import Screened, unrecognised_text
from .screener import SEVERITIES, Item, Numbering
from .tabular import FORMULA_STARTS, neutralise

FINDING_COLUMNS = (
    "patient_id", "rule_id", "kind", "severity", "dur_reason", "clinical_significance", "action",
    "subject_written", "subject_id", "subject_name", "other_written", "other_id", "other_name",
    "message", "management", "drug_before_hours", "drug_after_hours", "evidence", "source",
    "source_url",
)
SUMMARY_COLUMNS = (
    "patient_id", "line", "highest_severity", "findings", "contraindicated", "major", "moderate",
    "minor", "items", "unrecognised", "unrecognised_items", "rejected_rows",
)
REJECT_COLUMNS = ("line", "reason", "raw")
UNRECOGNISED_JOIN = "; "
_LINES_AT_ONCE = 512  # findings lines joined into one bytes object
# A block's lines of one output, as Rows.block makes them: cells of ready text, or bytes (whole
# or in pieces), or nothing.
OutputLines = pl.DataFrame | Iterator[bytes] | bytes | None

# NCPDP DUR reason-for-service codes and clinical significance codes used in pharmacy claims.
DUR_REASON = {"drug-supplement": "DD", "supplement-supplement": "DD", "drug-condition": "MC",
              "dose": "HD"}


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and value == int(value) else value


def rule_cells(index: Index) -> dict[str, tuple[tuple, tuple]]:
    """For each rule (dose rules too): the cells before the items and the cells after them, in
    column order. A dose rule's message and management are templates here: its matches carry the
    patient's own wording (screener.WordedRule)."""
    cells = {}
    for rule_id, rule in (*index.rules.items(), *index.dose_rules.items()):
        first = rule.references[0]
        ref = index.references[first.ref]
        sep = getattr(rule, "separation", None)
        kind = getattr(rule, "kind", "dose")
        cells[rule_id] = (
            (rule_id, kind, rule.severity, DUR_REASON[kind], NCPDP_SIGNIFICANCE[rule.severity],
             rule.action),
            (rule.message, rule.management, _number(sep.drug_before_hours) if sep else None,
             _number(sep.drug_after_hours) if sep else None, rule.evidence,
             ref.title + (f", {first.section}" if first.section else ""), ref.url),
        )
    return cells


def _worded(rule_id: str, tail: tuple) -> tuple:
    """The cells after the items, with a dose finding's own message and management."""
    if hasattr(rule_id, "message"):
        return (rule_id.message, rule_id.management, *tail[2:])
    return tail


class Rows:
    """Output lines for a screened block. A findings line is made of five parts: the patient's,
    the rule's (before the items), the subject's, the other item's, and the rule's (after the
    items). Each rule and item is rendered once, as bytes, and Python joins the parts (a copy
    of memory: several times faster than polars' CSV writer on long text). Summary lines are columns of
    ready text that polars' CSV writer, quoting nothing, puts side by side with commas."""

    prefix = ""  # what comes before the patient id in a findings line

    def __init__(self, index: Index):
        self.cells = rule_cells(index)
        # Rendered parts by number (heads and tails by rule, subjects and others by item), kept
        # until the Screener's numbering starts anew.
        self._parts: tuple[dict[int, bytes], ...] = ({}, {}, {}, {})
        self._numbered: list | None = None

    def block(self, screened: Screened) -> tuple[OutputLines, OutputLines]:
        """The findings lines and the summary lines of a block, for write_lines."""
        patients = screened.patients.with_columns(
            self.text(screened.patients.get_column("pid")),
            names=self.names(unrecognised_text(screened, *self.unrecognised)))
        return (self._findings(screened.numbers, screened.matches, patients.select("p", "pid")),
                self.summary_lines(patients))

    def _findings(self, numbers: Numbering, matches: pl.DataFrame,
                  pids: pl.DataFrame) -> Iterator[bytes] | None:
        if not matches.height:
            return None
        if numbers.items is not self._numbered:  # the Screener was reset: numbers mean anew
            self._parts = ({}, {}, {}, {})
            self._numbered = numbers.items
        heads, tails, subjects, others = self._parts
        for t in matches.get_column("token").unique().to_list():
            if t not in heads:
                heads[t], tails[t] = (f"{part}{end}".encode()
                                      for part, end in zip(self._rule(numbers.tokens[t]), ",\n"))
        for i in pl.concat([matches.get_column("s"), matches.get_column("o")]).unique().to_list():
            if i not in subjects:
                subjects[i], others[i] = (f"{part},".encode()
                                          for part in self._item(numbers.items[i]))
        columns = [matches.select("p").join(pids, on="p", maintain_order="left")
                   .select(pl.concat_str(pl.lit(self.prefix), "pid", pl.lit(","))
                           .cast(pl.Binary)).to_series().to_list()]
        for name, parts in (("token", heads), ("s", subjects), ("o", others), ("token", tails)):
            columns.append(list(map(parts.__getitem__, matches.get_column(name).to_list())))
        parts = [b""] * (len(columns) * matches.height)
        for k, column in enumerate(columns):
            parts[k::len(columns)] = column
        # Joined a few hundred kB at a time, as they are written: memory the allocator can hand
        # out again at once, where a block's megabytes in one piece would be fresh pages.
        step = len(columns) * _LINES_AT_ONCE
        return (b"".join(parts[start:start + step]) for start in range(0, len(parts), step))


def write_lines(lines: OutputLines, out: IO[bytes]) -> None:
    """Write lines as block() made them: cells of ready text (comma-separated, a line per
    row), or bytes, whole or in pieces."""
    if isinstance(lines, pl.DataFrame):
        if lines.height:
            lines.write_csv(out, include_header=False, quote_style="never")
    elif isinstance(lines, bytes):
        out.write(lines)
    elif lines is not None:
        for chunk in lines:
            out.write(chunk)


def lines_bytes(lines: OutputLines) -> bytes:
    """Lines as bytes, to send from a worker process."""
    if lines is None or isinstance(lines, bytes):
        return lines or b""
    if not isinstance(lines, pl.DataFrame):
        return b"".join(lines)
    out = io.BytesIO()
    write_lines(lines, out)
    return out.getvalue()


def _severity_names() -> pl.Expr:
    return pl.col("highest").replace_strict(list(range(len(SEVERITIES))), list(SEVERITIES),
                                            default=None, return_dtype=pl.String)


_NEEDS_QUOTES = re.compile(r'[",\r\n]')
_FORMULA = "^[" + "".join(f"\\x{ord(c):02x}" if ord(c) < 128 else c
                          for c in sorted(FORMULA_STARTS)) + "]"


def csv_cell(value: Any) -> str:
    """One cell as csv.writer (QUOTE_MINIMAL, comma) writes it."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[Any]) -> str:
    return ",".join(map(csv_cell, values)) + "\n"


def _csv_cells(values: Iterable[Any]) -> str:
    return ",".join(csv_cell(neutralise(v) if isinstance(v, str) else v) for v in values)


def csv_series(text: pl.Series) -> pl.Series:
    """csv_cell for a string column; only the cells that need quotes are touched (few)."""
    return _where(text, text.str.contains(r'[",\r\n]'),
                  lambda cells: '"' + cells.str.replace_all('"', '""', literal=True) + '"')


def _where(text: pl.Series, mask: pl.Series,
           change: Callable[[pl.Series], pl.Series]) -> pl.Series:
    if not mask.any():
        return text
    at = mask.arg_true()
    return text.scatter(at, change(text.gather(at)))


class CsvRows(Rows):
    unrecognised = (UNRECOGNISED_JOIN, str)  # item cells are already neutralised
    names = staticmethod(csv_series)

    def __init__(self, index: Index):
        super().__init__(index)
        self.rules = {r: (_csv_cells(head), _csv_cells(tail))
                      for r, (head, tail) in self.cells.items()}

    @staticmethod
    def header(columns: tuple[str, ...]) -> str:
        return csv_line(columns)

    @staticmethod
    def text(column: pl.Series) -> pl.Series:
        """Patient ids as CSV cells, neutralised (OWASP)."""
        return csv_series(_where(column, column.str.contains(_FORMULA), lambda ids: "'" + ids))

    def _rule(self, rule_id: str) -> tuple[str, str]:
        head, tail = self.rules[rule_id]
        if hasattr(rule_id, "message"):
            tail = (f"{_csv_cells((rule_id.message, rule_id.management))},"
                    f"{_csv_cells(self.cells[rule_id][1][2:])}")
        return head, tail

    @staticmethod
    def _item(item: Item) -> tuple[str, str]:
        cells = f"{csv_cell(item.cell)},{csv_cell(item.node)},{csv_cell(item.name)}"
        return cells, cells

    def summary_lines(self, patients: pl.DataFrame) -> pl.DataFrame:
        return patients.select(
            "pid", "line", _severity_names(), "findings",
            *(f"n{r}" for r in range(len(SEVERITIES))), "items", "unrecognised", "names",
            "rejected")

    def reject(self, line: int, reason: str, raw: str) -> str:
        return csv_line((line, neutralise(reason), neutralise(raw)))


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_fields(columns: Iterable[str], values: Iterable[Any]) -> str:
    return ",".join(f"{_dumps(c)}:{_dumps(v)}" for c, v in zip(columns, values))


def json_expr(text: pl.Expr) -> pl.Expr:
    """A JSON string for a string column without control characters (see JsonRows.text)."""
    return pl.concat_str(pl.lit('"'), text.str.replace_all("\\", "\\\\", literal=True)
                         .str.replace_all('"', '\\"', literal=True), pl.lit('"'))


def _python_json(text: pl.Expr) -> pl.Expr:
    return text.map_elements(_dumps, return_dtype=pl.String)


class JsonRows(Rows):
    """One JSON object per line, keys in column order; numbers stay numbers."""

    prefix = '{"patient_id":'

    unrecognised = (",", _dumps)
    names = staticmethod(lambda text: "[" + text.fill_null("") + "]")

    def __init__(self, index: Index):
        super().__init__(index)
        self.rules = {r: (_json_fields(FINDING_COLUMNS[1:7], head),
                          _json_fields(FINDING_COLUMNS[13:], tail) + "}")
                      for r, (head, tail) in self.cells.items()}
        self._escape = json_expr

    @staticmethod
    def header(columns: tuple[str, ...]) -> str:
        return ""

    def text(self, column: pl.Series) -> pl.Series:
        return column.to_frame().select(self._escape(pl.col(column.name)).alias(column.name)).to_series()

    def block(self, screened: Screened) -> tuple[OutputLines, OutputLines]:
        # Control characters need json's own escapes (\u0001): rare, so left to Python.
        self._escape = json_expr
        if screened.patients.get_column("pid").str.contains(r"[\x00-\x1f]").any():
            self._escape = _python_json
        return super().block(screened)

    def _rule(self, rule_id: str) -> tuple[str, str]:
        head, tail = self.rules[rule_id]
        if hasattr(rule_id, "message"):
            tail = _json_fields(FINDING_COLUMNS[13:],
                                _worded(rule_id, self.cells[rule_id][1])) + "}"
        return head, tail

    @staticmethod
    def _item(item: Item) -> tuple[str, str]:
        values = (item.cell, item.node, item.name)
        return (_json_fields(FINDING_COLUMNS[7:10], values),
                _json_fields(FINDING_COLUMNS[10:13], values))

    def summary_lines(self, patients: pl.DataFrame) -> pl.DataFrame:
        return patients.select(self._summary_columns())

    def _summary_columns(self) -> list:
        def field(name: str, value: str | pl.Expr) -> pl.Expr:
            value = pl.col(value) if isinstance(value, str) else value
            return pl.concat_str(pl.lit(f"{_dumps(name)}:"), value.cast(pl.String)).alias(name)

        severity = _severity_names()
        return [pl.concat_str(pl.lit("{"), field("patient_id", "pid")).alias("pid"),
                field("line", "line"),
                field("highest_severity", pl.when(severity.is_null()).then(pl.lit("null"))
                      .otherwise(pl.concat_str(pl.lit('"'), severity, pl.lit('"')))),
                field("findings", "findings"),
                *(field(name, f"n{r}") for r, name in enumerate(SEVERITIES)),
                field("items", "items"), field("unrecognised", "unrecognised"),
                field("unrecognised_items", "names"),
                pl.concat_str(field("rejected_rows", "rejected"), pl.lit("}")).alias("end")]

    def reject(self, line: int, reason: str, raw: str) -> str:
        return "{" + _json_fields(REJECT_COLUMNS, (line, reason, raw)) + "}\n"


def frames(index: Index, screened: Screened) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings and summary of a block as typed frames with the CSV outputs' columns."""
    cells = rule_cells(index)
    matches = screened.matches
    tokens = matches.get_column("token").unique().to_list()
    numbers = screened.numbers
    rule_rows = [(t, *cells[numbers.tokens[t]][0],
                  *_worded(numbers.tokens[t], cells[numbers.tokens[t]][1])) for t in tokens]
    typed = {"clinical_significance": pl.Int64, "drug_before_hours": pl.Float64,
             "drug_after_hours": pl.Float64}
    rules = pl.DataFrame(rule_rows, orient="row", schema={
        "token": pl.UInt32, **{c: typed.get(c, pl.String) for c in
                               FINDING_COLUMNS[1:7] + FINDING_COLUMNS[13:]}})
    ids = pl.concat([matches.get_column("s"), matches.get_column("o")]).unique().to_list()
    items = pl.DataFrame([(i, numbers.items[i].cell, numbers.items[i].node,
                           numbers.items[i].name) for i in ids], orient="row",
                         schema={"id": pl.UInt32, "written": pl.String, "node": pl.String,
                                 "name": pl.String})
    subjects = items.rename({"written": "subject_written", "node": "subject_id",
                             "name": "subject_name"})
    others = items.rename({"written": "other_written", "node": "other_id", "name": "other_name"})
    findings = (matches.join(screened.patients.select("p", patient_id="pid"), on="p",
                             maintain_order="left")
                .join(rules, on="token", maintain_order="left")
                .join(subjects, left_on="s", right_on="id", maintain_order="left")
                .join(others, left_on="o", right_on="id", maintain_order="left")
                .select(FINDING_COLUMNS))
    patients = screened.patients
    summary = patients.select(
        patient_id="pid", line="line", highest_severity=_severity_names(),
        findings="findings", **{name: f"n{r}" for r, name in enumerate(SEVERITIES)},
        items="items", unrecognised="unrecognised",
        unrecognised_items=unrecognised_text(screened, UNRECOGNISED_JOIN, str)
        .fill_null(""),
        rejected_rows="rejected")
    return findings, summary


FORMATS = {"csv": CsvRows, "jsonl": JsonRows}
