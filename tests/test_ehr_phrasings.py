"""How EHR medication lists write items: release forms, bracketed brands and notes, nursing
parameters, per-dose and two-part strengths, insulin units, puffs. Each is read as the item it
names, with what was not used reported on it, never left in the name (where it made the item
unrecognised, and a magnesium product a missed interaction)."""

import pytest

CASES = [
    # text, node, strength, unit, frequency per day, quantity, unparsed, a note contains
    ("magnesium XL", "magnesium", None, None, None, None, [], "'XL'"),
    ("magnesium oxide ER 400 mg daily", "magnesium-oxide", 400.0, "mg", 1.0, None, [], "'ER'"),
    ("metoprolol succinate ER 50 mg daily", "metoprolol", 50.0, "mg", 1.0, None, [], "'ER'"),
    ("nifedipine ER", "nifedipine", None, None, None, None, [], "'ER'"),
    ("aspirin EC 81 mg", "aspirin", 81.0, "mg", None, None, [], "'EC'"),
    ("Depakote DR", "depakote", None, None, None, None, [], "'DR'"),
    ("levothyroxine (SYNTHROID) 50 mcg tablet", "levothyroxine", 50.0, "mcg", None, None, [],
     "'(SYNTHROID)'"),
    ("magnesium glycinate (patient reported)", "magnesium-glycinate", None, None, None, None,
     ["(patient reported)"], None),
    ("Maalox - hold if SBP<100", "maalox-mylanta", None, None, None, None,
     ["- hold if SBP<100"], None),
    ("hydrochlorothiazide 25 mg - hold if SBP<100", "hydrochlorothiazide", 25.0, "mg", None, None,
     ["- hold if SBP<100"], None),
    ("Ozempic 0.5 mg/dose weekly", "ozempic", 0.5, "mg", 1 / 7, None, [], None),
    ("Norco 5-325 mg", "hydrocodone-acetaminophen", None, None, None, None,
     ["5-325 mg (two strengths: not read as one dose)"], None),
    ("albuterol 2 puffs q4h prn", "albuterol", None, None, 6.0, 2.0, [], None),
    ("insulin glargine 20 u at bedtime", "insulin-glargine", 20.0, "units", 1.0, None, [], None),
    ("magnesium oxide 400 mg/day", "magnesium-oxide", 400.0, "mg", 1.0, None, [], None),
    ("MOM 30 mL at bedtime", "magnesium-hydroxide", None, None, 1.0, None, [], None),
    ("Toprol 25 mg", "toprol", 25.0, "mg", None, None, [], None),
]


@pytest.mark.parametrize("text, node, strength, unit, per_day, quantity, unparsed, note", CASES,
                         ids=[c[0] for c in CASES])
def test_an_ehr_phrasing_is_read_as_the_item_it_names(checker, text, node, strength, unit,
                                                      per_day, quantity, unparsed, note):
    entry = checker.resolver.resolve(text)
    assert entry.id == node
    assert (entry.strength, entry.unit, entry.quantity) == (strength, unit, quantity)
    assert entry.frequency_per_day == (None if per_day is None else round(per_day, 4))
    assert entry.unparsed == unparsed
    if note:
        assert any(note in n for n in entry.notes), entry.notes


def test_a_brand_that_carries_a_release_form_keeps_it():
    """The release form is taken off only when the name as written is unknown."""
    from interactions import Checker

    resolver = Checker().resolver
    assert resolver.resolve("Toprol XL 50 mg").resolved_name == "Toprol-XL"
    assert resolver.resolve("Mag-Tab SR 84 mg").resolved_name == "Mag-Tab SR"
    assert resolver.resolve("Wellbutrin XL 150 mg").resolved_name == "Wellbutrin XL"


def test_a_magnesium_product_written_the_ehr_way_still_chelates_doxycycline(checker):
    for magnesium in ("magnesium XL", "magnesium glycinate (patient reported)", "MOM 30 mL",
                      "Maalox - hold if SBP<100"):
        report = checker.check(["doxycycline 100 mg BID", magnesium])
        assert not report.unrecognized, magnesium
        assert any(f.rule_id.startswith("tetracyclines") for f in report.findings), magnesium


def test_two_negative_amounts_are_both_refused_where_they_are_written(checker):
    entry = checker.resolver.resolve("magnesium citrate -5 mg -10 mg")
    assert entry.id == "magnesium-citrate" and entry.strength is None
    assert entry.unparsed == ["-5 mg (a negative amount)", "-10 mg (a negative amount)"]


def test_a_bracket_naming_a_mineral_is_never_taken_off(checker):
    """Taken off, "(with magnesium)" would lose the magnesium in silence; kept, the item is
    reported unrecognised, with suggestions."""
    report = checker.check(["doxycycline", "Zorbavit multivitamin (with magnesium)"])
    assert [u.input for u in report.unrecognized] == ["Zorbavit multivitamin (with magnesium)"]
    assert checker.resolver.resolve("levothyroxine (SYNTHROID)").id == "levothyroxine"
