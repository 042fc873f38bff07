"""Screen a block of patients as columns: the joins of patients x items x rule tables in polars.

A block is two tables: ``patients`` (one row each: ``p`` its position, ``pid``, ``line``, ``ctx``
its context number, ``age``, ``sex``, ``rejected``, ``items``; see PATIENT_SCHEMA) and ``pieces`` (one row per piece of a
medication cell, in order: ``p``, ``pos``, ``piece``). Every distinct piece, pair of items,
(item, context) and dose key goes through the Screener, in Python, once; everything per patient
or per piece is a polars expression. The matches come out in ``check``'s order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from .screening import (BLANK_ROLE, CONDITION_SUBJECT, MAGNESIUM, OBJECT, SEVERITIES, SUBJECT,
                        UNKNOWN, Screener)

INVOLVED = SUBJECT | OBJECT | CONDITION_SUBJECT | MAGNESIUM
PATIENT_SCHEMA = {"p": pl.UInt32, "pid": pl.String, "line": pl.Int64, "ctx": pl.UInt32,
                  "age": pl.String, "sex": pl.String, "rejected": pl.Int64, "items": pl.Int64}
_MATCH_SCHEMA = {"p": pl.UInt32, "token": pl.UInt32, "s": pl.UInt32, "o": pl.UInt32}


@dataclass
class Tables:
    """A block read from a file: the tables to screen, the rejected lines (line number, reason,
    raw line; in line order), blank lines, and for the long layout the rows screened and the
    patient order seen."""

    patients: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PATIENT_SCHEMA))
    pieces: pl.DataFrame | None = None
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    blank: int = 0
    rows_screened: int | None = None  # None: one row per patient (wide)
    first_key: tuple | None = None
    last_key: tuple | None = None
    violation: str | None = None


@dataclass
class Screened:
    """``matches``: p, token, s, o (item ids; o is 0 for a dose finding), in output order.
    ``patients``: the block's patients with ``unrecognised`` (count) and the texts as lists
    (``unknown``: items, ``more``: conditions; null when none; see unrecognised_text),
    ``findings``, ``highest`` (severity rank, null without findings) and ``n0``..``n3`` (count
    at each severity rank)."""

    matches: pl.DataFrame
    patients: pl.DataFrame


class Memo:
    """Python's answers for distinct keys, kept as a polars table, so that a block asks Python
    only about the keys no earlier block had. Kept on the Screener, which drops its memos when
    it forgets what it has seen."""

    def __init__(self, keys: dict, values: dict, answer: Callable[..., Iterable[tuple]]):
        self.keys, self.schema, self.answer = list(keys), {**keys, **values}, answer
        self.table = pl.DataFrame(schema=self.schema)
        self._asked = pl.DataFrame(schema=keys)

    def rows(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The answer rows for every key so far (a key may have none), ``keys`` included."""
        new = keys.join(self._asked, on=self.keys, how="anti")
        if new.height:
            found = _table(((*key, *value) for key in new.iter_rows()
                            for value in self.answer(*key)), self.schema)
            self.table = pl.concat([self.table, found]).rechunk()
            self._asked = pl.concat([self._asked, new]).rechunk()
        return self.table


def memo(screener: Screener, name: str, keys: dict, values: dict,
         answer: Callable[..., Iterable[tuple]]) -> Memo:
    found = screener.memos.get(name)
    if found is None:
        found = screener.memos[name] = Memo(keys, values, answer)
    return found


def resolve_pieces(screener: Screener, pieces: pl.DataFrame) -> pl.DataFrame:
    """Add ``item``, ``flags`` and ``code`` to each piece; each distinct piece is resolved once."""
    table = memo(screener, "pieces", {"piece": pl.String},
                 {"item": pl.UInt32, "flags": pl.UInt8, "code": pl.Int32},
                 lambda piece: [(i.id, i.flags, i.code) for i in (screener.item(piece),)])
    return pieces.join(table.rows(pieces.select("piece").unique()), on="piece", how="left",
                       maintain_order="left")


