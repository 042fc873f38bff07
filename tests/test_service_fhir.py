"""FHIR R4 in and out: Bundles read into items and context; findings written as DetectedIssue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import FIXTURES

from interactions.errors import InputError
from interactions.fhir import (
    FhirReader,
    check_bundle,
    detected_issues_bundle,
    load_bundle,
    read_bundle,
    resources_of,
)

BUNDLE = FIXTURES / "fhir" / "doxycycline-magnesium-ckd4.json"
TODAY = dt.date(2026, 12, 3)


def bundle(*resources) -> dict:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def statement(text, rid="m1", status="active", **more):
    return {"resourceType": "MedicationStatement", "id": rid, "status": status,
            "medicationCodeableConcept": {"text": text}, **more}


def read(checker, *resources):
    return FhirReader(checker.resolver, today=TODAY).read(resources_of(bundle(*resources)))


def test_the_fixture_bundle_reads_as_items_and_context(checker):
    source = FhirReader(checker.resolver, today=TODAY).read(resources_of(load_bundle(BUNDLE)))
    assert source.items == ["doxycycline hyclate 100 MG Oral Capsule 1 capsule 2x daily",
                            "magnesium citrate 400 mg 1x daily"]
    ctx = source.context
    assert (ctx.age, ctx.sex, ctx.egfr, ctx.conditions) == (75.0, "F", 24.0, ["N18.4"])
    assert source.egfr_reference == "Observation/obs-egfr"
    assert source.patient_reference == "Patient/pat-1288992"


def test_check_bundle_gives_the_findings_check_gives(checker):
    report, source = check_bundle(checker, load_bundle(BUNDLE))
    same = checker.check(source.items, source.context)
    assert report == same
    assert [f.rule_id for f in report.findings] == [
        "magnesium-severe-renal-impairment", "tetracyclines-magnesium-chelation"]


def test_detected_issues_are_valid_fhir_r4(checker):
    fhir_models = pytest.importorskip("fhir.resources.R4B.bundle")
    from fhir.resources.R4B.detectedissue import DetectedIssue
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    report, source = check_bundle(checker, load_bundle(BUNDLE))
    out = detected_issues_bundle(report, source)
    fhir_models.Bundle.model_validate(out)
    kidney, chelation = (e["resource"] for e in out["entry"])
    for issue in (kidney, chelation):
        DetectedIssue.model_validate(issue)
    assert kidney["severity"] == "high" and chelation["severity"] == "high"
    assert kidney["code"]["coding"][0]["code"] == "COND"
    assert chelation["code"]["coding"][0]["code"] == "DRG"
    assert chelation["implicated"] == [
        {"reference": "MedicationRequest/draft-doxycycline",
         "display": "doxycycline hyclate 100 MG Oral Capsule 1 capsule 2x daily"},
        {"reference": "MedicationStatement/ms-magnesium", "display": "magnesium citrate 400 mg 1x daily"}]
    assert chelation["mitigation"][0]["action"]["text"].endswith(
        "Take Doxycycline at least 2 h before or 6 h after Magnesium citrate.")
    assert chelation["reference"] == "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"
    assert chelation["patient"] == {"reference": "Patient/pat-1288992"}
    assert "Mechanism: Magnesium (like calcium" in chelation["detail"]
    assert "evidence: label" in chelation["evidence"][0]["code"][0]["text"]
    # ids are stable, so a re-run names the same issue
    assert detected_issues_bundle(report, source)["entry"][1]["resource"]["id"] == chelation["id"]

    report = checker.check(["zorblatex"])
    out = detected_issues_bundle(report)
    [entry] = out["entry"]
    OperationOutcome.model_validate(entry["resource"])
    assert entry["resource"]["issue"][0]["diagnostics"].startswith(
        "'zorblatex' is not recognised and was not checked")


def test_severities_map_to_high_moderate_low(checker):
    report = checker.check(["levothyroxine", "magnesium oxide"])
    out = detected_issues_bundle(report)
    assert {e["resource"]["severity"] for e in out["entry"]} == {"moderate"}


def test_snomed_only_conditions_and_fully_specified_names_are_read(checker):
    snomed = {"resourceType": "Condition", "id": "c1", "code": {"coding": [
        {"system": "http://snomed.info/sct", "code": "431857002"}]}}
    tagged = {"resourceType": "Condition", "id": "c2",
              "code": {"coding": [{"system": "http://snomed.info/sct", "code": "999",
                                   "display": "Myasthenia gravis (disorder)"}]}}
    # The display as sent resolves (its tag is read as written beside the name).
    context = read(checker, snomed, tagged).context
    assert context.conditions == ["N18.4", "Myasthenia gravis (disorder)"]
    assert checker.check(["magnesium oxide"], context).findings


def test_resolved_refuted_and_abated_conditions_are_left_out(checker):
    def condition(**more):
        return {"resourceType": "Condition", "code": {"text": "CKD stage 4"}, **more}
    status = {"coding": [{"code": "resolved"}]}
    refuted = {"coding": [{"code": "refuted"}]}
    assert read(checker, condition(clinicalStatus=status), condition(verificationStatus=refuted),
                condition(abatementDateTime="2020-01-01")).context.conditions == []


def test_the_latest_valid_egfr_counts(checker):
    def egfr(value, when, code="62238-1", status="final", unit="mL/min/{1.73_m2}", **quantity):
        return {"resourceType": "Observation", "status": status, "effectiveDateTime": when,
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "valueQuantity": {"value": value, "code": unit, **quantity}}
    source = read(checker, egfr(50, "2026-01-01"), egfr(28, "2026-06-01"),
                  egfr(10, "2026-11-01", status="entered-in-error"),
                  egfr(5, "2026-11-02", code="2160-0"))
    assert source.context.egfr == 28
    assert read(checker, egfr(0.5, "2026-01-01", unit="mL/s/{1.73_m2}")).context.egfr == 30
    below = read(checker, egfr(15, "2026-01-01", comparator="<")).context.egfr
    assert below < 15
    assert read(checker, egfr(60, "2026-01-01", unit="g/dL")).context.egfr is None


def test_patient_and_pregnancy(checker):
    patient = {"resourceType": "Patient", "gender": "female", "birthDate": "1990-12-04"}
    pregnancy = {"resourceType": "Observation", "status": "final",
                 "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
                 "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct",
                                                      "code": "77386006"}]}}
    ctx = read(checker, patient, pregnancy).context
    assert (ctx.age, ctx.sex, ctx.pregnant) == (35.0, "F", True)
    assert read(checker, {"resourceType": "Patient", "gender": "unknown"}).context.sex is None


def test_medication_by_reference_contained_or_in_the_bundle(checker):
    med = {"resourceType": "Medication", "id": "med1", "code": {"coding": [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1",
         "display": "Ciprofloxacin 500 MG Oral Tablet"}]}}
    by_ref = {"resourceType": "MedicationRequest", "id": "r1", "status": "active",
              "medicationReference": {"reference": "Medication/med1"}}
    contained = {"resourceType": "MedicationRequest", "id": "r2", "status": "active",
                 "contained": [{"resourceType": "Medication", "id": "m",
                                "code": {"text": "Maalox"}}],
                 "medicationReference": {"reference": "#m"}}
    display_only = {"resourceType": "MedicationRequest", "id": "r3", "status": "active",
                    "medicationReference": {"display": "levothyroxine 50 mcg"}}
    assert read(checker, med, by_ref, contained, display_only).items == [
        "Ciprofloxacin 500 MG Oral Tablet", "Maalox", "levothyroxine 50 mcg"]


def test_a_medication_with_no_name_is_not_dropped(checker):
    coded = {"resourceType": "MedicationRequest", "id": "r9", "status": "active",
             "medicationCodeableConcept": {"coding": [
                 {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "999999"}]}}
    empty = {"resourceType": "MedicationStatement", "id": "s9", "status": "active"}
    items = read(checker, coded, empty).items
    assert items == ["MedicationRequest code 999999", "MedicationStatement s9 (no medication name or code)"]
    report = checker.check(items)
    assert [u.input for u in report.unrecognized] == items


def test_intravenous_route_and_stopped_statements(checker):
    iv = statement("magnesium sulfate 2 g", dosage=[{"route": {"coding": [
        {"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous"}]}}])
    stopped = statement("doxycycline", rid="m2", status="stopped")
    entry = checker.resolver.resolve(read(checker, iv, stopped).items[0])
    assert read(checker, iv, stopped).items == ["magnesium sulfate 2 g IV"]
    assert entry.route == "intravenous"


def test_what_the_parser_would_not_read_is_not_added(checker):
    odd = statement("magnesium citrate 200 mg", dosage=[{"doseAndRate": [
        {"doseQuantity": {"value": 2, "unit": "puffs"}}],
        "timing": {"repeat": {"frequency": 3, "period": 7, "periodUnit": "d"}}}])
    assert read(checker, odd).items == ["magnesium citrate 200 mg"]


NOT_FHIR = [
    ([], "bundle: expected a FHIR resource (a JSON object), got list"),
    ({"entry": []}, "bundle: no 'resourceType'; expected a FHIR R4 Bundle or resource"),
    ({"resourceType": "Medicationrequest"},
     "bundle: unknown FHIR resource type 'Medicationrequest'; expected an R4 resource such as "
     "Bundle, MedicationRequest or Condition"),
    ({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "X"}}]}}]},
     "bundle entry 0 entry 0: unknown FHIR resource type 'X'; expected an R4 resource such as "
     "Bundle, MedicationRequest or Condition"),
    ({"resourceType": "Bundle", "entry": ["x"]}, "bundle: entry 0 must be an object with a 'resource'"),
]


@pytest.mark.parametrize("data,message", NOT_FHIR)
def test_what_is_not_fhir_r4_is_refused_with_where(checker, data, message):
    with pytest.raises(InputError) as caught:
        read_bundle(checker, data)
    assert str(caught.value) == message


def test_load_bundle_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle",\n  "entry": [}')
    with pytest.raises(InputError) as caught:
        load_bundle(bad)
    assert str(caught.value) == f"{bad}: not valid JSON at line 2, column 13: Expecting value"
    with pytest.raises(InputError) as caught:
        load_bundle(tmp_path / "missing.json")
    assert str(caught.value) == f"{tmp_path / 'missing.json'}: cannot read the FHIR file (No such file or directory)"
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"resourceType": "Nope"}))
    with pytest.raises(InputError, match="unknown FHIR resource type 'Nope'"):
        load_bundle(odd)


# -- what `interactions check --fhir` and `--format fhir` call -------------------------------------

def test_check_bundle_adds_command_line_items_and_context(checker):
    from interactions.models import PatientContext

    given = PatientContext(conditions=["dialysis"], egfr=None, age=None, sex=None, pregnant=False)
    report, source = check_bundle(checker, load_bundle(BUNDLE), ["levothyroxine"], given)
    assert source.context.egfr == 24.0 and source.context.sex == "F"  # kept from the Bundle
    assert source.context.conditions == ["N18.4", "dialysis"]
    assert "levothyroxine" in [r.input for r in report.resolved]
    _, source = check_bundle(checker, load_bundle(BUNDLE), (), PatientContext(egfr=60, age=40))
    assert (source.context.egfr, source.context.age) == (60, 40)


def test_fhir_json_is_the_detected_issue_bundle(checker):
    from interactions.fhir import fhir_json

    report, source = check_bundle(checker, load_bundle(BUNDLE))
    assert json.loads(fhir_json(report, source)) == detected_issues_bundle(report, source)
    assert json.loads(fhir_json(checker.check(["acetaminophen"]))) == {
        "resourceType": "Bundle", "type": "collection", "entry": []}


def test_dispenses_and_administrations_count_unless_they_did_not_happen(checker):
    dispense = {"resourceType": "MedicationDispense", "id": "d1", "status": "completed",
                "medicationCodeableConcept": {"text": "Milk of Magnesia"}}
    given = {"resourceType": "MedicationAdministration", "id": "a1", "status": "completed",
             "medicationCodeableConcept": {"text": "magnesium sulfate 2 g"},
             "dosage": {"route": {"text": "intravenous"}}}
    not_given = {"resourceType": "MedicationAdministration", "id": "a2", "status": "not-done",
                 "medicationCodeableConcept": {"text": "ciprofloxacin"}}
    assert read(checker, dispense, given, not_given).items == [
        "Milk of Magnesia", "magnesium sulfate 2 g IV"]


def test_stu3_habits_seen_in_pddi_cds_requests_are_tolerated(checker):
    """clinicalStatus as a bare code and doseQuantity on the Dosage, as in the PDDI-CDS IG's
    test requests (STU3 shapes)."""
    stopped = {"resourceType": "Condition", "clinicalStatus": "resolved",
               "code": {"text": "CKD stage 4"}}
    active = {"resourceType": "Condition", "clinicalStatus": "active",
              "verificationStatus": "differential", "code": {"text": "myasthenia gravis"}}
    mag = statement("magnesium oxide 400 mg", dosage=[{"doseQuantity": {"value": 2, "unit": "tablet"},
                                                       "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}])
    source = read(checker, stopped, active, mag)
    assert source.context.conditions == ["myasthenia gravis"]
    assert source.items == ["magnesium oxide 400 mg 2 tablets 1x daily"]


@pytest.mark.parametrize("snomed,node", [
    ("709044004", "chronic-kidney-disease"), ("431855005", "ckd-stage-1"), ("431856006", "ckd-stage-2"),
    ("433144002", "ckd-stage-3"), ("700378005", "ckd-stage-3a"), ("700379002", "ckd-stage-3b"),
    ("431857002", "ckd-stage-4"), ("433146000", "ckd-stage-5"), ("46177005", "ckd-stage-5"),
    ("14669001", "acute-kidney-injury"), ("91637004", "myasthenia-gravis"),
    ("233917008", "heart-block"), ("81060008", "bowel-obstruction"), ("77386006", "pregnancy"),
])
def test_every_mapped_snomed_code_reaches_its_condition(checker, snomed, node):
    condition = {"resourceType": "Condition", "code": {"coding": [
        {"system": "http://snomed.info/sct", "code": snomed}]}}
    [text] = read(checker, condition).context.conditions
    assert checker.resolver.resolve(text).id == node
