"""Elemental magnesium per day, the reading used for each item, and the intake limits (NIH ODS)."""

import json

import pytest
from typer.testing import CliRunner

from interactions.check.dose import MEQ_PER_MMOL, MG_PER_MMOL, elemental_mg_from
from interactions.cli.app import app
from interactions.models import PatientContext


def test_unit_conversions_are_exact():
    assert MG_PER_MMOL == 24.305 and MEQ_PER_MMOL == 2
    assert elemental_mg_from(1, "mmol") == 24.305
    assert elemental_mg_from(2, "mEq") == 24.305
    assert elemental_mg_from(1, "mEq") == 12.1525
    assert elemental_mg_from(1.5, "g") == 1500
    assert elemental_mg_from(500, "mcg") == 0.5


def item(checker, text, context=None):
    dose = checker.check([text], context or PatientContext()).magnesium_dose
    [only] = dose.items
    return only


@pytest.mark.parametrize("text, reading, per_day", [
    ("magnesium citrate 500 mg", "salt", 80.8),              # 500 x 0.1616
    ("Mag-Ox 400 mg BID", "salt", 482.6),                    # 400 x 241.3/400 (label) x 2
    ("magnesium oxide 400 mg", "salt", 241.2),               # 400 x 0.603 (formula)
    ("magnesium 200 mg", "elemental", 200),
    ("elemental magnesium 200 mg", "elemental", 200),
    ("magnesium (as citrate) 200 mg", "elemental", 200),
    ("Magnesium (from magnesium glycinate) 100 mg bid", "elemental", 200),
    ("Mag-Ox 400", "label", 241.3),                          # one tablet, as labelled
    ("Mag-Ox 400 2 tablets bid", "label", 965.2),
    ("Mag-Tab SR 2 caplets twice daily", "label", 336),      # 84 mg x 2 x 2
    ("Milk of Magnesia 30 mL prn", "label", 1000.3),         # 2400 mg Mg(OH)2 x 0.4168, once
    ("magnesium hydroxide 400 mg/5 mL 15 mL at bedtime", "salt", 500.2),
    ("Neomag 4 mmol tid", "elemental", 291.7),               # 4 x 24.305 x 3
    ("Mg 7 mEq", "elemental", 85.1),                         # 3.5 mmol
    ("magnesium citrate 200 mg 2 tablets bid", "salt", 129.3),
    ("magnesium glycinate 120 mg 2 caps qhs", "salt", 33.8),
    ("Epsom salt 1 g", "salt", 98.6),
])
def test_each_item_is_read_and_counted(checker, text, reading, per_day):
    dose = item(checker, text)
    assert (dose.counted, dose.reading, dose.elemental_mg_per_day) == (True, reading, per_day)


@pytest.mark.parametrize("text, why", [
    ("magnesium 400", "has no unit"),
    ("magnesium citrate", "no strength given"),
    ("Maalox 400 mg", "several ingredients"),
    ("magnesium antacid 400 mg", "unnamed magnesium salt"),
    ("magnesium hydroxide 400 mg/5 mL", "not the volume taken"),
    ("Milk of Magnesia prn", "volume taken was not given"),
    ("magnesium sulfate 2 g IV", "intravenous"),
])
def test_what_cannot_be_worked_out_is_not_counted_and_says_why(checker, text, why):
    dose = item(checker, text)
    assert not dose.counted and why in dose.explanation


def test_as_needed_and_unstated_frequencies_are_counted_once_and_say_so(checker):
    assert "as needed with no frequency: counted as 1 dose a day" in item(
        checker, "Milk of Magnesia 30 mL prn").explanation
    assert "no frequency given: counted as 1 dose a day" in item(
        checker, "magnesium 100 mg").explanation
    assert item(checker, "milk of magnesia 15 mL qid prn").doses_per_day == 4


def test_the_total_adds_every_item_and_flags_an_incomplete_count(checker):
    report = checker.check(["magnesium 100 mg bid", "Mag-Ox 400", "ZMA", "doxycycline 100 mg"])
    assert report.elemental_magnesium_mg_per_day == 441.3
    assert report.magnesium_dose.complete is False
    [dose] = [f for f in report.findings if f.kind == "dose"]
    assert "some magnesium items could not be counted" in dose.message.lower()


