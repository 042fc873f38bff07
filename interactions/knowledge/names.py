"""The one normalising function every name, brand and code goes through."""

from __future__ import annotations

import re
import unicodedata

_DROP = re.compile(r"['’`®™©]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "Phillips' Milk-of-Magnesia®" ->
    "phillips milk of magnesia". Idempotent."""
    if not text.isascii():  # ASCII has no accents to take off (most names: skip the walk)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = _DROP.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()


def slug(text: str) -> str:
    """A kebab-case node id for a generated node (a brand): "Mag-Ox 400" -> "mag-ox-400"."""
    return normalize(text).replace(" ", "-")