def item_counts(pieces: pl.DataFrame) -> pl.DataFrame:
    """p, items: the number of pieces that are not blank, for patients that have one."""
    return (pieces.filter((pl.col("flags") & BLANK_ROLE) == 0)
            .group_by("p", maintain_order=True).agg(pl.len().cast(pl.Int64).alias("items")))


def screen_block(screener: Screener, patients: pl.DataFrame, pieces: pl.DataFrame) -> Screened:
    """Matches and per-patient counts for a block; ``pieces`` as resolve_pieces left them."""
    involved = (pieces.filter((pl.col("flags") & INVOLVED) != 0)
                .join(patients.select("p", "ctx", "age", "sex"), on="p", maintain_order="left"))
    parts = [part for part in (_pairs(screener, involved), _conditions(screener, involved),
                               _doses(screener, involved)) if part is not None and part.height]
    matches = _ordered(screener, pl.concat(parts) if parts else pl.DataFrame(schema=_MATCH_SCHEMA))
    return Screened(matches, _summaries(screener, patients, pieces, matches))


def _has(flag: int) -> pl.Expr:
    return (pl.col("flags") & flag) != 0


def _table(rows: Iterable[tuple], schema: dict) -> pl.DataFrame:
    """A frame from Python rows (built as columns: much faster than polars' row reader)."""
    columns = list(zip(*rows)) or [()] * len(schema)
    return pl.DataFrame(dict(zip(schema, map(list, columns))), schema=schema)


def _pairs(screener: Screener, involved: pl.DataFrame) -> pl.DataFrame | None:
    subjects = involved.filter(_has(SUBJECT)).select("p", "pos", "ctx", s="item", sc="code")
    objects = involved.filter(_has(OBJECT)).select("p", opos="pos", o="item", oc="code")
    if not subjects.height or not objects.height:
        return None
    both = subjects.join(objects, on="p").filter(pl.col("pos") != pl.col("opos"))
    rules = memo(screener, "pairs", {"sc": pl.Int32, "oc": pl.Int32}, {"token": pl.UInt32},
                 lambda sc, oc: [(token,) for token in screener.pair(sc, oc)])
    hits = both.join(rules.rows(both.select("sc", "oc").unique()), on=["sc", "oc"])
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
    with_conditions = [k for k, context in enumerate(screener.contexts) if context.ids]
    if not with_conditions:
        return None
    subjects = involved.filter(_has(CONDITION_SUBJECT) & pl.col("ctx").is_in(with_conditions))
    rules = memo(screener, "conditions", {"code": pl.Int32, "ctx": pl.UInt32},
                 {"token": pl.UInt32, "o": pl.UInt32}, screener.on_conditions)
    return (subjects.join(rules.rows(subjects.select("code", "ctx").unique()), on=["code", "ctx"])
            .select("p", "token", s="item", o="o"))


def _doses(screener: Screener, involved: pl.DataFrame) -> pl.DataFrame | None:
    magnesium = involved.filter(_has(MAGNESIUM))
    if not magnesium.height:
        return None
    patients = magnesium.group_by("p", maintain_order=True).agg(
        pl.col("item").cast(pl.String).str.join(",").alias("key"), pl.first("ctx"),
        pl.first("age"), pl.first("sex"))
    # The limit depends on a patient's age, sex and pregnancy only: far fewer distinct values
    # than (context, age, sex).
    contexts = patients.get_column("ctx").unique().to_list()
    pregnant = pl.DataFrame({"ctx": contexts,
                             "pregnant": [screener.contexts[k].pregnant for k in contexts]},
                            schema={"ctx": pl.UInt32, "pregnant": pl.Boolean})
    patients = patients.join(pregnant, on="ctx", maintain_order="left")
    limits = memo(screener, "limits", {"age": pl.String, "sex": pl.String, "pregnant": pl.Boolean},
                  {"limit": pl.UInt32}, lambda *person: [(screener.limit_row(*person),)])
    people = ["age", "sex", "pregnant"]
    patients = patients.join(limits.rows(patients.select(people).unique()), on=people,
                             maintain_order="left")
    doses = memo(screener, "doses", {"key": pl.String, "limit": pl.UInt32},
                 {"token": pl.UInt32, "s": pl.UInt32}, screener.dose)
    return (patients.join(doses.rows(patients.select("key", "limit").unique()),
                          on=["key", "limit"])
            .select("p", "token", "s", o=pl.lit(0, dtype=pl.UInt32)))