def test_a_list_without_magnesium_has_a_zero_total(checker):
    report = checker.check(["atorvastatin 40 mg"])
    assert report.elemental_magnesium_mg_per_day == 0 and report.magnesium_dose is None


def test_an_excipient_never_counts(checker):
    assert checker.check(["magnesium stearate 500 mg"]).magnesium_dose is None


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize("age, limit", [(2, 65), (6, 110), (9, 350), (45, 350), (None, 350)])
def test_the_upper_limit_follows_age(checker, age, limit):
    dose = checker.check(["magnesium 50 mg"], PatientContext(age=age)).magnesium_dose
    assert dose.upper_limit.mg_per_day == limit
    assert dose.upper_limit.reference.url.startswith("https://ods.od.nih.gov/")
    assert (dose.upper_limit.assumed is not None) == (age is None)


def test_no_upper_limit_is_established_under_one_year(checker):
    report = checker.check(["magnesium 500 mg"], PatientContext(age=0.5))
    assert report.magnesium_dose.upper_limit.mg_per_day is None
    assert [f for f in report.findings if f.kind == "dose"] == []


@pytest.mark.parametrize("context, rda", [
    (dict(age=45, sex="F"), 320),
    (dict(age=25, sex="M"), 400),
    (dict(age=16, sex="M"), 410),
    (dict(age=25, sex="F", pregnant=True), 350),
    (dict(age=16, sex="F", lactating=True), 360),
    (dict(age=10), 240),
    (dict(age=0.3), 30),
])
def test_the_recommended_intake_follows_age_sex_and_life_stage(checker, context, rda):
    report = checker.check(["atorvastatin"], PatientContext(**context))
    assert report.recommended_magnesium_intake.mg_per_day == rda


@pytest.mark.parametrize("context", [dict(), dict(sex="F"), dict(age=40)])
def test_no_recommended_intake_is_guessed(checker, context):
    assert checker.check(["atorvastatin"], PatientContext(**context)) \
        .recommended_magnesium_intake is None


def test_the_dose_finding_fires_only_above_the_limit(checker):
    def dose_findings(text, age=None):
        return [f for f in checker.check([text], PatientContext(age=age)).findings
                if f.kind == "dose"]

    assert dose_findings("magnesium 350 mg") == []
    assert len(dose_findings("magnesium 351 mg")) == 1
    assert dose_findings("magnesium 100 mg", age=6) == []
    assert len(dose_findings("magnesium 120 mg", age=6)) == 1


def test_mag_ox_bid_with_synthroid_reports_both_findings(checker):
    report = checker.check(["Mag-Ox 400 mg BID", "Synthroid 75 mcg"])
    assert [f.rule_id for f in report.findings] == [
        "levothyroxine-magnesium-absorption", "magnesium-supplemental-ul"]
    dose = report.findings[1]
    assert (dose.kind, dose.severity, dose.object, dose.subject.input) == (
        "dose", "moderate", None, "Mag-Ox 400 mg BID")
    assert dose.message == (
        "Supplemental magnesium adds up to 482.6 mg of elemental magnesium a day "
        "(Mag-Ox 400 mg BID: 482.6 mg/day), above the tolerable upper intake level of 350 mg/day "
        "for ages 9 y and over (age not given: the adult limit is used).")
    assert dose.references[0].url == "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"


def test_the_cli_shows_the_total_and_the_limit():
    runner = CliRunner()
    result = runner.invoke(app, ["check", "Mag-Ox 400 mg BID", "Synthroid 75 mcg"])
    assert result.exit_code == 1
    assert "levothyroxine-magnesium-absorption" in result.output
    assert "magnesium-supplemental-ul" in result.output
    assert "482.6 mg/day" in result.output and "350 mg/day" in result.output
    assert "age not given: the adult limit is used" in result.output

    as_json = runner.invoke(app, ["check", "Mag-Ox 400 mg BID", "--age", "50", "--sex", "M",
                                  "--format", "json"])
    data = json.loads(as_json.output)
    assert data["elemental_magnesium_mg_per_day"] == 482.6
    assert data["recommended_magnesium_intake"]["mg_per_day"] == 420
    assert data["magnesium_dose"]["items"][0]["reading"] == "salt"
