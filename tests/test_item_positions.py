"""What an item position may hold, and that nothing written there is lost.

Several items in one argument, a condition or eGFR written among the items, kidney disease in any
notation, magnesium products by nickname and brand, and "did you mean" that never misleads.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions import InputError, PatientContext
from interactions.check.split import split_items

FIXTURES = Path(__file__).parent / "fixtures"


def _phrasings():
    rows = []
    for line in (FIXTURES / "real_world_phrasings.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("arguments\t"):
            continue
        arguments, egfr, findings, unrecognised = (line.split("\t") + ["", ""])[:4]
        rows.append((arguments, egfr.strip(), findings, unrecognised))
    return rows


PHRASINGS = _phrasings()


def _found(report):
    return (", ".join(sorted({f.rule_id for f in report.findings})) or "-",
            " | ".join(u.input for u in report.unrecognized))


@pytest.mark.parametrize("arguments, egfr, findings, unrecognised", PHRASINGS,
                         ids=[row[0] for row in PHRASINGS])
def test_a_real_world_phrasing(checker, arguments, egfr, findings, unrecognised):
    report = checker.check(arguments.split(" || "),
                           PatientContext(egfr=float(egfr) if egfr else None))
    assert _found(report) == (findings, unrecognised)


def test_the_table_covers_every_kind_of_phrasing():
    assert len(PHRASINGS) >= 50


# ------------------------------------------------------------------ several items in one

@pytest.mark.parametrize("text, items", [
    ("doxycycline, magnesium citrate 400 mg", ["doxycycline", "magnesium citrate 400 mg"]),
    ("doxycycline; magnesium citrate", ["doxycycline", "magnesium citrate"]),
    ("doxycycline + magnesium citrate", ["doxycycline", "magnesium citrate"]),
    ("doxycycline and magnesium citrate", ["doxycycline", "magnesium citrate"]),
    ("doxycycline with magnesium citrate", ["doxycycline", "magnesium citrate"]),
    ("ciprofloxacin 500 mg / Mg oxide 400 mg", ["ciprofloxacin 500 mg", "Mg oxide 400 mg"]),
    # directions stay with their item, and numbers and doses are never cut
    ("doxycycline with food", ["doxycycline with food"]),
    ("doxycycline 100 mg, take with food", ["doxycycline 100 mg, take with food"]),
    ("Mag-Ox 400, 1 tab BID", ["Mag-Ox 400, 1 tab BID"]),
    ("magnesium glycinate 1,000 mg", ["magnesium glycinate 1,000 mg"]),
    ("magnesium hydroxide 400 mg/5 mL 15 mL", ["magnesium hydroxide 400 mg/5 mL 15 mL"]),
    ("take with food, doxycycline", ["take with food, doxycycline"]),
])
def test_split_items(text, items):
    assert split_items(text) == items


def test_a_split_item_says_where_it_came_from(checker):
    report = checker.check(["doxycycline, magnesium citrate 400 mg"])
    assert [(r.id, r.input) for r in report.resolved] == [
        ("doxycycline", "doxycycline"), ("magnesium-citrate", "magnesium citrate 400 mg")]
    assert report.resolved[1].strength == 400
    assert "one of 2 items read from 'doxycycline, magnesium citrate 400 mg'" in report.resolved[0].notes


def test_a_combination_product_named_as_a_whole_stays_one_item(checker):
    report = checker.check(["naproxen and esomeprazole magnesium"])
    assert [r.id for r in report.resolved] == ["naproxen-esomeprazole"]


KNOWN = ["doxycycline 100 mg", "magnesium citrate 400 mg", "levofloxacin", "Mag-Ox 400",
         "furosemide 40 mg", "alendronate 70 mg", "levothyroxine 75 mcg", "milk of magnesia",
         "calcium carbonate", "lisinopril 10 mg", "ferrous sulfate 325 mg"]
SEPARATORS = [", ", "; ", " + ", " and ", " & ", " | ", "\n", ",", ";"]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(KNOWN), st.sampled_from(KNOWN), st.sampled_from(SEPARATORS))
def test_two_items_in_one_argument_find_what_they_find_apart(checker, first, second, separator):
    apart = checker.check([first, second])
    together = checker.check([first + separator + second])
    assert _found(together) == _found(apart)
    assert [r.id for r in together.resolved] == [r.id for r in apart.resolved]


CONDITIONS = ["CKD stage 4", "dialysis", "N18.4", "pregnancy", "hypermagnesemia", "CKD",
              "kidney disease", "ESKD", "myasthenia gravis"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=3), st.sampled_from(CONDITIONS))
def test_a_condition_as_an_item_counts_as_given_with_condition(checker, items, condition):
    as_item = checker.check([*items, condition])
    as_option = checker.check(items, PatientContext(conditions=[condition]))
    assert _found(as_item) == _found(as_option)
    assert [c.id for c in as_item.conditions] == [c.id for c in as_option.conditions]
    assert any(condition in note for note in as_item.notes)


def test_an_egfr_written_as_an_item_is_the_egfr(checker):
    report = checker.check(["magnesium oxide 400 mg", "eGFR 22"])
    assert [c.id for c in report.conditions] == ["ckd-stage-4"]
    assert report.notes == ["'eGFR 22' written among the items: used as the eGFR"]


def test_an_empty_item_is_an_input_error(checker):
    with pytest.raises(InputError, match="item 2 is empty"):
        checker.check(["doxycycline", "  "])


def test_an_empty_item_on_the_command_line_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "interactions", "check", "doxycycline", ""],
                            capture_output=True, text=True)
    assert (result.returncode, result.stderr.strip()) == (
        2, "Error: item 2 is empty: give a medication, supplement or condition")


# ------------------------------------------------------------------ kidney disease, no stage

def test_kidney_disease_without_a_stage_is_never_silent(checker):
    report = checker.check(["magnesium oxide 400 mg"], PatientContext(conditions=["CKD"]))
    [finding] = report.findings
    assert (finding.rule_id, finding.severity, finding.action) == (
        "magnesium-kidney-disease-stage-unknown", "major", "avoid")
    assert "eGFR" in finding.management
    assert report.exit_code == 1


def test_once_the_stage_is_known_the_stage_decides(checker):
    for context in (PatientContext(conditions=["CKD"], egfr=25),
                    PatientContext(conditions=["CKD", "CKD stage 4"])):
        assert [f.rule_id for f in checker.check(["magnesium oxide"], context).findings] == [
            "magnesium-severe-renal-impairment"]


# ------------------------------------------------------------------ suggestions that do not mislead

@pytest.mark.parametrize("text, wrong", [
    ("omega-3 fatty acid blend", "Omeprazole"), ("melatonine gummies", "Eltroxin"),
    ("3640", "Severe renal impairment (GFR below 30 mL/min)"),
    ("Magnificent Mg Blend", "Esomeprazole"),
])
def test_a_suggestion_shares_a_real_stem(checker, text, wrong):
    assert wrong not in checker.resolver.resolve(text).suggestions


def test_a_suggestion_is_never_the_opposite(checker):
    from interactions.check.notation import plausible_suggestion

    assert not plausible_suggestion("hypomagnesemia", "hypermagnesaemia")
    assert not plausible_suggestion("hypermagnesemia", "hypomagnesaemia")
    report = checker.check(["magnesium oxide"],
                           PatientContext(conditions=["hypomagnesium levels low"]))
    [unknown] = report.unrecognized  # not vacuous: the text is unknown and gets suggestions
    assert unknown.suggestions and not any(s.lower().startswith("hyper")
                                           for s in unknown.suggestions)


def test_a_generic_word_shared_is_no_reason_to_suggest(checker):
    report = checker.check(["magnesium oxide"], PatientContext(conditions=["hypomagnesemic state"]))
    assert report.unrecognized[0].suggestions == ["Hypomagnesaemia"]  # not "Anxiety" (state)


def test_a_misspelling_still_gets_its_suggestion(checker):
    assert "Magnesium glycinate" in checker.resolver.resolve("magnesium glyconate").suggestions


# ------------------------------------------------------------------ plan reads the list as check does

def test_plan_reads_several_items_and_conditions_as_check_does(checker):
    from interactions.plan import plan

    day = plan(checker, ["doxycycline, magnesium citrate 400 mg", "CKD stage 4"])
    assert [(n.item.input, n.rule_id) for n in day.not_placed] == [
        ("magnesium citrate 400 mg", "magnesium-severe-renal-impairment")]
    assert {d.item.id for d in day.doses} == {"doxycycline"}
