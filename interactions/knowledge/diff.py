"""What a site's rule folder adds, removes and changes against another (the bundled rules by
default), by id, so a lost family or an edited gap is seen before the folder is deployed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RuleFileError
from .loader import collect
from .names import slug
from .paths import rule_files

TABLES = ("entities", "rules", "references", "administration", "dose_rules")


@dataclass
class Changed:
    id: str
    fields: list[str]  # the fields whose values differ


@dataclass
class TableDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class RulesDiff:
    folder: str
    against: str
    files_added: list[str]
    files_removed: list[str]
    tables: dict[str, TableDiff]
    problems: list[str]  # what `rules validate DIR` would report about the folder

    @property
    def empty(self) -> bool:
        return not (self.files_added or self.files_removed or any(self.tables.values()))


def _declared(kb, table: str) -> dict:
    """The table's specs as written: brand products made from an entity's `brands` are left out
    (a brand change shows as a change of that entity's `brands`)."""
    specs = getattr(kb, table)
    if table != "entities":
        return specs
    brands = {slug(b) for spec in specs.values() for b in spec.brands}
    return {k: v for k, v in specs.items() if k not in brands or v.kind != "product"
            or getattr(v, "brands", None)}


def _fields(old, new) -> list[str]:
    a, b = old.model_dump(), new.model_dump()
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def diff_tables(old: dict, new: dict) -> TableDiff:
    return TableDiff(
        added=sorted(new.keys() - old.keys()),
        removed=sorted(old.keys() - new.keys()),
        changed=[Changed(k, f) for k in sorted(old.keys() & new.keys())
                 if (f := _fields(old[k], new[k]))],
    )


def diff_rules(folder: Path, against: Path) -> RulesDiff:
    """Each file is read and schema-checked; the folder need not pass every cross-check (a
    deleted family leaves dangling names: that is what the diff must show). A folder that is
    missing, or a base folder with problems, raises RuleFileError."""
    for root in (folder, against):
        if not Path(root).is_dir():
            raise RuleFileError([f"{root}: not a folder of rule files"])
    new, old = collect(folder), collect(against)
    if old.problems:
        raise RuleFileError(old.problems)
    if not new.problems:
        from .loader import load_knowledge

        try:
            load_knowledge(Path(folder))
        except RuleFileError as exc:
            new.problems = exc.problems
    names = {p.name for p in rule_files(Path(folder))}
    base = {p.name for p in rule_files(Path(against))}
    return RulesDiff(str(folder), str(against), sorted(names - base), sorted(base - names),
                     {t: diff_tables(_declared(old, t), _declared(new, t)) for t in TABLES},
                     new.problems)
