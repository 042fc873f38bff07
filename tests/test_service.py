"""The CDS Hooks service, request by request: discovery, cards card by card, errors, feedback."""

from __future__ import annotations

import copy
import json
import logging
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2 is not ours to act on
    from starlette.testclient import TestClient

from conftest import FIXTURES

from interactions.service import create_app

CDS = FIXTURES / "cds"
ORDER_SELECT = "/cds-services/magnesium-interactions-order-select"
ORDER_SIGN = "/cds-services/magnesium-interactions-order-sign"
PATIENT_VIEW = "/cds-services/magnesium-interactions-patient-view"


def fixture(name: str) -> dict:
    return json.loads((CDS / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def app(checker, tmp_path_factory):
    return create_app(checker, feedback_path=tmp_path_factory.mktemp("fb") / "feedback.sqlite3")


@pytest.fixture(scope="module")
def client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(app, raise_server_exceptions=False)


def cards(client, path, body) -> list[dict]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def check_card_shape(card: dict) -> None:
    assert card["indicator"] in ("info", "warning", "critical")
    assert 0 < len(card["summary"]) < 140
    assert card["source"]["label"]
    assert card["uuid"]
    if "suggestions" in card:
        assert card["selectionBehavior"] in ("at-most-one", "any")
        for suggestion in card["suggestions"]:
            assert suggestion["label"] and suggestion["uuid"]
            for action in suggestion["actions"]:
                assert action["type"] in ("create", "update", "delete") and action["description"]
    for reason in card.get("overrideReasons", []):
        assert reason["code"] and reason["display"] and reason["system"]


# -- discovery -----------------------------------------------------------------------------------

def test_discovery_lists_the_three_hooks_with_prefetch(client):
    services = client.get("/cds-services").json()["services"]
    assert [s["hook"] for s in services] == ["order-select", "order-sign", "patient-view"]
    for service in services:
        assert service["title"] and service["description"] and service["id"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert prefetch["medicationRequests"].startswith("MedicationRequest?patient={{context.patientId}}&status=active")
        assert prefetch["medicationStatements"].startswith("MedicationStatement?patient={{context.patientId}}&status=active")
        assert prefetch["conditions"].startswith("Condition?patient={{context.patientId}}")
        for loinc in ("33914-3", "48642-3", "48643-1", "62238-1", "98979-8", "69405-9"):
            assert f"http://loinc.org|{loinc}" in prefetch["egfr"]
        assert prefetch["egfr"].endswith("&_sort=-date&_count=1")


# -- cards, card by card ---------------------------------------------------------------------------

def test_order_select_doxycycline_with_magnesium_in_ckd4(client):
    found = cards(client, ORDER_SELECT, fixture("order-select-doxycycline-magnesium-ckd4"))
    for card in found:
        check_card_shape(card)
    assert [c["summary"] for c in found] == [
        "Contraindicated: Magnesium citrate in Chronic kidney disease, stage 4 (severe) - avoid",
        "Major: Doxycycline with Magnesium citrate - separate doses (2 h/6 h)",
    ]
    kidney, chelation = found
    assert kidney["indicator"] == "critical" and chelation["indicator"] == "critical"
    # the chelation card: mechanism, management, timing and the source, in markdown
    detail = chelation["detail"]
    assert "rule `tetracyclines-magnesium-chelation`" in detail
    assert "**Mechanism:** Magnesium (like calcium, aluminium and iron) chelates tetracyclines" in detail
    assert "**Management:** Take the tetracycline at least 2 hours before" in detail
    assert "**Timing:** Take Doxycycline at least 2 h before or 6 h after Magnesium citrate." in detail
    assert "**Items:** doxycycline hyclate 100 MG Oral Capsule and magnesium citrate 400 mg" in detail
    assert chelation["source"]["url"] == "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"
    # a concrete suggestion: the timing added to the draft doxycycline order
    [suggestion] = chelation["suggestions"]
    [action] = suggestion["actions"]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "draft-doxycycline"
    assert action["resource"]["dosageInstruction"][0]["patientInstruction"] == \
        "Take Doxycycline at least 2 h before or 6 h after Magnesium citrate."
    assert "_fullUrl" not in action["resource"]
    # the kidney card: the magnesium statement is not a draft order, so nothing to cancel
    assert "suggestions" not in kidney
    assert "(condition: Chronic kidney disease, stage 4 (severe))" in kidney["detail"]
    assert kidney["overrideReasons"]


def test_the_request_is_not_changed_by_the_service(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    before = copy.deepcopy(body)
    cards(client, ORDER_SELECT, body)
    assert body == before


def test_order_sign_without_egfr_says_kidney_function_is_unknown(client):
    found = cards(client, ORDER_SIGN, fixture("order-sign-magnesium-oxide-levothyroxine-no-egfr"))
    for card in found:
        check_card_shape(card)
    assert [(c["indicator"], c["summary"]) for c in found] == [
        ("warning", "Moderate: Levothyroxine with Magnesium oxide - separate doses (4 h/4 h)"),
        ("warning", "Moderate: Magnesium oxide: magnesium above the daily upper limit - adjust the dose"),
        ("warning", "Some patient data was not available: the check is incomplete"),
    ]
    # the draft order is the magnesium: the timing suggestion goes on it
    [suggestion] = found[0]["suggestions"]
    assert suggestion["actions"][0]["resource"]["id"] == "draft-mag-ox"
    assert "**Kidney function unknown:** no eGFR result was sent" in found[2]["detail"]


def test_patient_view_reports_an_unrecognised_medication_and_skips_stopped_ones(client):
    found = cards(client, PATIENT_VIEW, fixture("patient-view-unrecognised-and-ciprofloxacin"))
    for card in found:
        check_card_shape(card)
    assert [(c["indicator"], c["summary"]) for c in found] == [
        ("critical", "Major: Ciprofloxacin with Milk of Magnesia - separate doses (6 h/6 h)"),
        ("warning", "1 medication not recognised: not checked for magnesium interactions"),
    ]
    assert "- Zorblatex 20 mg (patient record, MedicationStatement/ms-3)" in found[1]["detail"]
    assert "not the same as safe" in found[1]["detail"]
    # patient-view proposes no change to orders
    assert "suggestions" not in found[0]
    assert "Doxycycline" not in json.dumps(found)  # completed: not taken any more


def test_no_card_when_nothing_is_found(client):
    assert cards(client, ORDER_SELECT, fixture("order-select-nothing-found")) == []


def test_order_select_only_reports_what_concerns_the_new_order(client):
    body = fixture("order-select-nothing-found")
    body["prefetch"]["medicationStatements"]["entry"] = [
        {"resource": {"resourceType": "MedicationStatement", "id": "a", "status": "active",
                      "medicationCodeableConcept": {"text": "ciprofloxacin 500 mg"}}},
        {"resource": {"resourceType": "MedicationStatement", "id": "b", "status": "active",
                      "medicationCodeableConcept": {"text": "Maalox"}}}]
    assert cards(client, ORDER_SELECT, body) == []
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    assert [c["summary"] for c in cards(client, PATIENT_VIEW, body)][0].startswith(
        "Major: Ciprofloxacin with")


def test_an_avoid_rule_on_a_draft_order_suggests_cancelling_it(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    draft["id"] = "draft-mag"
    draft["medicationCodeableConcept"] = {"text": "magnesium oxide 400 mg"}
    body["context"]["selections"] = ["MedicationRequest/draft-mag"]
    body["prefetch"]["medicationStatements"]["entry"] = []
    card, dose = cards(client, ORDER_SELECT, body)
    assert card["summary"] == ("Contraindicated: Magnesium oxide in Chronic kidney disease, "
                               "stage 4 (severe) - avoid")
    # the order's own dosage (1 capsule twice a day) was read: 482.4 mg of magnesium a day
    assert dose["summary"] == ("Moderate: Magnesium oxide: magnesium above the daily upper limit"
                               " - adjust the dose")
    assert "482.4 mg of elemental magnesium a day" in dose["detail"]
    [suggestion] = card["suggestions"]
    assert suggestion["actions"] == [{"type": "delete", "description":
                                      "Remove the draft order for Magnesium oxide.",
                                      "resourceId": "MedicationRequest/draft-mag"}]


def test_without_prefetch_the_card_says_what_was_not_checked(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    del body["prefetch"]
    [card] = cards(client, ORDER_SELECT, body)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Some patient data was not available: the check is incomplete"
    assert "only the draft orders were checked" in card["detail"]


def test_prefetch_keys_the_client_could_not_fetch_are_null(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    body["prefetch"] = {k: None for k in body["prefetch"]}
    [card] = cards(client, ORDER_SELECT, body)
    assert "The patient's current medications** were not sent" in card["detail"]


def test_a_draft_of_magnesium_without_kidney_data_warns(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    body["prefetch"]["conditions"] = None
    body["prefetch"]["egfr"]["entry"] = []
    found = cards(client, ORDER_SELECT, body)
    missing = found[-1]
    assert "the record holds no eGFR result" in missing["detail"]
    assert "**Conditions** were not sent" in missing["detail"]


def test_an_ehr_resource_type_we_do_not_read_is_ignored(client):
    body = fixture("order-select-nothing-found")
    body["context"]["draftOrders"]["entry"].append(
        {"resource": {"resourceType": "ServiceRequest", "id": "lab", "status": "draft",
                      "intent": "order", "code": {"text": "serum magnesium"}}})
    assert cards(client, ORDER_SELECT, body) == []


# -- bad input: a clear 4xx, never a 500 or a traceback ---------------------------------------------

BAD_REQUESTS = [
    ("malformed JSON", b'{"hook": "order-select", ', 400, "malformed-json"),
    ("not UTF-8", b'{"hook": "\xff"}', 400, "malformed-json"),
    ("empty body", b"", 400, "empty-body"),
    ("a JSON list", b"[1, 2]", 400, "invalid-request"),
    ("deeply nested", b"[" * 100000 + b"]" * 100000, 400, "malformed-json"),
    ("NaN", b'{"hook": NaN}', 400, "malformed-json"),
]


@pytest.mark.parametrize("what,body,status,code", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_unreadable_bodies_get_a_json_4xx(client, what, body, status, code):
    response = client.post(ORDER_SELECT, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]


def _bad(change):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    change(body)
    return body


BAD_CONTENT = [
    ("wrong hook", lambda b: b.update(hook="patient-view"), "wrong-hook",
     "service 'magnesium-interactions-order-select' answers the 'order-select' hook, not 'patient-view'"),
    ("no hook", lambda b: b.pop("hook"), "missing-hook", "the request has no 'hook'"),
    ("no hookInstance", lambda b: b.pop("hookInstance"), "missing-hook-instance",
     "the request has no 'hookInstance' (a UUID)"),
    ("no context", lambda b: b.pop("context"), "missing-context", "the request has no 'context' object"),
    ("no patientId", lambda b: b["context"].pop("patientId"), "missing-context",
     "context.patientId is required for the 'order-select' hook"),
    ("no draftOrders", lambda b: b["context"].pop("draftOrders"), "missing-context",
     "context.draftOrders is required for the 'order-select' hook"),
    ("unknown resource type", lambda b: b["prefetch"]["conditions"]["entry"].append(
        {"resource": {"resourceType": "Conditon"}}), "unknown-resource-type",
     "prefetch.conditions entry 1: unknown FHIR resource type 'Conditon'; expected an R4 resource "
     "such as Bundle, MedicationRequest or Condition"),
    ("resource without a type", lambda b: b["prefetch"].update(patient={"id": "x"}), "invalid-fhir",
     "prefetch.patient: no 'resourceType'; expected a FHIR R4 Bundle or resource"),
    ("draftOrders not an object", lambda b: b["context"].update(draftOrders=[1]), "invalid-fhir",
     "context.draftOrders: expected a FHIR resource (a JSON object), got list"),
    ("prefetch not an object", lambda b: b.update(prefetch=[1]), "invalid-prefetch",
     "'prefetch' must be an object of FHIR resources"),
    ("entry not a list", lambda b: b["prefetch"]["egfr"].update(entry={"a": 1}), "invalid-fhir",
     "prefetch.egfr: 'entry' must be a list of entries"),
]


@pytest.mark.parametrize("what,change,code,message", BAD_CONTENT, ids=[b[0] for b in BAD_CONTENT])
def test_bad_requests_say_what_is_wrong(client, what, change, code, message):
    response = client.post(ORDER_SELECT, json=_bad(change))
    assert response.status_code == 400
    assert response.json() == {"error": code, "message": message, "status": 400}


def test_odd_but_valid_values_are_read_not_refused(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    ms = body["prefetch"]["medicationStatements"]["entry"][0]["resource"]
    ms["medicationCodeableConcept"] = {"coding": "not a list", "text": 5}
    ms["dosage"] = "twice"
    body["prefetch"]["egfr"]["entry"][0]["resource"]["valueQuantity"] = {"value": "24"}
    body["prefetch"]["patient"]["birthDate"] = "19xx"
    response = client.post(ORDER_SELECT, json=body)
    assert response.status_code == 200
    summaries = [c["summary"] for c in response.json()["cards"]]
    assert summaries[0] == "1 medication not recognised: not checked for magnesium interactions"


def test_unknown_service_and_path(client):
    response = client.post("/cds-services/nope", json={})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown-service"
    assert client.get("/nowhere").json()["error"] == "not-found"
    response = client.get(ORDER_SELECT)
    assert response.status_code == 405 and response.json()["error"] == "method-not-allowed"


def test_a_body_over_the_limit_is_refused(checker, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = TestClient(create_app(checker, feedback_path=None, max_body_bytes=2048))
    response = small.post(ORDER_SELECT, json=fixture("order-select-doxycycline-magnesium-ckd4"))
    assert response.status_code == 413
    assert response.json()["error"] == "body-too-large"


def test_patient_data_never_reaches_the_logs(client, caplog):
    body = fixture("patient-view-unrecognised-and-ciprofloxacin")
    with caplog.at_level(logging.DEBUG):
        client.post(PATIENT_VIEW, json=body)
        client.post(PATIENT_VIEW, content=b'{"patientId": "pat-77", "Zorblatex"')
        client.post(ORDER_SELECT, json=_bad(lambda b: b.update(hook="Zorblatex")))
    assert "pat-77" not in caplog.text and "Zorblatex" not in caplog.text


def test_an_internal_failure_is_a_json_500_without_details(checker, caplog):
    class Broken:
        resolver = checker.resolver

        def check(self, items, context):
            raise ZeroDivisionError("pat-1288992 doxycycline")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broken = TestClient(create_app(Broken(), feedback_path=None), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = broken.post(ORDER_SELECT, json=fixture("order-select-doxycycline-magnesium-ckd4"))
    assert response.status_code == 500
    assert response.json()["error"] == "internal-error"
    assert "ZeroDivisionError" in caplog.text and "pat-1288992" not in caplog.text


# -- feedback --------------------------------------------------------------------------------------

def test_feedback_is_recorded_with_the_rule_of_the_card(client, app):
    found = cards(client, ORDER_SELECT, fixture("order-select-doxycycline-magnesium-ckd4"))
    chelation = found[1]
    body = {"feedback": [
        {"card": chelation["uuid"], "outcome": "accepted",
         "acceptedSuggestions": [{"id": chelation["suggestions"][0]["uuid"]}],
         "outcomeTimestamp": "2026-12-03T10:05:31Z"},
        {"card": found[0]["uuid"], "outcome": "overridden",
         "overrideReason": {"reason": {"system": "urn:interactions:cds:override-reason",
                                       "code": "benefit-outweighs-risk",
                                       "display": "Benefit outweighs risk; will monitor"},
                            "userComment": "nephrology aware"},
         "outcomeTimestamp": "2026-12-03T10:06:00Z"},
    ]}
    response = client.post(ORDER_SELECT + "/feedback", json=body)
    assert response.status_code == 200 and response.json() == {"recorded": 2}
    rows = app.state.feedback.rows()[-2:]
    assert [(r["rule_id"], r["outcome"], r["override_code"]) for r in rows] == [
        ("tetracyclines-magnesium-chelation", "accepted", None),
        ("magnesium-severe-renal-impairment", "overridden", "benefit-outweighs-risk")]
    assert json.loads(rows[0]["accepted_suggestions"]) == [chelation["suggestions"][0]["uuid"]]
    assert rows[1]["user_comment"] == "nephrology aware"
    assert rows[0]["service_id"] == "magnesium-interactions-order-select"


BAD_FEEDBACK = [
    ({}, "the feedback body must be an object with a 'feedback' array"),
    ({"feedback": []}, "the 'feedback' array is empty"),
    ({"feedback": [{"outcome": "accepted"}]}, "feedback[0].card (the card's uuid) is required"),
    ({"feedback": [{"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-12-03T10:05:31Z"}]},
     "feedback[0].outcome must be 'accepted' or 'overridden', got 'ignored'"),
    ({"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]},
     "feedback[0].outcomeTimestamp must be an ISO 8601 date-time, e.g. 2026-12-03T10:05:31Z"),
    ({"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-12-03T10:05:31Z"}]},
     "feedback[0]: an 'accepted' outcome needs acceptedSuggestions"),
]


@pytest.mark.parametrize("body,message", BAD_FEEDBACK)
def test_bad_feedback_is_refused_and_nothing_is_stored(client, app, body, message):
    before = len(app.state.feedback.rows())
    response = client.post(ORDER_SELECT + "/feedback", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid-feedback", "message": message, "status": 400}
    assert len(app.state.feedback.rows()) == before


def test_feedback_survives_a_restart(checker, tmp_path):
    path = tmp_path / "fb.sqlite3"
    entry = {"feedback": [{"card": "c1", "outcome": "overridden",
                           "outcomeTimestamp": "2026-12-03T10:05:31Z"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TestClient(create_app(checker, feedback_path=path)).post(PATIENT_VIEW + "/feedback", json=entry)
        again = create_app(checker, feedback_path=path)
    assert [r["card"] for r in again.state.feedback.rows()] == ["c1"]


# -- CORS ------------------------------------------------------------------------------------------

def test_cors_is_off_by_default_and_on_for_configured_origins(checker, client):
    preflight = {"origin": "https://sandbox.example.org", "access-control-request-method": "POST"}
    assert "access-control-allow-origin" not in client.options(ORDER_SELECT, headers=preflight).headers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        open_client = TestClient(create_app(checker, feedback_path=None,
                                            cors_origins=["https://sandbox.example.org"]))
    response = open_client.options(ORDER_SELECT, headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://sandbox.example.org"
    response = open_client.get("/cds-services", headers={"origin": "https://sandbox.example.org"})
    assert response.headers["access-control-allow-origin"] == "https://sandbox.example.org"


def test_selections_that_name_no_draft_order_check_every_draft(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    body["context"]["selections"] = ["MedicationRequest/not-in-the-bundle"]
    assert len(cards(client, ORDER_SELECT, body)) == 2


def test_only_the_selected_draft_is_new(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    drafts = body["context"]["draftOrders"]["entry"]
    drafts.append({"resource": {"resourceType": "MedicationRequest", "id": "draft-cipro",
                                "status": "draft", "intent": "order",
                                "medicationCodeableConcept": {"text": "ciprofloxacin 500 mg"}}})
    body["context"]["selections"] = ["MedicationRequest/draft-cipro"]
    summaries = [c["summary"] for c in cards(client, ORDER_SELECT, body)]
    assert summaries == [
        "Contraindicated: Magnesium citrate in Chronic kidney disease, stage 4 (severe) - avoid",
        "Major: Ciprofloxacin with Magnesium citrate - separate doses (6 h/6 h)"]


def test_the_same_drug_twice_in_the_record_is_one_card_naming_both(client):
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    body["prefetch"]["medicationRequests"]["entry"].append({"resource": {
        "resourceType": "MedicationRequest", "id": "rx-mag", "status": "active", "intent": "order",
        "medicationCodeableConcept": {"text": "magnesium citrate 400 mg"},
        "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]}})
    assert len(cards(client, ORDER_SELECT, body)) == 2


def test_too_many_medications_is_a_clear_400(checker):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = TestClient(create_app(checker, feedback_path=None, max_medications=2))
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    body["prefetch"]["medicationRequests"]["entry"].append(
        {"resource": {"resourceType": "MedicationRequest", "id": "x", "status": "active",
                      "medicationCodeableConcept": {"text": "lisinopril"}}})
    response = small.post(ORDER_SELECT, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "the request holds 3 distinct medications; the limit is 2"


def _paths(obj, path=()):
    yield path
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, path + (i,))


ODD_VALUES = [None, 0, -1, 1e308, "", "x", [], {}, [1], {"a": 1}, True, "2026-13-45",
              {"resourceType": "Bundle"}, {"resourceType": "Observation"}, {"coding": [{}]},
              [{"resource": None}], {"coding": [{"code": ["N18.4"], "system": {}}]}]


def test_requests_with_any_value_swapped_for_an_odd_one_never_get_a_5xx(client):
    """What EHRs send wrong: any field of the fixtures replaced by a value of another type."""
    import random

    rng = random.Random(17)
    requests = [(ORDER_SELECT, fixture("order-select-doxycycline-magnesium-ckd4")),
                (ORDER_SIGN, fixture("order-sign-magnesium-oxide-levothyroxine-no-egfr")),
                (PATIENT_VIEW, fixture("patient-view-unrecognised-and-ciprofloxacin"))]
    statuses = set()
    for _ in range(400):
        path, base = rng.choice(requests)
        body = copy.deepcopy(base)
        for _ in range(rng.randint(1, 3)):
            where = rng.choice(list(_paths(body))[1:])
            target = body
            for key in where[:-1]:
                target = target[key]
            target[where[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        response = client.post(path, json=body)
        statuses.add(response.status_code)
        assert response.status_code in (200, 400), (where, response.text)
        assert "error" in response.json() or "cards" in response.json()
    assert statuses == {200, 400}


def test_prefetch_under_other_keys_and_dispensed_medicines_are_read(client):
    """PDDI-CDS test requests name their prefetch keys item1, item2, ... and send
    MedicationDispense; what matters is what the resources are, not the key."""
    body = fixture("order-select-doxycycline-magnesium-ckd4")
    statement = body["prefetch"].pop("medicationStatements")["entry"][0]["resource"]
    dispense = {"resourceType": "MedicationDispense", "id": "disp-1", "status": "completed",
                "medicationCodeableConcept": statement["medicationCodeableConcept"]}
    body["prefetch"] = {f"item{n}": v for n, v in enumerate(body["prefetch"].values(), 1)}
    body["prefetch"]["item9"] = {"resourceType": "Bundle", "type": "searchset",
                                 "entry": [{"resource": dispense}]}
    summaries = [c["summary"] for c in cards(client, ORDER_SELECT, body)]
    assert summaries == [
        "Contraindicated: Magnesium citrate in Chronic kidney disease, stage 4 (severe) - avoid",
        "Major: Doxycycline with Magnesium citrate - separate doses (2 h/6 h)"]


def test_patient_view_without_prefetch_says_nothing_could_be_checked(client):
    body = {"hook": "patient-view", "hookInstance": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            "fhirServer": "https://fhir.example.org/r4", "context": {"patientId": "p1", "userId": "Practitioner/1"}}
    [card] = cards(client, PATIENT_VIEW, body)
    assert card["indicator"] == "warning"
    assert "**No medication list** was sent" in card["detail"]
    body["prefetch"] = {"medicationStatements": {"resourceType": "Bundle", "type": "searchset", "entry": []}}
    assert cards(client, PATIENT_VIEW, body) == []


def test_answers_carry_the_time_spent_in_the_service(client):
    response = client.post(ORDER_SELECT, json=fixture("order-select-nothing-found"))
    assert response.headers["server-timing"].startswith("app;dur=")