def _ordered(screener: Screener, matches: pl.DataFrame) -> pl.DataFrame:
    """Sorted as check sorts findings: by severity, rule id, then subject and other item."""
    if not matches.height:
        return matches.with_columns(rank=pl.lit(0, dtype=pl.Int8))
    tokens = matches.get_column("token").unique().to_list()
    rules = pl.DataFrame({"token": tokens,
                          "rank": [screener.rank[screener.tokens[t]] for t in tokens],
                          "rule": [str(screener.tokens[t]) for t in tokens]},
                         schema={"token": pl.UInt32, "rank": pl.Int8, "rule": pl.String})
    ids = pl.concat([matches.get_column("s"), matches.get_column("o")]).unique().to_list()
    items = [screener.items[i] for i in ids]
    order = pl.DataFrame({"id": ids, "node": [i.order[0] for i in items],
                          "written": [i.order[1] for i in items]},
                         schema={"id": pl.UInt32, "node": pl.String, "written": pl.String})
    return (matches.join(rules, on="token")
            .join(order, left_on="s", right_on="id")
            .join(order, left_on="o", right_on="id", suffix="_o")
            .sort("p", "rank", "rule", "node", "written", "node_o", "written_o")
            .select("p", "token", "s", "o", "rank"))


def _summaries(screener: Screener, patients: pl.DataFrame, pieces: pl.DataFrame,
               matches: pl.DataFrame) -> pl.DataFrame:
    unknown_pieces = pieces.filter(_has(UNKNOWN))
    ids = unknown_pieces.get_column("item").unique().to_list()
    cells = pl.DataFrame({"item": ids, "cell": [screener.items[i].cell for i in ids]},
                         schema={"item": pl.UInt32, "cell": pl.String})
    unknown = (unknown_pieces.join(cells, on="item", maintain_order="left")
               .group_by("p", maintain_order=True).agg(unknown=pl.col("cell")))
    out = patients.join(unknown, on="p", how="left", maintain_order="left")
    more = _table(((k, text) for k in patients.get_column("ctx").unique().to_list()
                   for text in screener.contexts[k].unknown),
                  {"ctx": pl.UInt32, "more": pl.String}
                  ).group_by("ctx", maintain_order=True).agg("more")
    out = out.join(more, on="ctx", how="left", maintain_order="left").with_columns(
        unrecognised=(pl.col("unknown").list.len().fill_null(0)
                      + pl.col("more").list.len().fill_null(0)).cast(pl.Int64))
    rank = pl.col("rank")
    counts = matches.group_by("p").agg(
        pl.len().cast(pl.Int64).alias("findings"), rank.min().alias("highest"),
        *((rank == r).sum().cast(pl.Int64).alias(f"n{r}") for r in range(len(SEVERITIES))))
    return (out.join(counts, on="p", how="left", maintain_order="left")
            .with_columns(pl.col("findings", *(f"n{r}" for r in range(len(SEVERITIES))))
                          .fill_null(0)))


def unrecognised_text(separator: str, each: pl.Expr | None = None) -> pl.Expr:
    """A patient's unrecognised texts (items, then conditions) joined, each rendered by
    ``each`` (an expression on pl.element()) when given; null when there are none."""
    parts = []
    for column in ("unknown", "more"):
        texts = pl.col(column)
        if each is not None:
            texts = texts.list.eval(each)
        parts.append(texts.list.join(separator))
    return pl.concat_str(parts, separator=separator, ignore_nulls=True)
