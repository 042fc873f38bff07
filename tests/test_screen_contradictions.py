"""A patient row that cannot be true (pregnant and male, pregnant at age 5) is rejected with the
reason ``check`` gives for it, its line number kept, and the rest of the file screened."""

import csv

import pytest

from interactions.errors import InputError
from interactions.screen import ScreenOptions, screen_file, screen_records

WIDE = """patient_id,age,sex,pregnant,medications
P1,34,F,yes,doxycycline; magnesium citrate
P2,40,M,yes,doxycycline; magnesium citrate
P3,5,F,yes,levothyroxine; magnesium oxide
P4,51,M,no,levothyroxine; magnesium oxide
"""
LONG = """patient_id,age,sex,pregnant,medication
P1,34,F,yes,doxycycline
P1,34,F,yes,magnesium citrate
P2,40,M,,doxycycline
P2,40,M,yes,magnesium citrate
P4,51,M,no,levothyroxine
P4,51,M,no,magnesium oxide
"""


def _screen(tmp_path, text, name):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out, rejects = tmp_path / "findings.csv", tmp_path / "rejects.csv"
    result = screen_file(source, out, rejects=rejects, options=ScreenOptions())
    with out.open(newline="") as fh:
        patients = {row["patient_id"] for row in csv.DictReader(fh)}
    with rejects.open(newline="") as fh:
        rejected = [(row["line"], row["reason"]) for row in csv.DictReader(fh)]
    return result, patients, rejected


def test_a_pregnant_male_or_a_pregnant_child_is_rejected_in_the_wide_layout(tmp_path):
    result, patients, rejected = _screen(tmp_path, WIDE, "wide.csv")
    assert patients == {"P1", "P4"}
    assert rejected == [
        ("3", "the patient is given as pregnant and as male; check the sex or the pregnant flag"),
        ("4", "the patient is given as pregnant at age 5; check the age or the pregnant flag")]
    assert (result.rows_read, result.patients, result.rows_rejected) == (4, 2, 2)


def test_a_patients_rows_that_pool_to_a_contradiction_are_all_rejected_in_the_long_layout(
        tmp_path):
    result, patients, rejected = _screen(tmp_path, LONG, "long.csv")
    assert patients == {"P1", "P4"}
    why = "the patient is given as pregnant and as male; check the sex or the pregnant flag"
    assert rejected == [("4", why), ("5", why)]
    assert (result.rows_read, result.rows_screened, result.rows_rejected) == (6, 4, 2)


def test_screen_records_refuses_a_contradiction_naming_the_record(checker):
    with pytest.raises(InputError, match="record 1: the patient is given as pregnant and as male"):
        list(screen_records([{"patient_id": "P", "medications": "doxycycline", "sex": "M",
                              "pregnant": "yes"}], checker))
