"""Issue 15: labels that name calcium, iron and zinc beside magnesium raise findings for them
too, and a multi-mineral product raises every cation's finding."""

from interactions.knowledge.validate import OBJECT_KINDS


def _rules(checker, items):
    return sorted({f.rule_id for f in checker.check(items).findings})


def test_a_rule_object_may_be_a_supplement_or_a_drug():
    assert {"supplement", "drug", "magnesium", "magnesium-form", "class"} <= OBJECT_KINDS
    assert "condition" not in OBJECT_KINDS and "product" not in OBJECT_KINDS


def test_doxycycline_with_calcium_is_found_without_an_invented_gap(checker):
    [finding] = checker.check(["doxycycline", "calcium carbonate 500 mg"]).findings
    assert finding.rule_id == "doxycycline-calcium-chelation" and finding.separation is None


def test_a_multi_mineral_product_raises_each_cation_beside_magnesium(checker):
    assert _rules(checker, ["moxifloxacin", "Cal-Mag-Zinc"]) == [
        "moxifloxacin-magnesium-chelation", "moxifloxacin-zinc-chelation"]
    assert _rules(checker, ["levofloxacin", "multivitamin with minerals"]) == [
        "levofloxacin-iron-chelation", "levofloxacin-magnesium-chelation",
        "levofloxacin-zinc-chelation"]
    assert _rules(checker, ["Tivicay", "Rennie"]) == [
        "dolutegravir-calcium-chelation", "dolutegravir-magnesium-chelation"]


def test_the_cation_gaps_are_the_label_sentence_hours(checker):
    gaps = {f.rule_id: (f.separation.drug_before_hours, f.separation.drug_after_hours)
            for f in checker.check(["Avelox", "Levaquin", "Tivicay", "ferrous sulfate"]).findings}
    assert gaps == {"moxifloxacin-iron-chelation": (4, 8), "levofloxacin-iron-chelation": (2, 2),
                    "dolutegravir-iron-chelation": (2, 6)}
