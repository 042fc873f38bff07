"""Compile a knowledge base into the plain lookup tables that checking needs, and cache them.

Checking a list is then dictionary work: no graph search per patient, and a cache hit does not
even import networkx.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..models import Reference
from .names import normalize
from .paths import bundled_rules_dir, rule_files
from .schema import (
    AdministrationSpec,
    DoseRuleSpec,
    IntakeSpec,
    LabelStrengthSpec,
    ReferenceSpec,
    RuleSpec,
)

Edge = tuple[str, str, str]
FORMAT = 3  # bump when the Index layout changes, so old caches are ignored
# A cache file is MAGIC, the sha256 of the pickle (32 bytes), then the pickle. A file that does
# not verify is never unpickled: a flipped byte must not change a finding's wording.
MAGIC = b"interactions-index\n"


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    kind: str
    route: str = "any"
    elemental_fraction: float | None = None
    egfr_min: float | None = None
    egfr_max: float | None = None


class EgfrBand(NamedTuple):
    """The eGFR range [low, high) that implies a condition node (a CKD stage)."""

    low: float
    high: float
    node: str


@dataclass
class Index:
    root: str
    nodes: dict[str, Node]
    names: dict[str, tuple[str, str]]  # normalised name or code -> (node id, how it names it)
    class_codes: dict[str, str]  # ATC class code -> class node, for codes we do not list
    closure: dict[str, dict[str, tuple[Edge, ...]]]  # node -> ancestor -> path of edges to it
    rules: dict[str, RuleSpec]
    references: dict[str, ReferenceSpec]
    by_subject: dict[str, tuple[str, ...]]  # node a rule is stated on -> rule ids
    egfr_bands: tuple[EgfrBand, ...]
    # node an instruction is stated on -> its administration instructions (for plans)
    administration: dict[str, tuple[AdministrationSpec, ...]] = field(default_factory=dict)
    intake: tuple[IntakeSpec, ...] = ()
    dose_rules: dict[str, DoseRuleSpec] = field(default_factory=dict)
    label_strengths: dict[str, LabelStrengthSpec] = field(default_factory=dict)  # product -> label
    confusable_names: frozenset[str] = frozenset()  # normalised look-alike/sound-alike names

    def reference(self, ref: str, section: str | None = None, quote: str | None = None) -> Reference:
        """A reference as findings, plans and dose reports carry it: the source's title and URL,
        and where in it the statement is."""
        spec = self.references[ref]
        return Reference(title=spec.title, url=spec.url, section=section, quote=quote)


def compile_index(kb) -> Index:
    """Precompute names, ancestor paths and the rule index from a KnowledgeBase."""
    nodes, names, class_codes = {}, {}, {}
    for spec in kb.entities.values():
        nodes[spec.id] = Node(spec.id, spec.name, spec.kind, spec.route, spec.elemental_fraction,
                              spec.egfr_min, spec.egfr_max)
        how = "brand" if spec.kind == "product" else "name"
        for name in (spec.name, spec.id.replace("-", " ")):
            names.setdefault(normalize(name), (spec.id, how))
        for name in spec.synonyms:
            names.setdefault(normalize(name), (spec.id, "synonym"))
        for code in (*spec.atc, *spec.rxcui, *spec.icd10):
            names[normalize(code)] = (spec.id, "code")
        if spec.kind == "class":
            class_codes.update({code.upper(): spec.id for code in spec.atc})

    graph = kb.graph
    closure = {}
    for start in sorted(graph.nodes):
        paths: dict[str, tuple[Edge, ...]] = {start: ()}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for parent in sorted(graph.successors(node)):
                if parent not in paths:
                    paths[parent] = paths[node] + ((node, graph.edges[node, parent]["rel"], parent),)
                    queue.append(parent)
        closure[start] = paths

    by_subject: dict[str, list[str]] = {}
    for rule in sorted(kb.rules.values(), key=lambda r: r.id):
        by_subject.setdefault(rule.subject, []).append(rule.id)
    bands = tuple(
        sorted(
            EgfrBand(n.egfr_min or 0.0, n.egfr_max if n.egfr_max is not None else float("inf"), n.id)
            for n in nodes.values()
            if n.egfr_min is not None or n.egfr_max is not None
        )
    )
    administration: dict[str, list[AdministrationSpec]] = {}
    for spec in sorted(kb.administration.values(), key=lambda a: a.id):
        administration.setdefault(spec.subject, []).append(spec)
    return Index(str(kb.root), nodes, names, class_codes, closure, dict(kb.rules),
                 dict(kb.references), {k: tuple(v) for k, v in by_subject.items()}, bands,
                 {k: tuple(v) for k, v in administration.items()},
                 tuple(kb.intake), dict(kb.dose_rules),
                 {product: label for label in kb.label_strengths for product in label.products},
                 frozenset(normalize(n) for row in kb.confusables for n in row.names))


def _cache_dir() -> Path:
    if os.environ.get("INTERACTIONS_CACHE_DIR"):
        return Path(os.environ["INTERACTIONS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "interactions"


def _fingerprint(root: Path) -> str:
    """Content hash of the rules and of the code that compiles them."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):  # every class a cache pickles
        digest.update(module.read_bytes())
    for path in rule_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def load_index(root: Path | None = None, *, use_cache: bool = True) -> Index:
    """Load (and validate) a rule folder, reusing a compiled copy when the files are unchanged.

    Set INTERACTIONS_NO_CACHE=1 to always compile afresh."""
    root = Path(root) if root is not None else bundled_rules_dir()
    use_cache = use_cache and not os.environ.get("INTERACTIONS_NO_CACHE")
    cache_file = None
    if use_cache and root.is_dir():
        cache_file = _cache_dir() / f"index-{_fingerprint(root)}.pickle"
        index = _read_cache(cache_file)
        if index is not None:
            index.root = str(root)
            return index
    from .loader import load_knowledge  # imports networkx: only on a cache miss

    index = compile_index(load_knowledge(root))
    if cache_file is not None:
        data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        _write_atomically(cache_file, MAGIC + hashlib.sha256(data).digest() + data)
    return index


STALE_SECONDS = 600  # a write takes milliseconds: an older temporary was left by a killed run


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete our own temporaries ('.index-*') that a killed run left behind; nothing else."""
    import time

    for old in folder.glob(".index-*"):
        try:
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()
        except OSError:
            pass


def _read_cache(path: Path) -> Index | None:
    """The cached Index, or None (a miss) when the file is absent, altered or unreadable."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 32
    data = raw[head:]
    if raw[:len(MAGIC)] != MAGIC or hashlib.sha256(data).digest() != raw[len(MAGIC):head]:
        return None
    try:
        index = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a damaged cache of any kind is a miss, never an error
        return None
    return index if isinstance(index, Index) else None


def _write_atomically(path: Path, data: bytes) -> None:
    """A cache is optional: any failure to write it is ignored."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path.parent)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
