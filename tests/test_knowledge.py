"""Properties of the bundled knowledge base as a whole."""

from interactions.knowledge.loader import load_knowledge
from interactions.knowledge.paths import bundled_rules_dir

KB = load_knowledge(bundled_rules_dir())


def test_every_drug_and_class_has_an_atc_code_or_says_why_not():
    missing = [e.id for e in KB.entities.values()
               if e.kind in ("drug", "class") and not e.atc and not e.note]
    assert missing == []


def test_every_magnesium_form_states_its_elemental_fraction_and_source():
    # Intravenous magnesium is not counted against the oral supplement limit, so needs no fraction.
    forms = [e for e in KB.entities.values() if e.kind == "magnesium-form" and e.route != "intravenous"]
    assert len(forms) >= 14
    assert [e.id for e in forms if e.elemental_fraction is None or not e.elemental_source] == []


def test_every_rule_cites_a_reference_with_a_url_and_a_review_date():
    for rule in KB.rules.values():
        assert rule.references and rule.reviewed
        assert all(KB.references[c.ref].url.startswith("http") for c in rule.references)


def test_every_condition_has_an_icd10_code_or_an_egfr_band():
    groups = {parent for e in KB.entities.values() for parent in e.is_a}  # e.g. acute GI conditions
    conditions = [e for e in KB.entities.values() if e.kind == "condition" and e.id not in groups]
    assert [e.id for e in conditions if not e.icd10 and e.egfr_min is None and e.egfr_max is None] == []
