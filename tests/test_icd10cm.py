"""Every ICD-10-CM code and official title is a condition: the rules' node where the rules name
the code or a code above it, else a condition of its own that no rule concerns."""

import csv
import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from interactions.knowledge import bundled_rules_dir, icd10cm, normalize
from interactions.models import PatientContext
from interactions.screen import screen_records

ROOT = Path(__file__).parent.parent
DATA = bundled_rules_dir() / icd10cm.FILE


def data_rows():
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]


# --- the data file -------------------------------------------------------------------------------

def test_the_data_file_holds_every_code_with_its_title_and_says_where_it_comes_from():
    rows = data_rows()
    assert len(rows) == 98_147  # categories, subcategories and 7th-character codes, April 2026
    assert all(len(row) == 3 for row in rows)
    by_code = {code: title for code, title, _ in rows}
    assert by_code["E11.9"] == "Type 2 diabetes mellitus without complications"
    assert by_code["I10"] == "Essential (primary) hypertension"
    assert by_code["E83.42"] == "Hypomagnesemia"
    assert by_code["E11"] == "Type 2 diabetes mellitus"  # header codes too
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        header = fh.readline()
    assert "public domain" in header and "simple-icd-10-cm 1.5.0 (MIT licence)" in header


def test_the_stored_keys_are_the_normalised_titles():
    """The keys spare the lazy load any per-title work; they must be what normalize gives."""
    assert [key for _, _, key in data_rows()] == [normalize(title) for _, title, _ in data_rows()]


def test_the_data_file_is_what_the_build_script_makes():
    pytest.importorskip("simple_icd_10_cm")
    done = subprocess.run([sys.executable, "scripts/build_icd10cm.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr


# --- the vocabulary ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "found"), [
    ("E11.9", ("E11.9", "code")),
    ("e11.9", ("E11.9", "code")),
    ("E119", ("E11.9", "code")),  # as in the CMS order file
    (" H40.10X0 ", ("H40.10X0", "code")),
    ("Type 2 diabetes mellitus with diabetic mononeuropathy", ("E11.41", "exact")),
    ("type 2 diabetes mellitus, with diabetic mononeuropathy", ("E11.41", "exact")),
    ("Other viral enteritis", ("A08.39", "exact")),  # A08.3 and A08.39 share it: the specific one
    ("E11.999", None),  # code-shaped, not a code
    ("Type 2 diabetes mellitus with diabetic mononeuropath", None),  # exact titles only
    ("J01AA02", None),  # an ATC code
])
def test_lookup(text, found):
    assert icd10cm.vocabulary().lookup(text) == found


def test_parents_nearest_first():
    assert list(icd10cm.parents("E11.649")) == ["E11.64", "E11.6", "E11"]
    assert list(icd10cm.parents("H40.10X0")) == ["H40.10X", "H40.10", "H40.1", "H40"]
    assert list(icd10cm.parents("I10")) == []


# --- resolving a condition ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "node", "name", "match"), [
    ("E11.9", "type-2-diabetes", "Type 2 diabetes", "code"),  # the rules' own code
    ("E83.42", "hypomagnesaemia", "Hypomagnesaemia", "code"),
    ("E8342", "hypomagnesaemia", "Hypomagnesaemia", "code"),  # dotless: through the vocabulary
    ("K56.0", "bowel-obstruction", "Bowel obstruction", "code"),  # a child of the rules' K56
    ("Paralytic ileus", "bowel-obstruction", "Bowel obstruction", "exact"),  # K56.0's title
    ("I13.1", "chronic-kidney-disease", "Chronic kidney disease", "code"),  # under I13
    ("E11.649", "icd10cm-e11-649", "Type 2 diabetes mellitus with hypoglycemia without coma", "code"),
    ("type 2 diabetes mellitus with diabetic mononeuropathy", "icd10cm-e11-41",
     "Type 2 diabetes mellitus with diabetic mononeuropathy", "exact"),
    ("J45.991", "icd10cm-j45-991", "Cough variant asthma", "code"),
])
def test_every_code_and_title_is_a_condition(checker, text, node, name, match):
    entry = checker.resolver.resolve_condition(text)
    assert (entry.id, entry.resolved_name, entry.kind, entry.match) == (node, name, "condition", match)


def test_how_a_code_was_read_is_noted(checker):
    assert checker.resolver.resolve_condition("K56.0").notes == [
        "ICD-10-CM K56.0 (Paralytic ileus) is under K56: read as Bowel obstruction"]
    assert checker.resolver.resolve_condition("E11.649").notes == [
        "ICD-10-CM E11.649: no rule concerns this condition"]


