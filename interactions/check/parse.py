"""Split what a person wrote ("Mag-Ox 400 mg BID") into name, strength, unit, amount and frequency.

Only patterns we are sure of are taken out of the text. Everything else either stays in the name
(so an unknown word surfaces as an unrecognised item) or, for instructions we know carry nothing we
use ("with food"), is listed in ``unparsed``: reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"(\d+(?:\.\d+)?)"
_MASS_UNITS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "g": "g", "gm": "g", "gram": "g", "grams": "g",
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "mmol": "mmol", "meq": "mEq", "iu": "IU", "units": "units", "unit": "units",
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
_STRENGTH = re.compile(rf"(?<![\w.]){_NUM}\s*({_MASS}){_END}", re.I)
_VOLUME_AMOUNT = re.compile(rf"(?<![\w.]){_COUNT}\s*({_VOLUME}){_END}", re.I)
_FORMS = (r"tablets?|tabs?|caplets?|capsules?|caps?|softgels?|chewables?|gummies|gummy|pills?|"
          r"lozenges?|sachets?|packets?|scoops?")
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
        (r"\b(?:once daily|once (?:a |per |each )?day|daily|q\.?d\.?|od|q\.?a\.?m\.?|q\.?p\.?m\.?|"
         r"q\.?h\.?s\.?|hs|nightly|at bedtime|at night|every (?:morning|evening|night)|"
         r"(?:in the|each) (?:morning|evening))(?![\w])", 1),
    ]
]
_WORD_N = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PRN = re.compile(r"\b(?:p\.?r\.?n\.?|as needed|when needed|as required|if needed)(?![\w])", re.I)
_ROUTES = [
    (re.compile(r"\b(?:iv|i\.v\.|intravenous(?:ly)?|infusion)(?![\w])", re.I), "intravenous"),
    (re.compile(r"\b(?:po|p\.o\.|oral(?:ly)?|by mouth)(?![\w])", re.I), "oral"),
]
# Instructions that carry nothing the checker uses: taken out of the name and reported.
_INSTRUCTIONS = re.compile(
    r"\b(?:with (?:food|meals?|a meal|water|breakfast|dinner|supper)|(?:before|after) "
    r"(?:food|meals?|breakfast|dinner|supper)|on an empty stomach|as directed|"
    r"(?:for|x)\s*\d+\s*(?:days?|weeks?|months?))\b", re.I)
_LEADING_VERB = re.compile(r"^\s*(?:take|give|use)\b", re.I)


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


def _number(word: str) -> float:
    return _WORD_NUMBERS.get(word.lower()) or float(word)


def _cut(rest: str, match: re.Match[str]) -> str:
    return rest[: match.start()] + " " + rest[match.end():]


def _frequency(rest: str) -> tuple[float | None, str, list[str]]:
    for pattern, per_day in _FREQUENCIES:
        match = pattern.search(rest)
        if not match:
            continue
        notes = []
        if per_day == "hour-range":
            shortest = min(float(match.group(1)), float(match.group(2)))
            value = 24 / shortest
            notes.append(f"'{match.group(0)}': counted at the most frequent, {value:g} times a day")
        elif per_day == "hours":
            value = 24 / float(match.group(1))
        elif per_day == "times":
            word = match.group(1).lower()
            value = float(_WORD_N.get(word) or word)
        else:
            value = float(per_day)
        return round(value, 4), _cut(rest, match), notes
    return None, rest, []


def parse_item(text: str) -> ParsedItem:
    """Parse one medication string. The name is what is left once the sure patterns are removed."""
    rest = " ".join(text.split())
    rest = _LEADING_VERB.sub(" ", rest)
    unparsed: list[str] = []
    notes: list[str] = []
    strength = unit = route = per_volume = volume = quantity = dose_form = None
    as_needed = elemental = False

    if _PRN.search(rest):
        as_needed = True
        rest = _PRN.sub(" ", rest)
    frequency, rest, freq_notes = _frequency(rest)
    notes += freq_notes
    for pattern, name in _ROUTES:
        if pattern.search(rest):
            route = name
            rest = pattern.sub(" ", rest)
            break
    for match in list(_INSTRUCTIONS.finditer(rest)):
        unparsed.append(match.group(0))
    rest = _INSTRUCTIONS.sub(" ", rest)

    salt = _AS_SALT.search(rest)
    if salt:
        elemental = True
        rest = rest[: salt.start()] + " magnesium " + (salt.group(1) or salt.group(2)) + " " \
            + rest[salt.end():]
    if _ELEMENTAL.search(rest):
        elemental = True
        rest = _ELEMENTAL.sub(" ", rest)

    match = _CONCENTRATION.search(rest)
    if match:
        strength, unit = float(match.group(1)), _MASS_UNITS[match.group(2).lower()]
        per_volume = float(match.group(3) or 1) * _VOLUME_ML[match.group(4).lower()]
        rest = _cut(rest, match)
    match = _VOLUME_AMOUNT.search(rest)
    if match:
        volume = _number(match.group(1)) * _VOLUME_ML[match.group(2).lower()]
        rest = _cut(rest, match)
    match = _QUANTITY.search(rest)
    if match:
        quantity = _number(match.group(1))
        dose_form = _singular(match.group(2).lower())
        rest = _cut(rest, match)
    if strength is None:
        match = _STRENGTH.search(rest)
        if match:
            strength, unit = float(match.group(1)), _MASS_UNITS[match.group(2).lower()]
            rest = _cut(rest, match)
    for extra in list(_STRENGTH.finditer(rest)):
        unparsed.append(extra.group(0))  # a second strength: we will not pick one
    rest = _STRENGTH.sub(" ", rest)
    if strength is None:
        # "Mag-Ox 400", "doxy 100": a trailing bare number is a strength with no stated unit.
        bare = _BARE_NUMBER.search(rest)
        if bare and bare.start() > 0:
            strength = float(bare.group(1))
            rest = rest[: bare.start()]
    rest = _FORM_WORDS.sub(" ", rest)
    name = " ".join(rest.replace(",", " ").split()).strip(" -;:/")
    name = re.sub(r"^of\s+", "", name, flags=re.I)  # "1 tablet of Mag-Ox 400"
    return ParsedItem(text, name or text.strip(), strength, unit, frequency, as_needed, route,
                      per_volume, volume, quantity, dose_form, elemental, tuple(unparsed),
                      tuple(notes))


def _singular(form: str) -> str:
    form = {"tabs": "tablet", "tab": "tablet", "caps": "capsule", "cap": "capsule",
            "gummies": "gummy"}.get(form, form)
    return form[:-1] if form.endswith("s") else form
