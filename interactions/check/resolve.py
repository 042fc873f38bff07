"""One door for every name: exact, synonym, brand, code, a drug's salt, approximate, or unrecognised.

Approximate matches are accepted only when they are both close and unambiguous, because turning
one drug into another (hydroxyzine into hydroxychloroquine) is worse than asking.
"""

from __future__ import annotations

import re
from dataclasses import fields
from functools import lru_cache

from rapidfuzz import fuzz, process

from ..knowledge import Index, icd10cm, normalize
from ..models import MedicationEntry
from .notation import notations, plausible_suggestion
from .parse import ParsedItem, parse_item

APPROXIMATE_MIN_SCORE = 90.0  # rapidfuzz ratio (0-100) a misspelling must reach to be accepted
APPROXIMATE_MARGIN = 4.0  # ...and by how much it must beat the best match naming another node
APPROXIMATE_MIN_LENGTH = 4  # shorter words are abbreviations: exact or nothing
SUGGESTION_MIN_SCORE = 60.0
SUGGESTIONS = 3
FUZZY_CHARS = 120  # longer text is no misspelling of a name: no fuzzy search (its cost grows with length)
CACHED_CHARS = 1_000

_ATC = re.compile(r"^[A-Z]\d{2}(?:[A-Z]{1,2}\d{0,2})?$")
# What a medication list writes beside a name that is no part of it: a release form ("nifedipine
# ER", "aspirin EC") and a bracketed brand or note ("levothyroxine (SYNTHROID)", the Epic way).
# Taken off only when the name as written is not known: brands keep theirs ("Toprol XL").
_BESIDE_NAME = re.compile(
    r"\((?:[^()]*)\)|(?<![\w-])(?:ER|XL|XR|SR|CR|DR|EC|LA|ODT|IR|CD|XT|24\s*hr?|12\s*hr?|"
    r"(?:extended|delayed|sustained|controlled|immediate|modified)[- ]release|enteric[- ]coated)"
    r"(?![\w-])", re.I)
_HOW = {"name": "exact", "synonym": "synonym", "brand": "brand", "code": "code"}

# Counter-ions and hydrate words of drug salts: "esomeprazole magnesium", "naproxen sodium",
# "atorvastatin calcium trihydrate". Stripped only when what remains is a known drug.
SALT_WORDS = frozenset("""
    magnesium sodium potassium calcium disodium dipotassium monosodium lithium zinc
    hydrochloride hcl dihydrochloride hydrobromide sulfate sulphate bisulfate mesylate mesilate
    besylate besilate maleate tartrate bitartrate succinate fumarate hemifumarate citrate acetate
    phosphate diphosphate bromide chloride hyclate tosylate lactate gluconate nitrate
    anhydrous monohydrate dihydrate trihydrate tetrahydrate pentahydrate hemihydrate sesquihydrate
""".split())
# Magnesium is what this tool is about: "doxycycline magnesium" is taken as two items unless the
# rules list that drug's magnesium salt by name ("esomeprazole magnesium"), so no magnesium is
# ever lost in a salt reading. Other counter-ions ("atorvastatin calcium") name the drug's salt.
MAGNESIUM_WORDS = frozenset({"magnesium"})
# A remainder naming a mineral is itself a salt (aluminium hydroxide): never strip down to it.
_MINERAL_WORDS = frozenset("""
    magnesium calcium sodium potassium aluminium aluminum zinc iron ferrous ferric hydroxide
    carbonate oxide
""".split())


