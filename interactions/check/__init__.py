"""Checking one list: parse what people write, resolve names, count magnesium, apply the rules."""

from .dose import magnesium_dose
from .engine import Checker, check
from .examples import run_all as run_examples
from .parse import ParsedItem, parse_item
from .resolve import Resolver

__all__ = [
    "Checker", "ParsedItem", "Resolver", "check", "magnesium_dose", "parse_item", "run_examples",
]
