"""Labels worded antacid-first ("take the antacid 2 hours before or 4 hours after drug X") must come
out in our direction: take the DRUG drug_before_hours before, or drug_after_hours after, magnesium."""

import pytest

from interactions.check.engine import Checker
from interactions.knowledge.index import load_index

CHECKER = Checker(load_index())


def separation(items, rule_id):
    [finding] = [f for f in CHECKER.check(items).findings if f.rule_id == rule_id]
    return finding.separation.model_dump()


@pytest.mark.parametrize(("items", "rule_id", "before", "after"), [
    # "antacids ... at least 2 hours before or at least 4 hours after EDURANT"
    (["Edurant", "Maalox"], "rilpivirine-magnesium-antacids", 4, 2),
    # "antacids ... at least 1 h before or 2 h after atazanavir"
    (["Reyataz", "Maalox"], "atazanavir-magnesium-antacids", 2, 1),
    # drug-first labels stay as written
    (["Tivicay", "Maalox"], "dolutegravir-magnesium-chelation", 2, 6),
    (["Biktarvy", "magnesium oxide"], "bictegravir-magnesium-chelation", 2, 6),
    # "antacids ... at least 2 hours before or 4 hours after the oral cabotegravir dose"
    (["Vocabria", "Maalox"], "cabotegravir-magnesium-chelation", 4, 2),
    # EU labels: minerals "at least 4 hours before or at least 4 hours after Genvoya"
    (["Genvoya", "Maalox"], "elvitegravir-magnesium-chelation", 4, 4),
    # UK antacid SmPC "approximately 2 to 3 hours", upper end either side
    (["Sporanox", "Maalox"], "itraconazole-magnesium-antacids", 3, 3),
    # "administer LUMAKRAS 4 hours before or 10 hours after ... a locally acting antacid"
    (["Lumakras", "Maalox"], "sotorasib-magnesium-antacids", 4, 10),
    # Tasigna: "an antacid may be administered approximately two hours before or ... after"
    (["Tasigna", "Maalox"], "nilotinib-magnesium-antacids", 2, 2),
])
def test_applied_separation_reads_in_the_drug_direction(items, rule_id, before, after):
    assert separation(items, rule_id) == {"drug_before_hours": before, "drug_after_hours": after}


@pytest.mark.parametrize(("rule_id", "wording_start", "before", "after"), [
    ("rilpivirine-magnesium-antacids", "Take the antacid either at least 2 hours before", 4, 2),
    ("atazanavir-magnesium-antacids", "antacids to be taken 1 hour before taking REYATAZ", 2, 1),
    ("cabotegravir-magnesium-chelation", "medications containing polyvalent cations such as antacids", 4, 2),
    ("ketoconazole-magnesium-antacids", "administer antacids at least 1 hour before or 2 hours after", 2, 1),
    # "the antacid should be taken at least 2 hours after CRESTOR": only the drug-before side
    ("rosuvastatin-magnesium-antacids", "the antacid should be taken at least 2 hours after", 2, None),
    # "no antacids 2 hours before or 1 hour after taking Iressa"
    ("gefitinib-magnesium-antacids", "no antacids 2 hours before or 1 hour after", 1, 2),
])
def test_each_antacid_first_wording_is_kept_converted(rule_id, wording_start, before, after):
    rule = CHECKER.index.rules[rule_id]
    [source] = [s for s in rule.source_separations if s.wording.startswith(wording_start)]
    assert (source.drug_before_hours, source.drug_after_hours) == (before, after)
    assert "antacid-first" in source.wording


def test_juluca_gets_both_component_gaps_which_together_match_its_label():
    found = {f.rule_id: f.separation.model_dump() if f.separation else None
             for f in CHECKER.check(["Juluca", "Maalox"]).findings}
    assert found == {
        "dolutegravir-magnesium-chelation": {"drug_before_hours": 2, "drug_after_hours": 6},
        "rilpivirine-magnesium-antacids": {"drug_before_hours": 4, "drug_after_hours": 2},
        "rilpivirine-magnesium-supplements": None,  # minor inform rule for any magnesium: no gap
    }


def test_raltegravir_and_baloxavir_have_no_safe_gap():
    for items, rule_id in ((["Isentress", "Maalox"], "raltegravir-magnesium-chelation"),
                           (["Xofluza", "magnesium citrate"], "baloxavir-magnesium-chelation")):
        [finding] = [f for f in CHECKER.check(items).findings if f.rule_id == rule_id]
        assert finding.separation is None and finding.action == "avoid"


def test_injectable_cabotegravir_and_rilpivirine_do_not_interact():
    assert CHECKER.check(["Cabenuva", "Maalox", "magnesium citrate"]).findings == []