class Resolver:
    def __init__(self, index: Index):
        self.index = index
        # Codes must match exactly: a near-miss of an ATC or ICD code is another code. Listed
        # confusable names we do not cover compete too, mapping to no node (see ConfusableSpec).
        self._targets: dict[str, str | None] = {
            key: node for key, (node, how) in index.names.items() if how != "code"}
        for key in index.confusable_names:
            self._targets.setdefault(key, None)
        self._choices = list(self._targets)
        # The choices by length, in their order: a ratio of APPROXIMATE_MIN_SCORE - MARGIN or
        # more is out of reach of a name whose length is far from the key's (see _within).
        self._by_length: dict[int, list[str]] = {}
        for choice in self._choices:
            self._by_length.setdefault(len(choice), []).append(choice)
        self._order = {choice: k for k, choice in enumerate(self._choices)}
        self._windows: dict[int, list[str]] = {}  # by key length, made on first use
        self._exact_cached = lru_cache(maxsize=65536)(self._exact_uncached)
        self._resolved = lru_cache(maxsize=65536)(self._resolve)
        self._condition = lru_cache(maxsize=16384)(self._identify_condition)
        # One misspelt name comes with many doses ("furosimide 40 mg", "furosimide 80 mg"):
        # the fuzzy search, the dearest step, runs once per name.
        self._approximate = lru_cache(maxsize=16384)(self._approximate)

    def resolve(self, text: str) -> MedicationEntry:
        """The entry for one item, with "did you mean" suggestions when it is not recognised.
        Cached (entries are shared: copy one before changing it); text longer than any name
        is resolved afresh each time, so the cache stays bounded in size as well as count."""
        if len(text) > CACHED_CHARS:
            return self._resolve(text)
        return self._resolved(text)

    def resolve_condition(self, text: str) -> MedicationEntry:
        """``resolve`` for a patient's condition: after the rules' own names, every ICD-10-CM code
        and official title is a condition (see vocabulary_condition), before any approximate
        match, so that an official title is never read as a rules name it resembles. Cached like
        ``resolve``; no suggestions (the engine suggests condition names only)."""
        if len(text) > CACHED_CHARS:
            return self._identify_condition(text)
        return self._condition(text)

    def _identify_condition(self, text: str) -> MedicationEntry:
        return self.identify(text, conditions=True)

    def _resolve(self, text: str) -> MedicationEntry:
        entry = self.identify(text)
        if not entry.recognised:
            # A drug salt we do not know ("esomeprazole magnesium") is best suggested by its drug part.
            key = normalize(entry.name)
            core = " ".join(w for w in key.split() if w not in SALT_WORDS)
            first = self.suggest(core) if core != key else []
            entry.suggestions = list(dict.fromkeys(first + self.suggest(key)))[:SUGGESTIONS]
        return entry

    def identify(self, text: str, *, conditions: bool = False) -> MedicationEntry:
        """``resolve`` without "did you mean" suggestions, which batch screening does not print
        and which cost more than the match itself. ``conditions``: the text is a condition, so
        ICD-10-CM codes and titles count (see vocabulary_condition)."""
        parsed = parse_item(text)
        for candidate, whole in self._candidates(text, parsed):
            hit = self._exact(candidate)
            if hit:
                node_id, match = hit
                return self._entry(parsed, candidate, node_id, match, None, whole)
        if conditions:
            entry = self.vocabulary_condition(text)
            if entry is not None:
                return entry
        name, beside = plain_name(parsed.name)
        notes = [f"'{b}' read as written beside the name, not part of it" for b in beside]
        if beside:
            hit = self._exact(name)
            if hit:
                return self._entry(parsed, name, hit[0], hit[1], None, False, notes)
        salt = self._drug_salt(name)
        if salt:
            node_id, stripped = salt
            return self._entry(parsed, name, node_id, "salt", None, False, [*notes, (
                f"'{stripped}' read as part of the salt name of {self.index.nodes[node_id].name}, "
                "not as a separate ingredient")])
        key = normalize(name)
        best = None if key in self.index.confusable_names else self._approximate(key)
        if best:
            node_id, score = best
            node = self.index.nodes[node_id]
            return self._entry(parsed, name, node_id, "approximate", score, False, [*notes, (
                f"'{name}' matched approximately to {node.name} (score {score:g} of 100)")])
        return MedicationEntry(input=text, name=parsed.name, **_dose(parsed, False))

    def vocabulary_condition(self, text: str) -> MedicationEntry | None:
        """An ICD-10-CM code or official title the rules do not name, as a condition. Under a
        code the rules know it is that code's node (a code's children count as the code: E83.49
        would be read as E83.4 if the rules listed it); otherwise a condition of its own, id
        "icd10cm-<code>", that no rule concerns. Loads the classification on first use."""
        hit = icd10cm.vocabulary().lookup(text)
        if hit is None:
            return None
        code, match = hit
        title = icd10cm.vocabulary().titles[code]
        for above in (code, *icd10cm.parents(code)):
            node_id, how = self.index.names.get(normalize(above), (None, None))
            if how == "code" and self.index.nodes[node_id].kind == "condition":
                node = self.index.nodes[node_id]
                note = (f"ICD-10-CM {code} ({title})" if above == code else
                        f"ICD-10-CM {code} ({title}) is under {above}")
                return MedicationEntry(input=text, name=text.strip(), id=node_id,
                                       resolved_name=node.name, kind="condition", match=match,
                                       notes=[f"{note}: read as {node.name}"])
        return MedicationEntry(input=text, name=text.strip(), id=icd10cm.condition_id(code),
                               resolved_name=title, kind="condition", match=match,
                               notes=[f"ICD-10-CM {code}: no rule concerns this condition"])

    @staticmethod
    def _candidates(text: str, parsed: ParsedItem):
        """(name to try, whether it is the whole input). A number with no unit may belong to the
        name ("Mag-Ox 400 BID"), so the name with it is tried before the name without."""
        yield text, True
        if parsed.strength is not None and parsed.unit is None:
            yield f"{parsed.name} {parsed.strength:g}", True
        yield parsed.name, False

    def _entry(self, parsed, name, node_id, match, score, whole, notes=()) -> MedicationEntry:
        node = self.index.nodes[node_id]
        extra = list(parsed.notes) + list(notes)
        if node.kind == "excipient":
            extra.append(f"{node.name} is an excipient: nothing to check")
        return MedicationEntry(input=parsed.text, name=name.strip(), id=node_id,
                               resolved_name=node.name, kind=node.kind, match=match, score=score,
                               **_dose(parsed, whole), notes=extra)

    def _exact(self, text: str) -> tuple[str, str] | None:
        """The node a text names as written (after normalising), and how. Every item asks this
        of several forms of its text, and a name comes back with many doses: cached (short
        texts only, so the cache is bounded in size too)."""
        if len(text) > CACHED_CHARS:
            return self._exact_uncached(text)
        return self._exact_cached(text)

    def _exact_uncached(self, text: str) -> tuple[str, str] | None:
        key = normalize(text)
        for candidate in (key, *notations(key)):
            if candidate in self.index.names:
                node_id, how = self.index.names[candidate]
                return node_id, _HOW[how] if candidate == key else "synonym"
        code = text.strip().upper()
        if _ATC.match(code):
            # An ATC code we do not list still tells its class: J01AA99 is a tetracycline.
            for length in range(len(code) - 1, 2, -1):
                if code[:length] in self.index.class_codes:
                    return self.index.class_codes[code[:length]], "code-class"
        return None

    def names_exactly(self, text: str) -> bool:
        """Whether the whole text, as written, is a name or code of one node."""
        return self._exact(text) is not None

    def _salt_parts(self, name: str) -> tuple[list[str], int, int] | None:
        """The words of ``name`` and where a known drug sits among counter-ion words."""
        words = normalize(name).split()
        start, end = 0, len(words)
        while start < end and words[start] in SALT_WORDS:
            start += 1
        while end > start and words[end - 1] in SALT_WORDS:
            end -= 1
        core = words[start:end]
        if not core or len(core) == len(words) or _MINERAL_WORDS.intersection(core):
            return None
        hit = self.index.names.get(" ".join(core))
        if hit is None or not self._is_plain_drug(hit[0]):
            return None
        return words, start, end

    def _drug_salt(self, name: str) -> tuple[str, str] | None:
        """'naproxen sodium' is naproxen: a counter-ion before or after a known drug names the
        drug's salt, not a second ingredient. Magnesium does so only when the rules list that
        salt (see second_ingredient)."""
        parts = self._salt_parts(name)
        if parts is None:
            return None
        words, start, end = parts
        stripped = words[:start] + words[end:]
        if MAGNESIUM_WORDS.intersection(stripped):
            return None
        return self.index.names[" ".join(words[start:end])][0], " ".join(stripped)

    def second_ingredient(self, text: str) -> list[str] | None:
        """'doxycycline magnesium citrate 400 mg' -> ['doxycycline', 'magnesium citrate 400 mg']:
        a known drug beside magnesium or another named ingredient (a magnesium form) is two
        items. The text is cut where the words meet, so each keeps its own dose."""
        name = parse_item(text).name
        if not self._exact(name):
            name = plain_name(name)[0]
        parts = None if self._exact(name) else self._salt_parts(name)  # a listed salt stays one
        if parts is None:
            return None
        words, start, end = parts
        stripped = words[:start] + words[end:]
        if not (MAGNESIUM_WORDS.intersection(stripped) or " ".join(stripped) in self.index.names):
            return None
        at = _word_position(text, words[end] if start == 0 else words[start])
        return None if at is None else [text[:at].strip(" ,"), text[at:].strip(" ,")]

    def _is_plain_drug(self, node_id: str) -> bool:
        """A drug, or a brand of drugs only: nothing in it is magnesium or another supplement."""
        ancestors = self.index.closure.get(node_id, {})
        kinds = {self.index.nodes[a].kind for a in ancestors}
        return self.index.nodes[node_id].kind in ("drug", "product") and "drug" in kinds \
            and not kinds & {"magnesium", "magnesium-form", "supplement", "excipient"}

    def _approximate(self, key: str) -> tuple[str, float] | None:
        if not APPROXIMATE_MIN_LENGTH <= len(key) <= FUZZY_CHARS:
            return None
        # Rivals further than the margin below the threshold cannot change the outcome.
        ranked = process.extract(key, self._within(len(key)), scorer=fuzz.ratio, limit=10,
                                 score_cutoff=APPROXIMATE_MIN_SCORE - APPROXIMATE_MARGIN)
        if not ranked or ranked[0][1] < APPROXIMATE_MIN_SCORE:
            return None
        node_id = self._targets[ranked[0][0]]
        if node_id is None:
            return None  # closest to a listed confusable name we do not cover: ask, never guess
        rivals = [s for name, s, _ in ranked[1:] if self._targets[name] != node_id]
        if rivals and ranked[0][1] - rivals[0] < APPROXIMATE_MARGIN:
            return None
        return node_id, round(ranked[0][1], 1)

    def _within(self, length: int) -> list[str]:
        """The choices whose length lets fuzz.ratio reach the cutoff, in the choices' order (so
        ties rank as over the whole list). ratio = 100 * (1 - indel / (a + b)) and the indel
        distance is at least |a - b|, so a ratio >= c needs 2 * min(a, b) / (a + b) >= c / 100."""
        found = self._windows.get(length)
        if found is None:
            c = (APPROXIMATE_MIN_SCORE - APPROXIMATE_MARGIN) / 100
            low, high = length * c / (2 - c), length * (2 - c) / c
            found = self._windows[length] = sorted(
                (choice for n, group in self._by_length.items() if low <= n <= high
                 for choice in group), key=self._order.__getitem__)
        return found

    def suggest(self, key: str) -> list[str]:
        """Display names of the closest known nodes, best first, one per node. A suggestion shares
        a real stem with the text and is never its opposite: none is better than a wrong one."""
        if not key or len(key) > FUZZY_CHARS:
            return []
        ranked = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=30,
                                 score_cutoff=SUGGESTION_MIN_SCORE)
        names: list[str] = []
        for choice, _score, _ in ranked:
            if self._targets[choice] is None or not plausible_suggestion(key, choice):
                continue
            node = self.index.nodes[self._targets[choice]]
            if node.name not in names:
                names.append(node.name)
            if len(names) == SUGGESTIONS:
                break
        return names


