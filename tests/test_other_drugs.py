"""Other drug families: one-directional gaps, converted antacid-first gaps, disagreeing labels,
intravenous-only rules and drug salts that are not magnesium supplements."""

from interactions.models import PatientContext


def findings(checker, *items, **context):
    report = checker.check(list(items), PatientContext(**context))
    return [(f.rule_id, f.subject.id, f.object.id if f.object else None) for f in report.findings]


def only(checker, *items):
    [finding] = checker.check(list(items)).findings
    return finding


def test_gabapentin_is_taken_two_hours_after_the_antacid_and_no_before_gap_is_invented(checker):
    finding = only(checker, "Neurontin 300 mg TID", "Maalox")
    assert finding.rule_id == "gabapentin-magnesium-absorption"
    assert finding.object.id == "maalox-mylanta"  # the product node, which contains magnesium hydroxide
    assert finding.separation.model_dump() == {"drug_before_hours": None, "drug_after_hours": 2}
    assert finding.action == "separate"


def test_eltrombopag_keeps_both_labels_and_applies_the_stricter_gap(checker):
    finding = only(checker, "Revolade 50 mg", "magnesium citrate")
    assert finding.separation.model_dump() == {"drug_before_hours": 4, "drug_after_hours": 4}
    assert [(s.drug_before_hours, s.drug_after_hours) for s in finding.source_separations] == [
        (2, 4), (4, 4)]


def test_antacid_first_wording_is_converted_to_the_drug_direction(checker):
    # "allow at least 4 hours before or 2 hours after erlotinib" is said of the antacid
    erlotinib = only(checker, "Tarceva", "milk of magnesia")
    assert erlotinib.separation.model_dump() == {"drug_before_hours": 2, "drug_after_hours": 4}
    dasatinib = only(checker, "Sprycel", "Maalox")
    assert dasatinib.separation.model_dump() == {"drug_before_hours": 2, "drug_after_hours": 2}


def test_gastric_ph_rules_need_an_antacid_form_not_any_magnesium(checker):
    assert findings(checker, "Sprycel", "magnesium glycinate") == []
    assert findings(checker, "Sprycel", "magnesium oxide") == [
        ("dasatinib-magnesium-antacids", "sprycel", "magnesium-oxide")]


def test_intravenous_magnesium_fires_the_neuromuscular_blocker_rule(checker):
    assert findings(checker, "rocuronium", "magnesium sulfate IV") == [
        ("neuromuscular-blockers-intravenous-magnesium", "rocuronium", "magnesium-sulfate")]
    assert findings(checker, "Anectine", "magnesium sulfate injection") == [
        ("neuromuscular-blockers-intravenous-magnesium", "anectine",
         "magnesium-sulfate-injection")]


def test_oral_magnesium_never_fires_intravenous_rules(checker):
    # oral magnesium gets its own minor rule ("documented for parenteral magnesium"), never the IV one
    assert findings(checker, "rocuronium", "magnesium citrate") == [
        ("neuromuscular-blockers-oral-magnesium", "rocuronium", "magnesium-citrate")]
    assert findings(checker, "nifedipine", "magnesium citrate") == [
        ("antihypertensives-magnesium-blood-pressure", "nifedipine", "magnesium-citrate")]


def test_nifedipine_with_intravenous_magnesium_is_not_the_oral_blood_pressure_rule(checker):
    assert findings(checker, "nifedipine 10 mg", "magnesium sulfate injection") == [
        ("nifedipine-intravenous-magnesium", "nifedipine", "magnesium-sulfate-injection")]


def test_a_drugs_magnesium_salt_is_not_a_magnesium_supplement(checker):
    report = checker.check(["esomeprazole magnesium 40 mg"])
    assert [(r.id, r.kind) for r in report.resolved] == [("esomeprazole", "drug")]
    assert report.findings == []
    assert findings(checker, "esomeprazole magnesium 40 mg", "magnesium oxide") == [
        ("proton-pump-inhibitors-hypomagnesaemia", "esomeprazole", "magnesium-oxide")]


def test_calcitriol_with_magnesium_matters_only_in_dialysis(checker):
    from interactions.models import PatientContext

    assert checker.check(["Rocaltrol", "Maalox"]).findings == []
    report = checker.check(["Rocaltrol", "Maalox"], PatientContext(conditions=["haemodialysis"]))
    assert [f.rule_id for f in report.findings] == [
        "magnesium-severe-renal-impairment", "calcitriol-magnesium-dialysis-hypermagnesaemia"]
    finding = report.findings[1]
    assert (finding.subject.id, finding.object.id, finding.condition.id) == ("rocaltrol", "maalox-mylanta", "dialysis")
    assert finding.separation is None


def test_drugs_without_a_magnesium_source_stay_silent(checker):
    assert findings(checker, "Prograf", "mycophenolate", "Lanoxin") == []