def test_a_code_shaped_text_that_is_no_code_stays_unrecognised(checker):
    report = checker.check(["magnesium oxide"], PatientContext(conditions=["E11.999"]))
    assert [u.input for u in report.unrecognized] == ["E11.999"]


def test_the_vocabulary_is_read_only_when_the_rules_do_not_name_an_item_or_condition():
    code = ("from interactions import Checker, PatientContext\n"
            "from interactions.knowledge import icd10cm\n"
            "c = Checker()\n"
            "c.check(['doxycycline', 'magnesium citrate 400 mg', 'furosimide'],\n"
            "        PatientContext(conditions=['N18.4', 'hypertension', 'E11.9'], egfr=25))\n"
            "print(icd10cm.vocabulary.cache_info().currsize)\n"
            "c.check(['magnesium oxide'], PatientContext(conditions=['E11.649']))\n"
            "print(icd10cm.vocabulary.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["0", "1"]
    # An item the rules do not name may be a code or title written among the items.
    unknown = code.replace("furosimide", "xyzzy")
    done = subprocess.run([sys.executable, "-c", unknown], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["1", "1"]


# --- checking and screening with such a condition ---------------------------------------------------

def test_a_condition_no_rule_concerns_is_checked_and_changes_nothing(checker):
    items = ["doxycycline", "magnesium oxide 400 mg", "furosemide"]
    plain = checker.check(items, PatientContext(egfr=25))
    coded = checker.check(items, PatientContext(egfr=25, conditions=["E11.649", "Cough variant asthma"]))
    assert coded.unrecognized == []
    assert [(c.input, c.id, c.match) for c in coded.conditions[:2]] == [
        ("E11.649", "icd10cm-e11-649", "code"), ("Cough variant asthma", "icd10cm-j45-991", "exact")]
    assert coded.findings == plain.findings


def test_a_child_code_fires_the_rules_of_the_code_above_it(checker):
    report = checker.check(["milk of magnesia"], PatientContext(conditions=["K56.0"]))
    assert [(f.rule_id, f.condition.id, f.condition.input) for f in report.findings
            if f.kind == "drug-condition"] == [
        ("magnesium-hydroxide-acute-gastrointestinal-conditions", "bowel-obstruction", "K56.0")]


def test_a_code_written_among_the_items_is_a_condition(checker):
    report = checker.check(["magnesium oxide", "E11.649", "Other iron deficiency anemias",
                            "Refractory anemia, unspecified"])  # a comma, yet one title
    assert [r.input for r in report.resolved] == ["magnesium oxide"]
    assert [(c.input, c.id) for c in report.conditions] == [
        ("E11.649", "icd10cm-e11-649"), ("Other iron deficiency anemias", "icd10cm-d50-8"),
        ("Refractory anemia, unspecified", "icd10cm-d46-4")]
    assert report.unrecognized == []


def test_screen_records_accepts_any_code(checker):
    [found] = screen_records([{"patient_id": "A", "medications": "magnesium oxide; doxycycline",
                               "conditions": "E11.9; E11.649; J45.991"}], checker)
    assert found.report.unrecognized == []
    assert [c.id for c in found.report.conditions] == [
        "type-2-diabetes", "icd10cm-e11-649", "icd10cm-j45-991"]


def test_screen_does_not_flag_a_code_unrecognised(tmp_path):
    source = tmp_path / "p.csv"
    source.write_text("patient_id,egfr,conditions,medications\n"
                      "A,,E11.9,magnesium oxide 400 mg; doxycycline\n"
                      "B,22.5,E11.649; N18.4,magnesium oxide\n"
                      "C,,E11.999,magnesium oxide\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "interactions", "screen", str(source), "-o",
                           str(tmp_path / "f.csv"), "--summary", str(tmp_path / "s.csv")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    with open(tmp_path / "s.csv", newline="", encoding="utf-8") as fh:
        summary = {row["patient_id"]: row for row in csv.DictReader(fh)}
    assert [(p, summary[p]["unrecognised"], summary[p]["unrecognised_items"]) for p in "ABC"] == [
        ("A", "0", ""), ("B", "0", ""), ("C", "1", "E11.999")]
    with open(tmp_path / "f.csv", newline="", encoding="utf-8") as fh:
        rules = {(row["patient_id"], row["rule_id"]) for row in csv.DictReader(fh)}
    assert ("A", "tetracyclines-magnesium-chelation") in rules
    assert ("B", "magnesium-severe-renal-impairment") in rules