def plain_name(name: str) -> tuple[str, list[str]]:
    """The name without what is written beside it (_BESIDE_NAME), and what was taken off. A
    bracket naming a mineral stays ("multivitamin (with magnesium)"): taken off, the magnesium
    would be lost; kept, the item is reported unrecognised."""
    beside: list[str] = []

    def off(match: re.Match[str]) -> str:
        if match.group(0).startswith("(") and _MINERAL_WORDS.intersection(
                normalize(match.group(0)).split()):
            return match.group(0)
        beside.append(match.group(0))
        return " "

    plain = " ".join(_BESIDE_NAME.sub(off, name).split()).strip(" -,;:/")
    return (plain, beside) if beside and plain else (name, [])


def _word_position(text: str, word: str) -> int | None:
    """Where the normalised ``word`` starts in ``text`` as written."""
    match = re.search(r"(?<![0-9a-z])" + r"[^0-9a-z]*".join(map(re.escape, word)), text, re.I)
    return match.start() if match else None


def _dose(parsed: ParsedItem, whole_is_name: bool) -> dict:
    """The dose fields of an entry. When the whole input (or name plus bare number) is a name,
    its number belongs to the name ("Mag-Ox 400"), not to a strength."""
    strength, unit = parsed.strength, parsed.unit
    if whole_is_name and unit is None:
        strength = None
    unparsed = list(parsed.unparsed)
    if strength is not None and unit is None:
        unparsed.append(f"{strength:g} (a number with no unit)")
    dose = {name: getattr(parsed, name) for name in _DOSE_FIELDS}
    return dose | dict(strength=strength, unit=unit, unparsed=unparsed)


# The fields a parsed item hands on to its entry as they are (its text and name are the entry's
# input and name; its notes join the resolver's).
_DOSE_FIELDS = tuple(f.name for f in fields(ParsedItem)
                     if f.name in MedicationEntry.model_fields and f.name not in ("name", "notes"))
