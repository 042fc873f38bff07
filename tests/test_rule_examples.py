"""Every rule's own examples are tests: lists on which it must fire, and lists on which it must not."""

import pytest

from interactions.check.engine import Checker
from interactions.check.examples import cases, missing_examples, run_case
from interactions.knowledge.index import load_index

CHECKER = Checker(load_index())
CASES = cases(CHECKER)


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_rule_example(case):
    assert run_case(CHECKER, case) is None


def test_every_rule_has_examples_of_both_kinds():
    assert missing_examples(CHECKER) == []


def test_there_are_rules_to_test():
    assert len(CHECKER.index.rules) >= 10 and len(CASES) >= 40
