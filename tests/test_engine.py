"""The engine on a tiny rule folder: inheritance, overrides, conditions, paths and order."""

from interactions.models import PatientContext


def ids(report):
    return [f.rule_id for f in report.findings]


def test_a_drug_inherits_its_class_rule(minimal):
    report = minimal.check(["Cipro 500 mg", "magnesium oxide"])
    [finding] = report.findings
    assert finding.rule_id == "quinolones-magnesium"
    assert finding.subject.model_dump() == {"input": "Cipro 500 mg", "id": "cipro", "name": "Cipro"}
    assert finding.object.id == "magnesium-oxide"
    assert finding.separation.model_dump() == {"drug_before_hours": 2, "drug_after_hours": 6}
    assert finding.path == [
        ("cipro", "contains", "ciprofloxacin"),
        ("ciprofloxacin", "is_a", "quinolones"),
        ("magnesium-oxide", "is_a", "magnesium"),
    ]


def test_a_drug_rule_overrides_its_class_rule(minimal):
    report = minimal.check(["levofloxacin", "Mag-Ox 400"])
    assert ids(report) == ["levofloxacin-magnesium"]
    assert report.findings[0].separation.drug_after_hours == 2


def test_each_magnesium_item_gets_its_own_finding(minimal):
    report = minimal.check(["ciprofloxacin", "magnesium oxide", "Mag-Ox 400"])
    assert [(f.rule_id, f.object.input) for f in report.findings] == [
        ("quinolones-magnesium", "Mag-Ox 400"),
        ("quinolones-magnesium", "magnesium oxide"),
    ]


def test_egfr_implies_the_condition(minimal):
    report = minimal.check(["magnesium oxide"], PatientContext(egfr=25))
    assert ids(report) == ["magnesium-kidney"]
    assert report.findings[0].condition.model_dump() == {
        "input": "eGFR 25", "id": "kidney-disease", "name": "Kidney disease"}
    assert minimal.check(["magnesium oxide"], PatientContext(egfr=30)).findings == []


def test_a_named_condition_counts_like_an_egfr(minimal):
    report = minimal.check(["magnesium oxide"], PatientContext(conditions=["kidney disease"]))
    assert ids(report) == ["magnesium-kidney"]


def test_unknown_condition_is_reported_not_dropped(minimal):
    report = minimal.check(["magnesium oxide"], PatientContext(conditions=["flux capacitor"]))
    assert [u.input for u in report.unrecognized] == ["flux capacitor"]


def test_unrecognised_items_are_listed_with_suggestions(minimal):
    report = minimal.check(["ciprofloxacine", "levoflox", "xyzzy"])
    assert [r.id for r in report.resolved] == ["ciprofloxacin"]
    assert report.resolved[0].match == "approximate"
    assert [(u.input, u.suggestions[:1]) for u in report.unrecognized] == [
        ("levoflox", ["Levofloxacin"]), ("xyzzy", [])]
    assert report.exit_code == 3  # unrecognised only


def test_codes_resolve_and_unknown_class_members_are_caught(minimal):
    report = minimal.check(["J01MA02", "J01MA99", "magnesium oxide"])
    assert [(r.id, r.match) for r in report.resolved] == [
        ("ciprofloxacin", "code"), ("quinolones", "code-class"), ("magnesium-oxide", "exact")]
    assert ids(report) == ["quinolones-magnesium", "quinolones-magnesium"]


def test_intravenous_magnesium_does_not_fire_oral_rules(minimal):
    assert minimal.check(["ciprofloxacin", "magnesium oxide IV"]).findings == []


def test_findings_do_not_depend_on_order(minimal):
    items = ["magnesium oxide", "levofloxacin", "Cipro", "Mag-Ox 400"]
    forward = minimal.check(items, PatientContext(egfr=10))
    backward = minimal.check(items[::-1], PatientContext(egfr=10))
    assert forward.findings == backward.findings
