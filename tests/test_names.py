"""Names as people write them: the real-world table, look-alike names, drug salts, excipients."""

import csv
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions.check.engine import Checker
from interactions.check.resolve import APPROXIMATE_MIN_SCORE
from interactions.knowledge.index import load_index
from interactions.knowledge.names import normalize
from interactions.knowledge.paths import bundled_rules_dir

FIXTURES = Path(__file__).parent / "fixtures"


def _table():
    lines = [ln for ln in (FIXTURES / "real_world_items.tsv").read_text().splitlines()
             if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


TABLE = _table()


def _num(cell):
    return float(cell) if cell else None


def test_the_table_is_large_enough():
    assert len(TABLE) >= 100


@pytest.mark.parametrize("row", TABLE, ids=[r["input"] for r in TABLE])
def test_real_world_item(checker, row):
    entry = checker.resolver.resolve(row["input"])
    assert (entry.id or "-", entry.match or "") == (row["id"], row["match"])
    assert entry.strength == _num(row["strength"])
    assert (entry.unit or "") == row["unit"]
    assert entry.frequency_per_day == pytest.approx(_num(row["per_day"]), abs=1e-3) \
        if row["per_day"] else entry.frequency_per_day is None
    assert entry.as_needed == (row["prn"] == "prn")


# ------------------------------------------------------------------ the issue's own examples

@pytest.mark.parametrize("text, node, strength, unit, per_day, prn", [
    ("Mag-Ox 400 mg BID", "mag-ox", 400, "mg", 2, False),
    ("Synthroid 75mcg qAM", "synthroid", 75, "mcg", 1, False),
    ("doxy 100", "doxycycline", 100, None, None, False),
    ("magnesium citrate 200mg x2/day", "magnesium-citrate", 200, "mg", 2, False),
    ("Cipro 500 mg every 12 hours", "cipro", 500, "mg", 2, False),
    ("Milk of Magnesia 30 mL prn", "milk-of-magnesia", None, None, None, True),
])
def test_issue_examples(checker, text, node, strength, unit, per_day, prn):
    entry = checker.resolver.resolve(text)
    assert (entry.id, entry.strength, entry.unit, entry.frequency_per_day, entry.as_needed) == (
        node, strength, unit, per_day, prn)


def test_milk_of_magnesia_keeps_its_volume(checker):
    assert checker.resolver.resolve("Milk of Magnesia 30 mL prn").volume_ml == 30


def test_a_misspelling_within_the_threshold_resolves_and_says_so(checker):
    entry = checker.resolver.resolve("magnesiun citrate")
    assert (entry.id, entry.match) == ("magnesium-citrate", "approximate")
    assert entry.score >= APPROXIMATE_MIN_SCORE
    assert "matched approximately to Magnesium citrate" in entry.notes[0]
    report = checker.check(["magnesiun citrate"])
    assert report.resolved[0].match == "approximate"


def test_xyzzy_stays_unrecognised(checker):
    report = checker.check(["xyzzy", "magnesium"])
    assert [u.input for u in report.unrecognized] == ["xyzzy"]


def test_unused_instructions_are_reported(checker):
    report = checker.check(["metformin 500 mg bid with meals"])
    assert report.resolved[0].unparsed == ["with meals"]


def test_a_number_without_unit_is_reported(checker):
    assert checker.resolver.resolve("doxy 100").unparsed == ["100 (a number with no unit)"]


# ------------------------------------------------------------------ look-alike / sound-alike

def _confusable_pairs():
    pairs = []
    for path in sorted(bundled_rules_dir().glob("*.toml")):
        for row in tomllib.loads(path.read_text()).get("confusable", []):
            names = row["names"]
            pairs += [(a, b) for a in names for b in names if a != b]
    return pairs


PAIRS = _confusable_pairs()


def _node(checker, name):
    hit = checker.index.names.get(normalize(name))
    return hit[0] if hit else None


def test_the_published_pairs_are_loaded():
    assert len(PAIRS) >= 60
    assert ("hydroxyzine", "hydroxychloroquine") in PAIRS
    assert ("clonidine", "Klonopin") in PAIRS


@pytest.mark.parametrize("name, partner", PAIRS, ids=[f"{a}-not-{b}" for a, b in PAIRS])
def test_a_confusable_name_is_itself_or_unrecognised_never_its_partner(checker, name, partner):
    own, other = _node(checker, name), _node(checker, partner)
    for text in (name, f"{name} 10 mg daily", name.upper()):
        got = checker.resolver.resolve(text).id
        assert got == own, f"{text!r} resolved to {got!r}"
        assert other is None or got != other


@pytest.mark.parametrize("name, partner", PAIRS, ids=[f"{a}-not-{b}" for a, b in PAIRS])
def test_a_one_letter_slip_never_becomes_the_partner(checker, name, partner):
    """Every single-letter deletion or doubling of a name stays away from its look-alike."""
    other = _node(checker, partner)
    if other is None:
        return
    for i in range(len(name)):
        for slip in (name[:i] + name[i + 1:], name[:i] + name[i] + name[i:]):
            assert checker.resolver.resolve(slip).id != other, f"{slip!r} became {partner!r}"


# ------------------------------------------------------------------ salts and excipients

@pytest.mark.parametrize("text, node", [
    ("atorvastatin calcium 40 mg", "atorvastatin"),
    ("atorvastatin calcium trihydrate", "atorvastatin"),
    ("montelukast sodium 10 mg", "montelukast"),
    ("sertraline hydrochloride 50 mg", "sertraline"),
    ("sodium montelukast", "montelukast"),
])
def test_a_drug_salt_is_the_drug(checker, text, node):
    entry = checker.resolver.resolve(text)
    assert (entry.id, entry.match) == (node, "salt")
    assert "not as a separate ingredient" in entry.notes[0]


def test_listed_salt_synonyms_still_resolve_as_synonyms(checker):
    assert checker.resolver.resolve("levothyroxine sodium").id == "levothyroxine"
    assert checker.resolver.resolve("losartan potassium").id == "losartan"


@pytest.mark.parametrize("text", [
    "calcium magnesium", "zinc magnesium", "magnesium aluminium hydroxide", "naproxen sodium",
])
def test_a_mineral_is_never_stripped_away(checker, text):
    """A salt word is dropped only when a known drug remains: minerals stay, or stay unknown."""
    entry = checker.resolver.resolve(text)
    assert entry.match != "salt"
    assert entry.id not in ("calcium", "zinc", "aluminium-hydroxide")


@pytest.fixture(scope="module")
def salts() -> Checker:
    return Checker(load_index(FIXTURES / "salt_rules", use_cache=False))


def test_esomeprazole_magnesium_is_esomeprazole_not_a_supplement(salts):
    report = salts.check(["esomeprazole magnesium 40 mg"])
    assert [(r.id, r.match) for r in report.resolved] == [("esomeprazole", "synonym")]
    assert report.findings == [] and report.magnesium_dose is None
    both = salts.check(["esomeprazole magnesium 40 mg", "magnesium oxide 400 mg"])
    assert [(f.rule_id, f.subject.id, f.object.id) for f in both.findings] == [
        ("ppi-magnesium", "esomeprazole", "magnesium-oxide")]
    assert salts.check(["Nexium magnesium"]).resolved[0].id == "nexium"  # the brand, a drug


def test_magnesium_stearate_is_an_excipient_with_nothing_to_check(checker):
    report = checker.check(["doxycycline 100 mg", "magnesium stearate 5 mg"])
    assert report.findings == []
    stearate = report.resolved[1]
    assert (stearate.id, stearate.kind) == ("magnesium-stearate", "excipient")
    assert "nothing to check" in stearate.notes[0]
    assert report.elemental_magnesium_mg_per_day == 0


# ------------------------------------------------------------------ products

@pytest.mark.parametrize("text, ingredient_rule", [
    ("Maalox 20 mL qid prn", "tetracyclines-magnesium-chelation"),
    ("ZMA 3 caps at bedtime", "tetracyclines-magnesium-chelation"),
    ("multivitamin daily", "tetracyclines-magnesium-chelation"),
    ("Phillips' Milk of Magnesia 2 tbsp prn", "tetracyclines-magnesium-chelation"),
])
def test_a_product_fires_its_ingredients_rules_under_the_name_written(checker, text, ingredient_rule):
    report = checker.check(["doxycycline 100 mg bid", text])
    fired = [f for f in report.findings if f.rule_id == ingredient_rule]
    assert fired and fired[0].object.input == text


# ------------------------------------------------------------------ properties

NAMES = [r["input"] for r in TABLE if r["id"] != "-"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NAMES), st.sampled_from([str.upper, str.lower, str.swapcase, str.title]),
       st.integers(min_value=1, max_value=3))
def test_resolving_ignores_case_and_spacing(checker, text, case, spaces):
    expected = checker.resolver.resolve(text)
    spaced = (" " * spaces).join(case(text).split())
    got = checker.resolver.resolve(f" {spaced} ")
    assert (got.id, got.strength, got.unit, got.frequency_per_day) == (
        expected.id, expected.strength, expected.unit, expected.frequency_per_day)


def test_resolving_a_resolved_name_gives_the_same_node(checker):
    """Idempotent: every node's own display name resolves back to it, exactly."""
    for node in checker.index.nodes.values():
        entry = checker.resolver.resolve(node.name)
        assert entry.id == node.id, f"{node.name!r} -> {entry.id!r}"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(NAMES))
def test_resolving_twice_is_stable(checker, text):
    first = checker.resolver.resolve(text)
    again = checker.resolver.resolve(first.resolved_name)
    assert again.id == first.id
