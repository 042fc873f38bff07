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


def test_ciprofloxacin_takes_its_label_hours_for_calcium_iron_and_zinc(checker):
    gaps = {f.rule_id: (f.separation.drug_before_hours, f.separation.drug_after_hours)
            for f in checker.check(["Cipro 500 mg", "Cal-Mag-Zinc", "ferrous sulfate"]).findings}
    # 6 h before: section 17 (antacid-first, naming iron and zinc) is stricter than 2.4's 2 h;
    # calcium is named in 2.4 only.
    assert gaps == {"ciprofloxacin-calcium-chelation": (2, 6), "ciprofloxacin-iron-chelation": (6, 6),
                    "ciprofloxacin-magnesium-chelation": (6, 6), "ciprofloxacin-zinc-chelation": (6, 6),
                    "iron-magnesium-absorption": (4, 4)}  # the supplements with each other


def test_levothyroxine_keeps_four_hours_from_calcium_and_iron(checker):
    gaps = {f.rule_id: (f.separation.drug_before_hours, f.separation.drug_after_hours)
            for f in checker.check(["Synthroid", "Tums", "ferrous sulfate"]).findings}
    assert gaps == {"levothyroxine-calcium-absorption": (4, 4), "levothyroxine-iron-absorption": (4, 4)}


def test_a_bisphosphonate_label_gives_only_the_wait_before_the_mineral(checker):
    for drug, wait in (("Fosamax", 0.5), ("Actonel", 0.5), ("Boniva", 1)):
        [finding] = checker.check([drug, "calcium carbonate"]).findings
        assert (finding.separation.drug_before_hours, finding.separation.drug_after_hours) == (wait, None)


def test_biktarvy_with_calcium_applies_the_fasting_gap_and_says_food_allows_it(checker):
    [finding] = checker.check(["Biktarvy", "Tums"]).findings
    assert finding.rule_id == "bictegravir-calcium-chelation"
    assert (finding.separation.drug_before_hours, finding.separation.drug_after_hours) == (2, 6)
    assert "together with food" in finding.management


def test_a_drug_whose_label_forbids_cations_gets_no_gap_for_any_of_them(checker):
    for mineral in ("Tums", "ferrous sulfate", "zinc gluconate"):
        [finding] = checker.check(["Xofluza", mineral]).findings
        assert finding.action == "avoid" and finding.separation is None
