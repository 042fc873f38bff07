"""Ways people write the same thing, read into the keys the rules list, and the test a "did you
mean" suggestion must pass.

Only notations that cannot mean anything else are read: "mag citrate" and "Mg citrate" are
magnesium citrate; "CKD IV", "stage 4 CKD", "CKD4" and "chronic kidney disease stage 4" are the
rules' "CKD stage 4". Every key here is already normalised (see knowledge.names.normalize).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iiia": "3a", "iiib": "3b", "iv": "4", "v": "5"}
_STAGE = r"(1|2|3a|3b|3|4|5|iiia|iiib|iii|ii|iv|v|i)"
_KIDNEY = (r"(?:ckd|chronic kidney disease|chronic kidney failure|chronic renal (?:failure|"
           r"insufficiency|disease)|kidney disease|renal disease)")
_GRADE_WORDS = r"(?:\s+(?:mild|moderate|severe|unspecified))?"
_STAGE_AFTER = re.compile(rf"^{_KIDNEY}\s*(?:stage\s*|g\s*)?{_STAGE}{_GRADE_WORDS}$")
_STAGE_BEFORE = re.compile(rf"^(?:stage\s*|g\s*){_STAGE}\s*{_KIDNEY}$")
# "ESKD on dialysis", "CKD stage 5 on dialysis": only kidney words before it, so that
# "magnesium oxide 400 mg on dialysis" is never read as dialysis alone (the magnesium lost).
_ON_DIALYSIS = re.compile(
    rf"^(?:{_KIDNEY}(?:\s*(?:stage\s*|g\s*)?(?:5d?|v))?|eskd|esrd|esrf|end stage (?:renal|kidney) "
    r"(?:disease|failure)|(?:kidney|renal) failure)\s+on\s+(?:haemo|hemo|peritoneal\s+)?dialysis$")
# "mag citrate", "mg glycinate", "mag 400": the nicknames of magnesium and its forms.
_MAGNESIUM_NICKNAME = re.compile(r"^(?:mag|mg)(?:\s+(.+))?$")


def notations(key: str) -> Iterator[str]:
    """Other keys that ``key`` is a notation of, most specific first."""
    nickname = _MAGNESIUM_NICKNAME.match(key)
    if nickname:
        yield f"magnesium {nickname.group(1)}" if nickname.group(1) else "magnesium"
    stage = _STAGE_AFTER.match(key) or _STAGE_BEFORE.match(key)
    if stage:
        yield f"ckd stage {_ROMAN.get(stage.group(1), stage.group(1))}"
    if _ON_DIALYSIS.match(key):
        yield "dialysis"  # "ESKD on dialysis": dialysis, which implies the rest


# Words too common to show that two names are alike ("high blood pressure" is not "high blood
# magnesium"; "vitamin D3" is not "vitamin B12"; "mag citrate" is not "esomeprazole magnesium").
_COMMON = frozenset("""
    high low blood acute chronic disease disorder syndrome deficiency stage level levels serum
    raised elevated reduced with and the of for in on oral tablet tablets capsule capsules
    supplement supplements acid vitamin extract oil magnesium calcium sodium potassium zinc iron
    citrate oxide chloride sulfate sulphate carbonate hydroxide gluconate hydrochloride type
    natural complete extra strength plus max maximum original regular advanced formula care
    health daily relief fast state status history condition problem
""".split())
_OPPOSITES = (("hypo", "hyper"), ("hyper", "hypo"), ("low", "high"), ("high", "low"))
STEM = 4  # letters two words must share at their start to be alike...
SPELLING = 80.0  # ...or how close (rapidfuzz ratio) a misspelt word must be to the whole other


def plausible_suggestion(key: str, choice: str) -> bool:
    """Whether ``choice`` (a known name) may be suggested for unrecognised ``key``: they share
    the stem of a telling word, and neither says the opposite of the other (hypo-/hyper-)."""
    words = [w for w in key.split() if w.isalpha() and len(w) >= 3]
    others = choice.split()
    for a, b in _OPPOSITES:
        if any(w.startswith(a) for w in words) and any(o.startswith(b) for o in others):
            return False
    return any(_alike(w, o) for w in words if w not in _COMMON for o in others
               if o not in _COMMON)


def _alike(word: str, other: str) -> bool:
    # "hypo-"/"hyper-" say nothing of what is low or high: the stem is what follows them.
    prefix = next((p for p in ("hyper", "hypo") if word.startswith(p)), "")
    shared = min(len(word), len(prefix) + STEM)
    return (word[:shared] == other[:shared] and len(other) >= shared) \
        or (min(len(word), len(other)) > STEM and fuzz.ratio(word, other) >= SPELLING)
