"""Several items written in one argument or cell: "doxycycline, magnesium citrate 400 mg".

One function for ``check``, ``plan`` and ``screen``, so a list means the same wherever it is
written. A whole text that names one thing (a combination product "naproxen and esomeprazole
magnesium") is kept whole by the caller before it asks here; this module only cuts.
"""

from __future__ import annotations

import re

from .parse import only_directions

# Between items: ; | + & newline, a comma (not one inside a number: "1,000 mg"), and the words
# "and", "plus", "with" ("with" not before an instruction such as "with food", which stays with
# its item); "/" between two names ("A/B", but not "400 mg/5 mL").
_INSTRUCTION_OBJECTS = r"(?:food|meals?|a meal|water|milk|juice|breakfast|lunch|dinner|supper)\b"
_SEPARATORS = re.compile(
    r"\s*(?:[;|+&\n]|(?<!\d),|,(?!\d))\s*"
    r"|\s+(?:and|plus)\s+"
    rf"|\s+with\s+(?!{_INSTRUCTION_OBJECTS})"
    r"|(?<=[a-z])\s*/\s*(?=[a-z])",
    re.I)
# A slash inside a dose ("mg/mL", "mg / 5 mL", "tablets/day") is not between items.
_DOSE_SLASH = re.compile(
    r"(?:mg|mcg|g|mmol|meq|iu|units?|tabs?|tablets?|caps?|capsules?)\s*/\s*"
    r"(?:ml|l|tsp|tbsp|day|d|dose|kg|week|wk|h|hr|hrs|hour|min)\b", re.I)


def split_items(text: str) -> list[str]:
    """The items in ``text``, in order, each as written. A piece that carries only directions
    ("twice daily", "take with food", "400 mg") belongs to the item before it (or after it, when
    it comes first), so it is never read as an item of its own."""
    if _SEPARATORS.search(text) is None:  # one piece (most texts): what the loop would give
        return [text.strip()] if text.strip() else []
    spans: list[list[int]] = []  # [start, end] of each item in ``text``
    pending: int | None = None  # start of directions written before any name
    for start, end in _pieces(text):
        if only_directions(text[start:end]):
            if spans:
                spans[-1][1] = end
            elif pending is None:
                pending = start
            continue
        spans.append([start if pending is None else pending, end])
        pending = None
    if pending is not None:  # nothing but directions: one item, which will not resolve
        spans.append([pending, len(text.rstrip())])
    return [text[start:end].strip() for start, end in spans]


def _pieces(text: str) -> list[tuple[int, int]]:
    """Spans of the text between separators (no "/" cut inside a dose)."""
    pieces, at = [], 0
    dose_slashes = [m.span() for m in _DOSE_SLASH.finditer(text)]
    for match in _SEPARATORS.finditer(text):
        if "/" in match.group(0) and any(a <= match.start() < b for a, b in dose_slashes):
            continue
        if text[at:match.start()].strip():
            pieces.append((at, match.start()))
        at = match.end()
    if text[at:].strip():
        pieces.append((at, len(text)))
    return pieces
