"""Codes as input, class membership by ATC code, and silence where the sources say nothing."""

import shutil

import pytest
from conftest import FIXTURES

from interactions.check.engine import Checker
from interactions.knowledge.index import load_index


def rule_ids(report):
    return sorted({f.rule_id for f in report.findings})


@pytest.mark.parametrize("code, node, match", [
    ("J01AA02", "doxycycline", "code"),
    ("j01aa02", "doxycycline", "code"),          # case does not matter
    (" J01MA12 ", "levofloxacin", "code"),
    ("J01MA", "fluoroquinolones", "code"),      # an ATC class prefix
    ("M05BA", "bisphosphonates", "code"),
    ("C03CA01", "furosemide", "code"),
    ("A12CC04", "magnesium-citrate", "code"),
    ("N18.4", "ckd-stage-4", "code"),           # ICD-10-CM for a condition
])
def test_codes_resolve_to_their_node(checker, code, node, match):
    entry = checker.resolver.resolve(code)
    assert (entry.id, entry.match) == (node, match)


@pytest.mark.parametrize("code, klass, rule", [
    ("J01AA99", "tetracyclines", "tetracyclines-magnesium-chelation"),
    ("J01MA99", "fluoroquinolones", "fluoroquinolones-magnesium-chelation"),
    ("M05BA99", "bisphosphonates", "bisphosphonates-magnesium-absorption"),
    ("C03CA99", "loop-diuretics", "loop-diuretics-magnesium-loss"),
    ("C03AA99", "thiazide-diuretics", "thiazide-diuretics-magnesium-loss"),
    ("C03DA99", "potassium-sparing-diuretics", "potassium-sparing-diuretics-magnesium-retention"),
    ("C09AA99", "ace-inhibitors", "antihypertensives-magnesium-blood-pressure"),
    ("C09CA99", "angiotensin-receptor-blockers", "antihypertensives-magnesium-blood-pressure"),
    ("C07AB99", "beta-blockers", "antihypertensives-magnesium-blood-pressure"),
])
def test_an_unlisted_drug_is_caught_by_its_atc_class(checker, code, klass, rule):
    report = checker.check([code, "magnesium oxide"])
    assert [(r.id, r.match) for r in report.resolved] == [(klass, "code-class"), ("magnesium-oxide", "exact")]
    assert rule in rule_ids(report)


def test_a_class_code_without_a_class_rule_gives_no_finding(checker):
    # H03AA: thyroid hormones; the rule is on levothyroxine only (liothyronine's label is silent).
    report = checker.check(["H03AA99", "magnesium oxide"])
    assert [(r.id, r.match) for r in report.resolved][0] == ("thyroid-hormones", "code-class")
    assert report.findings == [] and report.unrecognized == []


def test_a_code_outside_every_class_is_unrecognised_not_dropped(checker):
    report = checker.check(["Z99ZZ99", "magnesium oxide"])
    assert [u.input for u in report.unrecognized] == ["Z99ZZ99"]
    assert report.exit_code == 3  # unrecognised only


# ------------------------------------------------------------------------- precision

@pytest.fixture(scope="module")
def with_common_drugs(tmp_path_factory) -> Checker:
    """The minimal rules plus drugs the sources name no magnesium interaction for."""
    folder = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(FIXTURES / "minimal_rules", folder)
    (folder / "common.toml").write_text("".join(
        f'[[entity]]\nid = "{d}"\nkind = "drug"\nname = "{d.title()}"\n\n'
        for d in ("atorvastatin", "metformin", "sertraline")))
    return Checker(load_index(folder, use_cache=False))


@pytest.mark.parametrize("drug", ["atorvastatin 20 mg", "metformin 500 mg BID", "sertraline"])
def test_drugs_without_a_magnesium_interaction_give_no_finding(with_common_drugs, drug):
    report = with_common_drugs.check([drug, "magnesium oxide 400 mg", "Mag-Ox 400"])
    assert report.findings == [] and report.unrecognized == []
    assert report.exit_code == 0


def test_no_finding_for_them_alongside_a_real_interaction(with_common_drugs):
    report = with_common_drugs.check(["atorvastatin", "metformin", "sertraline", "Cipro", "magnesium oxide"])
    assert [(f.rule_id, f.subject.id) for f in report.findings] == [("quinolones-magnesium", "cipro")]


def test_bundled_rules_never_turn_an_unknown_drug_into_a_finding(checker):
    report = checker.check(["atorvastatin", "metformin", "sertraline", "magnesium citrate"])
    assert report.findings == []
    assert all(u.input in {"atorvastatin", "metformin", "sertraline"} for u in report.unrecognized)
