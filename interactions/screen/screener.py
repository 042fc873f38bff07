"""What batch screening asks of the engine, with the same answers as ``Checker.check``.

Every distinct medication or condition string is resolved once; every pair of items, item in a
context and set of magnesium items is turned into rules once, from the engine's own tables
(``Checker.pair_rules``, ``Checker.condition_rules``, dose.py). The Screener numbers what it
has seen so that columnar.py can carry it in integer columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..check.dose import (
    dose_findings,
    intake_level,
    item_dose,
    magnesium_dose,
    round_mg,
)
from ..check.engine import Checker
from ..check.items import item_entries, item_role
from ..knowledge.schema import SEVERITY_ORDER
from ..models import DoseItem, PatientContext, Resolved
from .cells import SEX, parse_egfr, parse_pregnant
from .tabular import ITEM_SEPARATORS, RowError

if TYPE_CHECKING:  # columnar imports this module
    from .columnar import Memo, Order

SEVERITIES = tuple(SEVERITY_ORDER)
CACHE_LIMIT = 200_000  # distinct strings kept per cache; then it starts afresh (memory stays flat)
# Patients' contexts are kept to a sixteenth of that: on long-tailed files most (conditions, eGFR)
# pairs are seen once, and one is worked out again in tens of microseconds, where a medication
# text costs hundreds; the memory goes to the texts.
CONTEXT_SHARE = 16


def _same(text: str) -> str:
    return text


# Roles of an item, as bit flags a column can carry. AS_CONDITION and AS_EGFR: a piece of a
# medication cell that is a condition or an eGFR (check.items.item_role): the patient's context,
# not an item to check.
BLANK_ROLE, UNKNOWN, SUBJECT, OBJECT, CONDITION_SUBJECT, MAGNESIUM = 1, 2, 4, 8, 16, 32
AS_CONDITION, AS_EGFR = 64, 128
IN_CONTEXT = AS_CONDITION | AS_EGFR


class Item:
    """One distinct string as written (``cell``: ready for output), and what it resolved to.

    ``id`` is its row in the screener's item table; ``flags`` its roles (the constants above), so
    items no rule mentions cost nothing after their first sighting."""

    __slots__ = ("id", "written", "cell", "node", "name", "route", "code", "flags", "order",
                 "egfr")

    def __init__(self, written: str, cell: str, node: str | None = None, name: str | None = None,
                 route: str = "any", code: int = -1, flags: int = 0, egfr: float | None = None):
        self.id = 0
        self.written, self.cell, self.node, self.name, self.route = written, cell, node, name, route
        self.code, self.flags, self.egfr = code, flags, egfr
        self.order = (node or "", written)  # how check orders findings on the same rule


@dataclass(frozen=True)
class Context:
    """The condition side of a patient: condition nodes in the engine's order, their items, the
    condition texts that were not recognised (output-ready), every node they imply, and the
    number of its tuple of condition nodes (``written``, None without any): condition rules
    depend on nothing else (the finding names the patient's own item, see condition_item)."""

    ids: tuple[str, ...]
    conditions: tuple[Item, ...]
    unknown: tuple[str, ...]
    pregnant: bool = False
    held: frozenset[str] = frozenset()
    written: int | None = None


class WordedRule(str):
    """A dose rule's id with its message and management worked out for one patient (the totals
    differ per patient); everywhere a rule id is read it reads as the plain id."""

    __slots__ = ("message", "management")

    def __new__(cls, rule_id: str, message: str, management: str):
        worded = super().__new__(cls, rule_id)
        worded.message, worded.management = message, management
        return worded


@dataclass(frozen=True)
class Numbering:
    """What a Screener's numbers stand for: items, contexts and rules (tokens) by number. The
    lists only grow until the Screener resets, and a reset starts new lists, so a Numbering
    taken after a block stays valid for that block's tables."""

    items: list[Item]
    contexts: list[Context]
    tokens: list[str]


# columnar's memos that hold context numbers (the wide layout's are "contexts <roles>").
_CONTEXT_MEMOS = ("contexts ", "context numbers", "condition items", "pooled contexts")
BLANK = Item("", "", flags=BLANK_ROLE)  # an empty piece of a cell ("a;;b"): not an item


class Screener:
    """What screening needs from the engine, worked out once per distinct string: items, patient
    contexts, rules per pair of items, dose findings. Items, contexts and rules are numbered
    (``items``, ``contexts``, ``tokens``) so a block of patients can carry them as integer columns
    (see columnar.py).

    ``neutralise`` is applied to every text that comes from the input (CSV output passes the
    OWASP formula guard; other formats pass nothing).

    Two threads use one Screener at once (workers._pipelined), each keeping to its own part:
    reading a block (``item``, ``context_id``, and the memos of pieces and contexts, from wide
    cells or pooled long rows) numbers items and contexts; screening the block before (``pair``,
    ``on_conditions``, ``applies``, ``limit_row``, ``item_mg``, ``dose`` and the other memos)
    numbers rules and limit rows, and only reads items and contexts, whose lists only grow.
    ``reset`` waits until screening is done."""

    def __init__(self, checker: Checker | None = None, *,
                 neutralise: Callable[[str], str] = _same,
                 item_separators: tuple[str, ...] = ITEM_SEPARATORS,
                 cache_limit: int = CACHE_LIMIT):
        self.checker = checker or Checker()
        self.cache_limit = cache_limit
        self.neutralise = neutralise
        self.separators = item_separators
        index = self.checker.index
        pair_rules = [r for r in index.rules.values() if r.kind != "drug-condition"]
        self._stated = ({r.subject for r in pair_rules}, {r.object for r in pair_rules},
                        {r.subject for r in index.rules.values() if r.kind == "drug-condition"})
        self.rank = {rule_id: SEVERITY_ORDER[rule.severity]
                     for rules in (index.rules, index.dose_rules) for rule_id, rule in rules.items()}
        # Two-item rules that apply only in a condition (calcitriol + magnesium in dialysis).
        self.when = {rule_id: rule.when_condition for rule_id, rule in index.rules.items()
                     if rule.when_condition is not None}
        self._codes: dict[tuple[str, str], int] = {}
        self.code_nodes: list[tuple[str, str]] = []
        self.reset()

    def reset(self) -> None:
        """Forget every string seen (memory stays flat on files with endless distinct strings);
        called between blocks only, so the numbers a block carries stay valid."""
        self.items: list[Item] = [BLANK]
        self.contexts: list[Context] = []
        self._context_ids: dict[tuple[str, str, str], int | str] = {}
        self._conditions: dict[tuple[str, str], Item] = {}
        self._implied_by: dict[tuple[float | None, bool], list[Resolved]] = {}
        self._written: dict[tuple[str, ...], int] = {}  # Context.written, and back
        self._written_list: list[tuple[str, ...]] = []
        self._cells: dict[str, tuple[tuple[Item, ...], tuple[str, ...]]] = {}
        self._named: dict[str, tuple[list, list]] = {}  # a condition text's resolve_conditions
        self.tokens: list[str] = []
        # columnar's tables by name (Memo: the answers below, each question asked once; Order:
        # places in check's order), so the methods below keep no caches of their own beyond
        # the numbering.
        self.memos: dict[str, Memo | Order] = {}
        self._token_ids: dict[tuple, int] = {}
        self._rows: dict[tuple | None, int] = {}
        self.limit_patients: list[PatientContext] = []
        self.limit_mg: list[float | None] = []
        self._item_doses: dict[str, DoseItem | None] = {}
        self._doses: dict[tuple, list[tuple[int, int]]] = {}

    def numbering(self) -> Numbering:
        return Numbering(self.items, self.contexts, self.tokens)

    def full(self) -> bool:
        """Whether it is time to forget (between blocks): see ``forget``."""
        return (max(len(self.items), len(self._doses)) >= self.cache_limit
                or len(self._context_ids) >= self.cache_limit // CONTEXT_SHARE)

    def forget(self) -> None:
        """Forget what fills the caches, between blocks. Patients' contexts ((conditions, eGFR,
        pregnancy) as written) fill first on a long-tailed file, and alone they go: items and
        every answer about them stay, so no medication text is resolved again."""
        if max(len(self.items), len(self._doses)) >= self.cache_limit:
            self.reset()
            return
        self.contexts = []
        self._context_ids, self._cells, self._named = {}, {}, {}
        for name in [n for n in self.memos if n.startswith(_CONTEXT_MEMOS)]:
            del self.memos[name]

    # -- strings, resolved once ----------------------------------------------------------------

    def _register(self, item: Item) -> Item:
        item.id = len(self.items)
        self.items.append(item)
        return item

    def item(self, piece: str) -> list[Item]:
        """The items one piece of a medication cell holds (BLANK for an empty piece), each a new
        numbered item: columnar.resolve_pieces asks once per distinct piece. A piece is read as
        ``check`` reads an argument (check.items.item_entries and item_role): several items
        written in it are several items, and a condition or eGFR written in it is an item
        flagged AS_CONDITION or AS_EGFR, for the patient's context."""
        text = piece.strip()
        if not text:
            return [BLANK]
        return [self._item(entry) for entry in
                item_entries(self.checker.resolver, text, self.checker.resolver.identify)]

    def _item(self, entry) -> Item:
        text = entry.input
        role, egfr = item_role(entry)
        if role != "item":
            return self._register(Item(text, self.neutralise(text), entry.id, entry.resolved_name,
                                       flags=AS_EGFR if role == "egfr" else AS_CONDITION,
                                       egfr=egfr))
        if entry.id is None:
            return self._register(Item(text, self.neutralise(text), flags=UNKNOWN))
        route = self.checker.route_of(entry)
        code = self._codes.get((entry.id, route))
        if code is None:
            code = self._codes[(entry.id, route)] = len(self.code_nodes)
            self.code_nodes.append((entry.id, route))
        ancestors = self.checker.index.closure[entry.id].keys()
        flags = sum(role for role, stated in zip((SUBJECT, OBJECT, CONDITION_SUBJECT), self._stated)
                    if stated & ancestors)
        if "magnesium" in ancestors:
            flags |= MAGNESIUM  # contains magnesium: counts towards the daily dose
        return self._register(Item(text, self.neutralise(text), entry.id, entry.resolved_name, route,
                                   code, flags))

    def context_id(self, conditions: str, egfr: str, pregnant: str) -> int | str:
        """The number of a patient's condition side from its cells, or why a value is bad."""
        key = (conditions, egfr, pregnant)
        found = self._context_ids.get(key)
        if found is None:
            try:
                context = self._context(conditions, parse_egfr(egfr), parse_pregnant(pregnant))
            except RowError as exc:
                found = str(exc)
            else:
                found = len(self.contexts)
                self.contexts.append(context)
            self._context_ids[key] = found
        return found

    def _context(self, cell: str, egfr: float | None, pregnant: bool) -> Context:
        # Each part goes through the engine's own resolve_conditions, so the band chosen for an
        # eGFR and what counts as a condition are decided in one place.
        named, unknown = self._named_in(cell)
        conditions = named + tuple(map(self._condition_item, self._implied(egfr, pregnant)))
        ids = tuple(c.node for c in conditions)
        # Condition rules tell patients apart by their condition nodes alone: contexts that
        # differ only in an eGFR's exact value or a condition's spelling share their answers.
        written = self._written.get(ids)
        if written is None and conditions:
            written = self._written[ids] = len(self._written_list)
            self._written_list.append(ids)
        return Context(ids, conditions, unknown, pregnant, self.checker.held_conditions(ids),
                       written)

    def _named_in(self, cell: str) -> tuple[tuple[Item, ...], tuple[str, ...]]:
        """The condition items a conditions cell names, and its texts not recognised (output-
        ready); once per distinct cell, which many patients share beside their own eGFR."""
        found = self._cells.get(cell)
        if found is None:
            items, unknown = [], []
            for text in (t.strip() for t in self.split(cell)):
                if not text:
                    continue
                if text not in self._named:
                    self._named[text] = self.checker.resolve_conditions(
                        PatientContext(conditions=[text]))
                resolved, missing = self._named[text]
                items += map(self._condition_item, resolved)
                unknown += (self.neutralise(u.input) for u in missing)
            found = self._cells[cell] = (tuple(items), tuple(unknown))
        return found

    def _implied(self, egfr: float | None, pregnant: bool) -> list[Resolved]:
        """The conditions an eGFR and pregnancy imply, as the engine's resolve_conditions finds
        them; asked once per (value, pregnancy): one-decimal eGFRs repeat across patients."""
        key = (egfr, pregnant)
        found = self._implied_by.get(key)
        if found is None:
            found = self._implied_by[key] = self.checker.resolve_conditions(
                PatientContext(egfr=egfr, pregnant=pregnant))[0]
        return found

    def _condition_item(self, condition: Resolved) -> Item:
        """One item per condition as written: contexts that share a condition share its item."""
        key = (condition.input, condition.id)
        found = self._conditions.get(key)
        if found is None:
            found = self._conditions[key] = self._register(
                Item(condition.input, self.neutralise(condition.input), condition.id, condition.name))
        return found

    def split(self, cell: str) -> list[str]:
        first, *others = self.separators
        for sep in others:
            cell = cell.replace(sep, first)
        return cell.split(first)

    # -- rules, numbered -------------------------------------------------------------------------

    def token(self, rule_id: str) -> int:
        """The number of a rule (a dose rule with its own wording is a rule of its own here)."""
        key = (rule_id, getattr(rule_id, "message", None), getattr(rule_id, "management", None))
        found = self._token_ids.get(key)
        if found is None:
            found = self._token_ids[key] = len(self.tokens)
            self.tokens.append(rule_id)
        return found

    def pair(self, subject_code: int, object_code: int) -> tuple[int, ...]:
        """Rules (as tokens) for a subject item taken with an object item, from their codes."""
        subject, _ = self.code_nodes[subject_code]
        obj, route = self.code_nodes[object_code]
        return tuple(map(self.token, self.checker.pair_rules(subject, obj, route)))

    def on_conditions(self, code: int, written: int) -> list[tuple[int, int]]:
        """(rule token, place of the condition among the patient's) for an item in a patient
        whose condition nodes are number ``written`` (see Context.written)."""
        node, route = self.code_nodes[code]
        return [(self.token(rule_id), k) for rule_id, k in
                self.checker.condition_rules(node, route, self._written_list[written])]

    def condition_item(self, context: int, place: int) -> int:
        """The item id of a context's condition at ``place`` (as on_conditions gives it)."""
        return self.contexts[context].conditions[place].id

    def applies(self, token: int, context: int) -> bool:
        """False for a rule that applies only in a condition the patient does not have."""
        when = self.when.get(self.tokens[token])
        return when is None or when in self.contexts[context].held

    def limit_row(self, age: str, sex: str, pregnant: bool) -> int:
        """The number of the upper-limit row that fits a patient (age and sex cells as written,
        already checked); patients on the same row get the same dose findings."""
        age, sex = age.strip(), sex.strip().casefold()
        patient = PatientContext(age=float(age) if age else None, sex=SEX[sex],
                                 pregnant=pregnant)
        level = intake_level(self.checker.index, "ul-supplemental", patient)
        row = None if level is None else (level.mg_per_day, level.basis, level.assumed)
        found = self._rows.get(row)
        if found is None:
            found = self._rows[row] = len(self.limit_patients)
            self.limit_patients.append(patient)
            self.limit_mg.append(None if row is None else row[0])
        return found

    def item_mg(self, item_id: int) -> float:
        """The elemental magnesium per day an item counts towards the daily total (0 when it is
        not counted), as _over_limit adds it up."""
        dose = self._item_dose(self.items[item_id].written)
        return dose.elemental_mg_per_day if dose is not None and dose.counted else 0.0

    def _item_dose(self, text: str) -> DoseItem | None:
        if text not in self._item_doses:
            self._item_doses[text] = item_dose(self.checker.resolver.resolve(text),
                                               self.checker.index)
        return self._item_doses[text]

    def _over_limit(self, texts: tuple[str, ...], limit: int) -> bool:
        """Whether the counted daily total is above the limit row's upper limit: the question
        dose_findings asks first, answered from each item's own dose (kept per text), so the
        whole dose report is built only for patients over it."""
        mg = self.limit_mg[limit]
        if mg is None or not self.checker.index.dose_rules:
            return False
        doses = [self._item_dose(text) for text in texts]
        return round_mg(sum(d.elemental_mg_per_day for d in doses
                            if d is not None and d.counted)) > mg

    def dose(self, item_ids: str, limit: int) -> list[tuple[int, int]]:
        """The engine's own daily-dose finding (dose.py) for a patient's magnesium items (their
        ids, comma-separated), as (rule token, subject item id); worked out once per (item
        texts, limit row)."""
        items = [self.items[int(i)] for i in item_ids.split(",")]
        key = (tuple(i.written for i in items), limit)
        found = self._doses.get(key)
        if found is None and not self._over_limit(key[0], limit):
            found = []
        if found is None:
            resolve, index = self.checker.resolver.resolve, self.checker.index
            dose = magnesium_dose([resolve(text) for text in key[0]], self.limit_patients[limit],
                                  index)
            by_text = {i.written: i for i in items}
            found = self._doses[key] = [
                (self.token(WordedRule(f.rule_id, self.neutralise(f.message), self.neutralise(f.management))),
                 by_text[f.subject.input].id) for f in dose_findings(dose, index)]
        return found
