"""Issue 2's acceptance lists, run against the bundled rules: real lists in, exact findings out."""

from interactions.models import PatientContext


def summary(report):
    return [(f.rule_id, f.severity, f.subject.input, (f.object or f.condition).input) for f in report.findings]


def test_doxycycline_with_magnesium_citrate_is_a_sourced_chelation_finding(checker):
    report = checker.check(["doxycycline", "magnesium citrate 400 mg"])
    [finding] = report.findings
    assert (finding.rule_id, finding.kind, finding.severity) == (
        "tetracyclines-magnesium-chelation", "drug-supplement", "major")
    assert "chelat" in finding.mechanism
    assert finding.separation.model_dump() == {"drug_before_hours": 2, "drug_after_hours": 6}
    assert any(r.url.startswith("https://ods.od.nih.gov/") for r in finding.references)
    assert finding.path == [("doxycycline", "is_a", "tetracyclines"),
                            ("magnesium-citrate", "is_a", "magnesium")]


def test_atorvastatin_and_magnesium_glycinate_is_clear(checker):
    report = checker.check(["atorvastatin", "magnesium glycinate"])
    assert report.findings == [] and report.unrecognized == []
    assert report.exit_code == 0


def test_an_unknown_name_is_listed_never_dropped(checker):
    report = checker.check(["xyzzy", "magnesium"])
    assert [u.input for u in report.unrecognized] == ["xyzzy"]
    assert [r.id for r in report.resolved] == ["magnesium"]
    assert report.exit_code == 3  # unrecognised only: not a finding, not safe


def test_diuretic_antihypertensive_and_kidney_findings(checker):
    report = checker.check(["furosemide", "lisinopril", "magnesium oxide"], PatientContext(egfr=25))
    assert summary(report) == [
        ("magnesium-severe-renal-impairment", "contraindicated", "magnesium oxide", "eGFR 25"),
        ("antihypertensives-magnesium-blood-pressure", "minor", "lisinopril", "magnesium oxide"),
        ("loop-diuretics-magnesium-loss", "minor", "furosemide", "magnesium oxide"),
    ]
    assert [c.id for c in report.conditions] == ["ckd-stage-4"]


def test_a_class_rule_reaches_every_member(checker):
    for drug in ["minocycline", "tetracycline", "Vibramycin", "J01AA02"]:
        report = checker.check([drug, "magnesium oxide"])
        assert [f.rule_id for f in report.findings] == ["tetracyclines-magnesium-chelation"], drug


def test_a_drug_rule_overrides_its_class_where_its_label_differs(checker):
    moxi = checker.check(["moxifloxacin", "milk of magnesia"]).findings
    cipro = checker.check(["ciprofloxacin", "milk of magnesia"]).findings
    assert [f.rule_id for f in moxi] == ["moxifloxacin-magnesium-chelation"]
    assert [f.rule_id for f in cipro] == ["ciprofloxacin-magnesium-chelation"]
    assert moxi[0].separation != cipro[0].separation
    assert {s.drug_after_hours for s in moxi[0].source_separations} == {8, 6}


def test_a_product_fires_the_rules_of_its_ingredients(checker):
    report = checker.check(["doxycycline", "Maalox"])
    [finding] = report.findings
    assert (finding.object.input, finding.object.id) == ("Maalox", "maalox-mylanta")
    assert finding.path[-2:] == [("maalox-mylanta", "contains", "magnesium-hydroxide"),
                                 ("magnesium-hydroxide", "is_a", "magnesium")]
