"""Screen a block of patients as columns: the joins of patients x items x rule tables in polars.

A block is two tables: ``patients`` (one row each: ``p`` its position, ``pid``, ``line``,
``ctx`` its context number, ``age``, ``sex``, ``rejected``, ``items``; see PATIENT_SCHEMA) and
``pieces`` (one row per piece of a medication cell, in order: ``p``, ``pos`` and, once
resolved, ``item``, ``flags``, ``code``). Every distinct piece, pair of items, (item, conditions
as written) and dose question goes through the Screener, in Python, once; everything per patient
or per piece is a polars expression on integer columns. The matches come out in ``check``'s
order.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from .cells import parse_egfr
from .screener import (
    AS_EGFR,
    BLANK_ROLE,
    CONDITION_SUBJECT,
    IN_CONTEXT,
    MAGNESIUM,
    OBJECT,
    SEVERITIES,
    SUBJECT,
    UNKNOWN,
    Numbering,
    Screener,
)
from .tabular import RowError

INVOLVED = SUBJECT | OBJECT | CONDITION_SUBJECT | MAGNESIUM
PATIENT_SCHEMA = {"p": pl.UInt32, "pid": pl.String, "line": pl.Int64, "ctx": pl.UInt32,
                  "age": pl.String, "sex": pl.String, "rejected": pl.Int64, "items": pl.Int64}
_MATCH_SCHEMA = {"p": pl.UInt32, "token": pl.UInt32, "s": pl.UInt32, "o": pl.UInt32}
# The daily total a patient's magnesium items must reach, below the upper limit, before the
# engine's own dose report is asked for (it rounds to 0.1 mg; polars may add in another order).
_DOSE_MARGIN_MG = 1.0


@dataclass
class Tables:
    """A block read from a file: the tables to screen, the rejected lines (line number, reason,
    raw line; in line order), blank lines, the number of lines (wide layout), and for the long
    layout the rows screened and the patient order seen."""

    patients: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PATIENT_SCHEMA))
    pieces: pl.DataFrame | None = None
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    blank: int = 0
    rows_screened: int | None = None  # None: one row per patient (wide)
    lines: int = 0  # the lines a wide block held: the next block's lines are numbered after them
    first_key: tuple | None = None
    last_key: tuple | None = None
    violation: str | None = None


@dataclass
class Screened:
    """``matches``: p, token, s, o (item ids; o is 0 for a dose finding), rank, in output order.
    ``patients``: the block's patients with ``unrecognised`` (count), ``findings``, ``highest``
    (severity rank, null without findings) and ``n0``..``n3`` (count at each severity rank).
    ``unknown``: p, item for every unrecognised piece, in order (see unrecognised_text).
    ``numbers``: what the numbers in these tables stand for. Output can be made from a Screened
    alone, in another thread, while the Screener goes on to the next block."""

    matches: pl.DataFrame
    patients: pl.DataFrame
    unknown: pl.DataFrame
    numbers: Numbering


class Memo:
    """Python's answers for distinct keys, kept as a polars table, so that a block asks Python
    only about the keys no earlier block had. Kept on the Screener, which drops its memos when
    it forgets what it has seen. A key may have several answers, or none (answer columns null)."""

    def __init__(self, keys: dict, values: dict, answer: Callable[..., Iterable[tuple]]):
        self.keys, self.answer = list(keys), answer
        self.schema = {**keys, **values, "asked": pl.Boolean}
        self.table = pl.DataFrame(schema=self.schema)

    def join(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with the answer columns added, a row per answer, in ``frame``'s order."""
        found = frame.join(self.table, on=self.keys, how="left", maintain_order="left")
        if found.get_column("asked").null_count():
            new = found.filter(pl.col("asked").is_null()).select(self.keys).unique(
                maintain_order=True)
            blank = (None,) * (len(self.schema) - len(self.keys) - 1)
            rows = [(*key, *value, True) for key in new.iter_rows()
                    for value in (list(self.answer(*key)) or [blank])]
            self.table = pl.concat([self.table, _table(rows, self.schema)]).rechunk()
            found = frame.join(self.table, on=self.keys, how="left", maintain_order="left")
        return found.drop("asked")

    def lookup(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with the answer columns added, for memos that answer each key once. Only the
        key columns go through the join; the others stay where they are."""
        answers = self.join(frame.select(self.keys)).drop(self.keys)
        return frame.hstack(answers)


def memo(screener: Screener, name: str, keys: dict, values: dict,
         answer: Callable[..., Iterable[tuple]]) -> Memo:
    return _kept(screener, name, lambda: Memo(keys, values, answer))


def _kept(screener: Screener, name: str, make: Callable[[], Any]) -> Any:
    """The Screener's table of this name, made on first use (dropped when it resets)."""
    found = screener.memos.get(name)
    if found is None:
        found = screener.memos[name] = make()
    return found


def resolve_pieces(screener: Screener, pieces: pl.DataFrame) -> pl.DataFrame:
    """``item``, ``flags`` and ``code`` in place of each piece's text (which is not needed
    again, and would keep the block's text in memory); each distinct piece is resolved once.
    A piece that holds several items (Screener.item) becomes a row per item, and ``pos`` is
    numbered again so that each item has a place of its own."""
    table = memo(screener, "pieces", {"piece": pl.String},
                 {"item": pl.UInt32, "flags": pl.UInt8, "code": pl.Int32},
                 lambda piece: [(i.id, i.flags, i.code) for i in screener.item(piece)])
    answers = table.join(pieces.select("piece"))
    if answers.height == pieces.height:  # one item per piece: the columns as they are
        return pieces.hstack(answers.drop("piece")).drop("piece")
    return (table.join(pieces).drop("piece", "pos").with_row_index("pos")
            .select(pieces.columns[:pieces.columns.index("piece")] + ["item", "flags", "code"]
                    + pieces.columns[pieces.columns.index("piece") + 1:]))


def item_counts(pieces: pl.DataFrame) -> pl.DataFrame:
    """p, items, written: the number of items read from the medication cells (conditions and
    eGFR values written there are not items) and of pieces that are not blank, for patients
    that have one."""
    return (pieces.filter((pl.col("flags") & BLANK_ROLE) == 0)
            .group_by("p", maintain_order=True).agg(
                items=((pl.col("flags") & IN_CONTEXT) == 0).sum().cast(pl.Int64),
                written=pl.len().cast(pl.Int64)))


def with_piece_context(screener: Screener, rows: pl.DataFrame,
                       pieces: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """``rows`` (p, conditions, egfr: the cells, as text) with the conditions and eGFR values
    written among a patient's medications added, as check.items.read_items adds them: the
    conditions after the cell's, in order; the lower eGFR counts. A cell that cannot be read
    is left as it is (the row is rejected for it). Also whether any patient had such a piece."""
    found = pieces.filter((pl.col("flags") & IN_CONTEXT) != 0).select("p", "item", "flags")
    if not found.height:
        return rows, False
    first = screener.separators[0]
    items = screener.items
    extra: dict[int, tuple[list[str], float | None]] = {}
    for p, item, flags in found.iter_rows():
        conditions, egfr = extra.setdefault(p, ([], None))
        if flags & AS_EGFR:
            value = items[item].egfr
            extra[p] = (conditions, value if egfr is None else min(egfr, value))
        else:
            conditions.append(items[item].written)
    cells = rows.filter(pl.col("p").is_in(list(extra))).select("p", "conditions", "egfr")
    merged = []
    for p, condition_cell, egfr_cell in cells.iter_rows():
        conditions, egfr = extra[p]
        if conditions:
            condition_cell = first.join([c for c in (condition_cell,) if c.strip()] + conditions)
        if egfr is not None:
            try:
                given = parse_egfr(egfr_cell)
            except RowError:
                pass  # the row is rejected for its own cell
            else:
                egfr_cell = repr(egfr if given is None else min(given, egfr)).removesuffix(".0")
        merged.append((p, condition_cell, egfr_cell))
    update = _table(merged, {"p": rows.schema["p"], "conditions": pl.String, "egfr": pl.String})
    rows = rows.update(update, on="p")
    return rows, True


def screen_block(screener: Screener, patients: pl.DataFrame, pieces: pl.DataFrame) -> Screened:
    """Matches and per-patient counts for a block; ``pieces`` as resolve_pieces left them."""
    patients = patients.hstack(_contexts(screener, patients.select("ctx")))
    involved = (pieces.filter((pl.col("flags") & INVOLVED) != 0)
                .select("p", "pos", "item", "flags", "code")
                .join(patients.select("p", "ctx", "written"), on="p", maintain_order="left"))
    parts = [part for part in (_pairs(screener, involved), _conditions(screener, involved),
                               _doses(screener, involved, patients))
             if part is not None and part.height]
    matches = _ordered(screener, pl.concat(parts) if parts else pl.DataFrame(schema=_MATCH_SCHEMA))
    unknown = pieces.filter(_has(UNKNOWN)).select("p", "item")
    return Screened(matches, _summaries(patients, unknown, matches), unknown,
                    screener.numbering())


def _has(flag: int) -> pl.Expr:
    return (pl.col("flags") & flag) != 0


def _table(rows: Iterable[tuple], schema: dict) -> pl.DataFrame:
    """A frame from Python rows (built as columns: much faster than polars' row reader)."""
    columns = list(zip(*rows)) or [()] * len(schema)
    return pl.DataFrame(dict(zip(schema, map(list, columns))), schema=schema)


def _pair_key(left: str, right: str) -> pl.Expr:
    """Two 32-bit numbers as one 64-bit key: joins on one integer column are the cheapest."""
    return pl.col(left).cast(pl.UInt64) * (1 << 32) + pl.col(right).cast(pl.UInt64)


def _contexts(screener: Screener, contexts: pl.DataFrame) -> pl.DataFrame:
    """What each context number stands for: ``written`` (its conditions, see Context.written),
    ``pregnant``, ``more`` (how many condition texts were not recognised)."""
    table = memo(screener, "context numbers", {"ctx": pl.UInt32},
                 {"written": pl.UInt32, "pregnant": pl.Boolean, "more": pl.Int64},
                 lambda k: [(screener.contexts[k].written, screener.contexts[k].pregnant,
                             len(screener.contexts[k].unknown))])
    return table.lookup(contexts).drop("ctx")


def _pairs(screener: Screener, involved: pl.DataFrame) -> pl.DataFrame | None:
    subjects = involved.filter(_has(SUBJECT)).select("p", "pos", "ctx", s="item", sc="code")
    objects = involved.filter(_has(OBJECT)).select("p", opos="pos", o="item", oc="code")
    if not subjects.height or not objects.height:
        return None
    both = (subjects.join(objects, on="p").filter(pl.col("pos") != pl.col("opos"))
            .select("p", "ctx", "s", "o", pair=_pair_key("sc", "oc")))
    rules = memo(screener, "pairs", {"pair": pl.UInt64}, {"token": pl.UInt32},
                 lambda pair: [(token,) for token in screener.pair(pair >> 32, pair & 0xFFFFFFFF)])
    hits = rules.join(both).filter(pl.col("token").is_not_null())
    conditional = [t for t in hits.get_column("token").unique().to_list()
                   if screener.tokens[t] in screener.when]
    if conditional:
        refused = _table(((t, ctx) for t, ctx in hits.filter(pl.col("token").is_in(conditional))
                          .select("token", "ctx").unique().iter_rows()
                          if not screener.applies(t, ctx)),
                         {"token": pl.UInt32, "ctx": pl.UInt32})
        hits = hits.join(refused, on=["token", "ctx"], how="anti")
    return hits.select("p", "token", "s", "o")


def _conditions(screener: Screener, involved: pl.DataFrame) -> pl.DataFrame | None:
    subjects = involved.filter(_has(CONDITION_SUBJECT) & pl.col("written").is_not_null())
    if not subjects.height:
        return None
    rules = memo(screener, "conditions", {"key": pl.UInt64}, {"token": pl.UInt32, "k": pl.UInt32},
                 lambda key: screener.on_conditions(key >> 32, key & 0xFFFFFFFF))
    hits = (rules.join(subjects.select("p", "ctx", s="item", key=_pair_key("code", "written")))
            .filter(pl.col("token").is_not_null()))
    if not hits.height:
        return None
    # The condition each finding names, as the patient wrote it (their own eGFR value).
    items = memo(screener, "condition items", {"place": pl.UInt64}, {"o": pl.UInt32},
                 lambda place: [(screener.condition_item(place >> 32, place & 0xFFFFFFFF),)])
    return items.lookup(hits.select("p", "token", "s", place=_pair_key("ctx", "k"))).select(
        "p", "token", "s", "o")


def _doses(screener: Screener, involved: pl.DataFrame,
           patients: pl.DataFrame) -> pl.DataFrame | None:
    magnesium = involved.filter(_has(MAGNESIUM)).select("p", "item")
    if not magnesium.height or not screener.checker.index.dose_rules:
        return None
    amounts = memo(screener, "magnesium", {"item": pl.UInt32}, {"mg": pl.Float64},
                   lambda item: [(screener.item_mg(item),)])
    people = ["age", "sex", "pregnant"]
    limits = memo(screener, "limits", {name: patients.schema[name] for name in people},
                  {"limit": pl.UInt32, "limit_mg": pl.Float64},
                  lambda *person: [(row, screener.limit_mg[row])
                                   for row in (screener.limit_row(*person),)])
    totals = (amounts.lookup(magnesium).group_by("p", maintain_order=True).agg(pl.col("mg").sum())
              .join(patients.select("p", *people), on="p", maintain_order="left"))
    # Only a patient whose counted daily total comes near the upper limit can have a dose
    # finding: the engine's own dose report (screener.dose) is asked for them alone.
    near = (limits.lookup(totals).filter(pl.col("mg") > pl.col("limit_mg") - _DOSE_MARGIN_MG)
            .select("p", "limit"))
    if not near.height:
        return None
    keys = (magnesium.join(near, on="p", maintain_order="left")
            .group_by("p", maintain_order=True)
            .agg(pl.col("item").cast(pl.String).str.join(",").alias("key"), pl.first("limit")))
    doses = memo(screener, "doses", {"key": pl.String, "limit": pl.UInt32},
                 {"token": pl.UInt32, "s": pl.UInt32}, screener.dose)
    return (doses.join(keys).filter(pl.col("token").is_not_null())
            .select("p", "token", "s", o=pl.lit(0, dtype=pl.UInt32)))


def _ordered(screener: Screener, matches: pl.DataFrame) -> pl.DataFrame:
    """Sorted as check sorts findings: by severity, rule id, then subject and other item (node,
    then text as written). Rules and items get their places in that order in Python (Order), so
    that polars sorts integers."""
    if not matches.height:
        return matches.with_columns(rank=pl.lit(0, dtype=pl.Int8))
    rules = _kept(screener, "rule order", lambda: Order(
        lambda t: (screener.rank[screener.tokens[t]], str(screener.tokens[t]))))
    items = _kept(screener, "item order", lambda: Order(lambda i: screener.items[i].order))
    ranks = rules.places(matches.get_column("token")).with_columns(
        rank=pl.col("number").map_elements(lambda t: screener.rank[screener.tokens[t]],
                                           return_dtype=pl.Int8))
    places = items.places(pl.concat([matches.get_column("s"), matches.get_column("o")]))
    return (matches.join(ranks.rename({"number": "token", "place": "rule_place"}), on="token")
            .join(places.rename({"number": "s", "place": "s_place"}), on="s")
            .join(places.rename({"number": "o", "place": "o_place"}), on="o")
            .sort("p", "rule_place", "s_place", "o_place")
            .select("p", "token", "s", "o", "rank"))


class Order:
    """Places under a sort key for the numbers (rules or items) seen so far: equal keys share a
    place. Kept as a table and worked out again only when new numbers come."""

    def __init__(self, sort_key: Callable[[int], tuple]):
        self.sort_key = sort_key
        self.table = pl.DataFrame(schema={"number": pl.UInt32, "place": pl.UInt32})

    def places(self, numbers: pl.Series) -> pl.DataFrame:
        """number, place for every number known so far, ``numbers`` included."""
        if not numbers.is_in(self.table.get_column("number").implode()).all():
            known = set(self.table.get_column("number").to_list()) | set(numbers.unique().to_list())
            keys = {number: self.sort_key(number) for number in known}
            places: dict = {}
            for key in sorted(keys.values()):
                places.setdefault(key, len(places))
            self.table = _table(((n, places[key]) for n, key in keys.items()),
                                self.table.schema)
        return self.table


def _summaries(patients: pl.DataFrame, unknown: pl.DataFrame,
               matches: pl.DataFrame) -> pl.DataFrame:
    rank = pl.col("rank")
    counts = matches.group_by("p").agg(
        pl.len().cast(pl.Int64).alias("findings"), rank.min().alias("highest"),
        *((rank == r).sum().cast(pl.Int64).alias(f"n{r}") for r in range(len(SEVERITIES))))
    unrecognised = unknown.group_by("p").agg(pl.len().cast(pl.Int64).alias("unknown"))
    return (patients.join(unrecognised, on="p", how="left", maintain_order="left")
            .join(counts, on="p", how="left", maintain_order="left")
            .with_columns(pl.col("findings", *(f"n{r}" for r in range(len(SEVERITIES))))
                          .fill_null(0),
                          unrecognised=pl.col("unknown").fill_null(0) + pl.col("more"))
            .drop("unknown", "more", "written", "pregnant"))


def unrecognised_text(screened: Screened, separator: str,
                      each: Callable[[str], str]) -> pl.Series:
    """Per patient of ``screened.patients``, in order: the unrecognised texts (items, then
    conditions), each rendered by ``each`` and joined by ``separator``; null when none. Each
    distinct text is rendered once."""
    numbers = screened.numbers
    ids = screened.unknown.get_column("item").unique().to_list()
    cells = _table(((i, each(numbers.items[i].cell)) for i in ids),
                   {"item": pl.UInt32, "cell": pl.String})
    items = (screened.unknown.join(cells, on="item", maintain_order="left")
             .group_by("p", maintain_order=True).agg("cell")  # then join: much faster in polars
             .with_columns(pl.col("cell").list.join(separator)))
    contexts = screened.patients.get_column("ctx").unique().to_list()
    more = _table(((k, separator.join(map(each, numbers.contexts[k].unknown)))
                   for k in contexts if numbers.contexts[k].unknown),
                  {"ctx": pl.UInt32, "more": pl.String})
    return (screened.patients.select("p", "ctx")
            .join(items, on="p", how="left", maintain_order="left")
            .join(more, on="ctx", how="left", maintain_order="left")
            .select(pl.concat_str("cell", "more", separator=separator, ignore_nulls=True))
            .to_series())
