"""Split what a person wrote ("Mag-Ox 400 mg BID") into name, strength, unit, amount and frequency.

Only patterns we are sure of are taken out of the text. Everything else either stays in the name
(so an unknown word surfaces as an unrecognised item) or, for instructions we know carry nothing we
use ("with food"), is listed in ``unparsed``: reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NUM = r"(\d+(?:\.\d+)?)"
_MASS_UNITS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "g": "g", "gm": "g", "gram": "g", "grams": "g",
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "mmol": "mmol", "meq": "mEq", "iu": "IU", "units": "units", "unit": "units",
    "u": "units",  # "insulin glargine 20 u": how insulin doses are written on medication lists
}
# Household measures: the USP/FDA dosing convention 1 teaspoon = 5 mL, 1 tablespoon = 15 mL.
_VOLUME_ML = {"ml": 1.0, "mls": 1.0, "tsp": 5.0, "teaspoon": 5.0, "teaspoons": 5.0,
              "tbsp": 15.0, "tablespoon": 15.0, "tablespoons": 15.0}
_WORD_NUMBERS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0,
                 "half": 0.5, "½": 0.5}


def _alternatives(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_MASS = _alternatives(_MASS_UNITS)
_VOLUME = _alternatives(_VOLUME_ML)
_COUNT = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|half|½)"
_END = r"(?![\w])"

_CONCENTRATION = re.compile(
    rf"(?<![\w.]){_NUM}\s*({_MASS})\s*(?:/|per|in|each)\s*{_NUM}?\s*({_VOLUME}){_END}", re.I)
# "0.5 mg/dose", "90 mcg per actuation": a strength per dose is the strength.
_PER_DOSE = r"(?:\s*(?:/|per)\s*(?:dose|actuation|puff|spray|tab(?:let)?|cap(?:sule)?)\b)?"
_STRENGTH = re.compile(rf"(?<![\w.]){_NUM}\s*({_MASS}){_END}{_PER_DOSE}", re.I)
# "5-325 mg", "10/12.5 mg": a combination's strengths (or a range), not one dose to read.
_STRENGTHS = re.compile(rf"(?<![\w.]){_NUM}\s*[-/]\s*{_NUM}\s*({_MASS}){_END}{_PER_DOSE}", re.I)
_VOLUME_AMOUNT = re.compile(rf"(?<![\w.]){_COUNT}\s*({_VOLUME}){_END}", re.I)
_FORMS = (r"tablets?|tabs?|caplets?|capsules?|caps?|softgels?|chewables?|gummies|gummy|pills?|"
          r"lozenges?|sachets?|packets?|scoops?|puffs?|inhalations?|actuations?|sprays?|drops?|"
          r"patch(?:es)?")
_QUANTITY = re.compile(rf"(?<![\w.]){_COUNT}\s*({_FORMS})\b", re.I)
# Hyphen-guarded so a brand keeps its parts ("Mag-Tab SR" is a name, not a tablet).
_FORM_WORDS = re.compile(
    rf"(?<![\w-])(?:{_FORMS}|oral solution|solution|liquid|suspension|powder)(?![\w-])", re.I)
_BARE_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*$")

# "magnesium (as citrate)", "magnesium (from magnesium glycinate)", "magnesium as oxide":
# the Supplement Facts way of writing an elemental amount and the salt it comes from.
_AS_SALT = re.compile(
    r"\bmagnesium\s*(?:\(\s*(?:as|from)\s+(?:magnesium\s+)?([a-z][a-z\- ]*?)\s*\)"
    r"|,?\s+(?:as|from)\s+(?:magnesium\s+)?([a-z][a-z\-]*))", re.I)
_ELEMENTAL = re.compile(r"\belemental\b", re.I)

_N = r"(\d+|one|two|three|four|five|six)"
_DAY = r"(?:day|daily|d)\b"
_FREQUENCIES: list[tuple[re.Pattern[str], float | str]] = [
    (re.compile(p, re.I), per_day)
    for p, per_day in [
        (r"\b(?:every|q)\s*(\d+)\s*(?:-|to)\s*(\d+)\s*(?:h|hr|hrs|hours?)\b", "hour-range"),
        (r"\b(?:every|q)\s*(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?)\b", "hours"),
        (rf"\b{_N}\s*(?:x|times)\s*(?:a|per|/|each)?\s*{_DAY}", "times"),
        (rf"(?<![\w])x\s*{_N}\s*(?:a|per|/|each)?\s*{_DAY}", "times"),
        (r"\b(?:q\.?i\.?d\.?|four times (?:a |per |each )?day|four times daily)(?![\w])", 4),
        (r"\b(?:t\.?i\.?d\.?|tds|three times (?:a |per |each )?day|three times daily)(?![\w])", 3),
        (r"\b(?:b\.?i\.?d\.?|bd|twice (?:a |per |each )?day|twice daily)(?![\w])", 2),
        (r"\b(?:every other day|alternate days|q\.?o\.?d\.?)(?![\w])", 0.5),
        (r"\b(?:once (?:a |per |each )?week|once weekly|weekly|every week|q\s?week)\b", 1 / 7),
        (r"\s*/\s*(?:day|d)\b|\bper day\b", 1),  # "400 mg/day": the amount is the day's
        (r"\b(?:once daily|once (?:a |per |each )?day|daily|q\.?d\.?|od|q\.?a\.?m\.?|q\.?p\.?m\.?|"
         r"q\.?h\.?s\.?|hs|nightly|at bedtime|at night|every (?:morning|evening|night)|"
         r"(?:in the|each) (?:morning|evening))(?![\w])", 1),
    ]
]
_DIGIT = re.compile(r"\d")  # every amount pattern needs one: a text without skips them
_WORD_N = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PRN = re.compile(r"\b(?:p\.?r\.?n\.?|as needed|when needed|as required|if needed)(?![\w])", re.I)
_ROUTES = [
    (re.compile(r"\b(?:iv|i\.v\.|intravenous(?:ly)?|infusion)(?![\w])", re.I), "intravenous"),
    (re.compile(r"\b(?:po|p\.o\.|oral(?:ly)?|by mouth)(?![\w])", re.I), "oral"),
]
# Instructions that carry nothing the checker uses: taken out of the name and reported.
_INSTRUCTIONS = re.compile(
    r"\b(?:with (?:food|meals?|a meal|water|breakfast|lunch|dinner|supper)|(?:before|after) "
    r"(?:food|meals?|breakfast|lunch|dinner|supper)|on an empty stomach|"
    r"(?:for|x)\s*\d+\s*(?:days?|weeks?|months?)|"
    r"(?:for|to treat|to help with)\s+(?:pain|sleep|insomnia|anxiety|nausea|constipation|heartburn|"
    r"indigestion|acid reflux|reflux|cramps?|leg cramps|headaches?|migraines?|fever|cough|"
    r"allergies|itching|infection)|as directed(?: by (?:your )?(?:doctor|physician|pharmacist))?)\b"
    # Nursing parameters ("hold if SBP<100") and medication-list annotations ("(patient
    # reported)", "(historical med)"), as EHR exports write them after the name.
    r"|(?:-\s*)?\bhold (?:if|for|when)\b[^,;]*"
    r"|\((?:patient|pt|self)[ -]?reported\)|\(historical(?: med(?:ication)?)?\)"
    r"|\(home med(?:ication)?\)|\(otc\)",
    re.I)
# Verbs of a direction ("take 1 tablet", "…, take with food"): not part of any name.
_VERBS = re.compile(r"\b(?:take|takes|taking|give|use|chew|dissolve|swallow)\b", re.I)
# Words a direction is made of once its parts are read ("1 tab by mouth at night").
_FILLER = re.compile(r"\b(?:of|by|mouth|a|an|the|at|in|on|per|each|every|up to|then|daily|day)\b",
                     re.I)
_NEGATIVE = re.compile(rf"(?<![\w.])-\s*{_NUM}\s*(?:{_MASS}|{_VOLUME}){_END}", re.I)


@dataclass(frozen=True)
class ParsedItem:
    text: str
    name: str
    strength: float | None = None
    unit: str | None = None
    frequency_per_day: float | None = None
    as_needed: bool = False
    route: str | None = None
    per_volume_ml: float | None = None  # a concentration: ``strength`` per this many mL
    volume_ml: float | None = None  # the volume of liquid taken per dose
    quantity: float | None = None  # how many tablets/capsules per dose
    dose_form: str | None = None
    elemental: bool = False  # the strength is stated as elemental magnesium
    unparsed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# Limits of what a dose can be: beyond them the text is a typing or export fault, reported on
# the item (unparsed, with the reason) rather than carried into arithmetic or JSON.
MAX_AMOUNT = 1_000_000.0  # of any unit, per dose
MAX_PER_DAY = 48.0  # doses a day (every 30 minutes)


class _Reading:
    """The text being taken apart, and what has been read from it so far."""

    def __init__(self, text: str):
        self.rest = " ".join(text.split())
        self.fields: dict = {}
        self.unparsed: list[str] = []
        self.notes: list[str] = []

    def cut(self, match: re.Match[str]) -> None:
        self.rest = self.rest[: match.start()] + " " + self.rest[match.end():]

    def refuse(self, match: re.Match[str], why: str) -> None:
        """A dose that cannot be so ("every 0 hours", "400 mg/0 mL"): reported, never used."""
        self.unparsed.append(f"{match.group(0).strip()} ({why})")
        self.cut(match)

    def refuse_all(self, pattern: re.Pattern[str], why: str) -> None:
        """``refuse`` every match, in order (cut from the last, so the earlier ones stay put)."""
        matches = list(pattern.finditer(self.rest))
        self.unparsed += [f"{m.group(0).strip()} ({why})" for m in matches]
        for match in reversed(matches):
            self.cut(match)


def _number(word: str) -> float:
    return _WORD_NUMBERS.get(word.lower()) or float(word)


def _amount(word: str) -> float | None:
    value = _number(word)
    return value if 0 < value <= MAX_AMOUNT else None


def _read_frequency(r: _Reading) -> None:
    for pattern, per_day in _FREQUENCIES:
        match = pattern.search(r.rest)
        if not match:
            continue
        if per_day in ("hour-range", "hours"):
            hours = [float(g) for g in match.groups() if g is not None]
            if min(hours) <= 0:
                return r.refuse(match, "an interval of 0 hours")
            value = 24 / min(hours)
            if per_day == "hour-range":
                r.notes.append(f"'{match.group(0)}': counted at the most frequent, {value:g} times a day")
        elif per_day == "times":
            word = match.group(1).lower()
            value = float(_WORD_N.get(word) or word)
        else:
            value = float(per_day)
        if not 0 < value <= MAX_PER_DAY:
            return r.refuse(match, f"not a possible number of doses a day (at most {MAX_PER_DAY:g})")
        r.fields["frequency_per_day"] = round(value, 4)
        return r.cut(match)


def _read_manner(r: _Reading) -> None:
    """As needed, route, and instructions that carry nothing the checker uses."""
    if _PRN.search(r.rest):
        r.fields["as_needed"] = True
        r.rest = _PRN.sub(" ", r.rest)
    _read_frequency(r)
    for pattern, name in _ROUTES:
        if pattern.search(r.rest):
            r.fields["route"] = name
            r.rest = pattern.sub(" ", r.rest)
            break
    instructions = [m.group(0) for m in _INSTRUCTIONS.finditer(r.rest)]
    if instructions:
        r.unparsed += instructions
        r.rest = _INSTRUCTIONS.sub(" ", r.rest)
    salt = _AS_SALT.search(r.rest)
    if salt:
        r.fields["elemental"] = True
        r.rest = r.rest[: salt.start()] + " magnesium " + (salt.group(1) or salt.group(2)) + " " \
            + r.rest[salt.end():]
    if _ELEMENTAL.search(r.rest):
        r.fields["elemental"] = True
        r.rest = _ELEMENTAL.sub(" ", r.rest)


def _read_amounts(r: _Reading) -> None:
    digits = _DIGIT.search(r.rest) is not None
    if digits:
        r.refuse_all(_NEGATIVE, "a negative amount")
        r.refuse_all(_STRENGTHS, "two strengths: not read as one dose")
    match = _CONCENTRATION.search(r.rest) if digits else None
    if match:
        amount, per = _amount(match.group(1)), float(match.group(3) or 1)
        if amount is None or per <= 0:
            r.refuse(match, "not a possible concentration")
        else:
            r.fields.update(strength=amount, unit=_MASS_UNITS[match.group(2).lower()],
                            per_volume_ml=per * _VOLUME_ML[match.group(4).lower()])
            r.cut(match)
    match = _VOLUME_AMOUNT.search(r.rest)
    if match:
        amount = _amount(match.group(1))
        if amount is None:
            r.refuse(match, "not a possible volume")
        else:
            r.fields["volume_ml"] = amount * _VOLUME_ML[match.group(2).lower()]
            r.cut(match)
    match = _QUANTITY.search(r.rest)
    if match:
        amount = _amount(match.group(1))
        if amount is None:
            r.refuse(match, "not a possible number of units")
        else:
            r.fields.update(quantity=amount, dose_form=_singular(match.group(2).lower()))
            r.cut(match)
    _read_strength(r)


def _read_strength(r: _Reading) -> None:
    if not _DIGIT.search(r.rest):
        return  # no strength, second strength or bare number to read
    if "strength" not in r.fields:
        match = _STRENGTH.search(r.rest)
        if match:
            amount = _amount(match.group(1))
            if amount is None:
                r.refuse(match, "not a possible amount")
            else:
                r.fields.update(strength=amount, unit=_MASS_UNITS[match.group(2).lower()])
                r.cut(match)
    r.unparsed += [m.group(0) for m in _STRENGTH.finditer(r.rest)]  # a second strength: not picked
    r.rest = _STRENGTH.sub(" ", r.rest)
    if "strength" not in r.fields:
        # "Mag-Ox 400", "doxy 100": a trailing bare number is a strength with no stated unit.
        bare = _BARE_NUMBER.search(r.rest)
        if bare and bare.start() > 0 and _amount(bare.group(1)) is not None:
            r.fields["strength"] = float(bare.group(1))
            r.rest = r.rest[: bare.start()]


def _name_left(r: _Reading) -> str:
    rest = _FORM_WORDS.sub(" ", r.rest)
    name = " ".join(rest.replace(",", " ").split()).strip(" -;:/")
    return _LEADING_OF.sub("", name)  # "1 tablet of Mag-Ox 400"


_LEADING_OF = re.compile(r"^of\s+", re.I)


def parse_item(text: str) -> ParsedItem:
    """Parse one medication string. The name is what is left once the sure patterns are removed.
    A ParsedItem is immutable, and splitting and resolving both parse a text: cached, for texts
    no longer than an item (so the cache is bounded in size as well as count)."""
    return _parsed_cached(text) if len(text) <= 1_000 else _parse(text)


def _parse(text: str) -> ParsedItem:
    r = _Reading(text)
    r.rest = _VERBS.sub(" ", r.rest)
    _read_manner(r)
    _read_amounts(r)
    name = _name_left(r)
    return ParsedItem(text, name or text.strip(), **r.fields, unparsed=tuple(r.unparsed),
                      notes=tuple(r.notes))


def only_directions(text: str) -> bool:
    """True when ``text`` names nothing: only a dose, frequency, route or instruction ("twice
    daily", "take with food", "400 mg"). Such a piece belongs to the item beside it. The same
    directions come back in many lists: cached, for texts no longer than a name."""
    return _directions_cached(text) if len(text) <= 200 else _only_directions(text)


def _only_directions(text: str) -> bool:
    r = _Reading(text)
    r.rest = _VERBS.sub(" ", r.rest)
    _read_manner(r)
    _read_amounts(r)
    _read_strength(r)
    left = _FILLER.sub(" ", _name_left(r))
    return not re.search(r"[^\W\d_]", left) and (left.strip() == "" or bool(r.fields))


_parsed_cached = lru_cache(maxsize=65536)(_parse)
_directions_cached = lru_cache(maxsize=16384)(_only_directions)


def _singular(form: str) -> str:
    form = {"tabs": "tablet", "tab": "tablet", "caps": "capsule", "cap": "capsule",
            "gummies": "gummy", "patches": "patch"}.get(form, form)
    return form[:-1] if form.endswith("s") else form
