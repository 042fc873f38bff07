"""The vocabulary (issue 14): the names on real medication, supplement and problem lists are
recognised, and the generated rule files are exactly what scripts/build_vocabulary.py makes.

Recognising a name with no magnesium rule is not a finding: the item is checked and nothing is
found, instead of the whole patient being reported as "unrecognised".
"""

import importlib.util
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from interactions.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SCRIPT = ROOT / "scripts" / "build_vocabulary.py"
SEEDS = ROOT / "scripts" / "vocabulary"


def _script():
    spec = importlib.util.spec_from_file_location("build_vocabulary", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build_vocabulary = _script()

# ------------------------------------------------------------------ what people write -> what it is

# (as written, entity id, kind of match)
NAMES = [
    # generics of the top 300 that were unrecognised before
    ("rosuvastatin", "rosuvastatin", "exact"),
    ("rosuvastatin calcium 10 mg", "rosuvastatin", "salt"),
    ("albuterol HFA 90 mcg q4h prn", "albuterol", "synonym"),
    ("salbutamol", "albuterol", "synonym"),
    ("amoxicillin 500 mg tid", "amoxicillin", "exact"),
    ("famotidine 20 mg bid", "famotidine", "exact"),
    ("empagliflozin 10 mg", "empagliflozin", "exact"),
    ("potassium chloride 20 mEq daily", "potassium-chloride", "exact"),
    ("KCl 10 mEq", "potassium-chloride", "synonym"),
    ("cyclobenzaprine 10 mg qhs prn", "cyclobenzaprine", "exact"),
    ("ondansetron 4 mg q8h prn", "ondansetron", "exact"),
    ("topiramate 25 mg", "topiramate", "exact"),
    ("prednisolone 5 mg", "prednisolone", "exact"),
    ("methotrexate 2.5 mg weekly", "methotrexate", "exact"),
    ("amiodarone 200 mg", "amiodarone", "exact"),
    ("clonidine 0.1 mg bid", "clonidine", "exact"),
    ("glibenclamide", "glyburide", "synonym"),
    ("naproxen sodium 220 mg", "naproxen", "synonym"),
    ("paracetamol/codeine", "acetaminophen-codeine", "synonym"),
    ("valaciclovir", "valacyclovir", "synonym"),
    ("frusemide", "furosemide", "synonym"),  # an older file's name still resolves
    # brands, US and UK/EU
    ("Crestor 20 mg", "crestor", "brand"),
    ("ProAir HFA", "proair-hfa", "brand"),
    ("Ventolin Evohaler", "ventolin-evohaler", "brand"),
    ("Trulicity 1.5 mg weekly", "trulicity", "brand"),
    ("Farxiga 10 mg", "farxiga", "brand"),
    ("Forxiga", "forxiga", "brand"),
    ("Jardiance", "jardiance", "brand"),
    ("Mounjaro", "mounjaro", "brand"),
    ("Klor-Con M20", "klor-con-m20", "brand"),
    ("Pepcid AC", "pepcid-ac", "brand"),
    ("Flonase", "flonase", "brand"),
    ("Celebrex 200 mg", "celebrex", "brand"),
    ("Keppra", "keppra", "brand"),
    # combination products, however the slash is written
    # (a product's own name matches as "brand": the index's word for a product node's name)
    ("hydrocodone/acetaminophen", "hydrocodone-acetaminophen", "brand"),
    ("hydrocodone-acetaminophen", "hydrocodone-acetaminophen", "brand"),
    ("hydrocodone / acetaminophen", "hydrocodone-acetaminophen", "brand"),
    # a two-part strength "5-325 mg" is reported, not read as one dose: the name is left whole
    ("hydrocodone-acetaminophen 5-325 mg", "hydrocodone-acetaminophen", "brand"),
    ("hydrocodone and acetaminophen", "hydrocodone-acetaminophen", "synonym"),
    ("hydrocodone/APAP", "hydrocodone-acetaminophen", "synonym"),
    ("Norco 1 tablet q6h prn", "hydrocodone-acetaminophen", "synonym"),
    ("Augmentin 875 mg bid", "amoxicillin-clavulanate", "synonym"),
    ("co-amoxiclav", "amoxicillin-clavulanate", "synonym"),
    ("Symbicort bid", "budesonide-formoterol", "synonym"),
    ("Advair Diskus", "fluticasone-salmeterol", "synonym"),
    ("Bactrim DS", "sulfamethoxazole-trimethoprim", "synonym"),
    ("SMX-TMP", "sulfamethoxazole-trimethoprim", "synonym"),
    ("Adderall XR 20 mg", "dextroamphetamine-amphetamine", "synonym"),
    ("Percocet", "oxycodone-acetaminophen", "synonym"),
    ("Janumet", "sitagliptin-metformin", "synonym"),
    ("Sinemet", "carbidopa-levodopa", "synonym"),
    ("Zestoretic", "lisinopril-hydrochlorothiazide", "synonym"),  # already in antihypertensives
    ("Tylenol PM", "acetaminophen-diphenhydramine", "synonym"),
    # supplements
    ("vitamin D3 2000 IU daily", "vitamin-d3", "exact"),
    ("cholecalciferol 1000 IU", "vitamin-d3", "synonym"),
    ("vitamin D 50000 IU weekly", "vitamin-d", "exact"),
    ("ergocalciferol 50000 units weekly", "vitamin-d2", "synonym"),
    ("fish oil 1000 mg", "fish-oil", "exact"),
    ("omega-3", "omega-3-fatty-acids", "synonym"),
    ("Lovaza 1 g", "lovaza", "brand"),
    ("vitamin B12 1000 mcg", "vitamin-b12", "exact"),
    ("cyanocobalamin", "vitamin-b12", "synonym"),
    ("B12", "vitamin-b12", "synonym"),
    ("folic acid 1 mg", "folic-acid", "exact"),
    ("probiotic daily", "probiotics", "synonym"),
    ("melatonin 3 mg qhs", "melatonin", "exact"),
    ("turmeric", "turmeric", "exact"),
    ("curcumin 500 mg", "turmeric", "synonym"),
    ("CoQ10 100 mg", "coenzyme-q10", "synonym"),
    ("glucosamine/chondroitin", "glucosamine-chondroitin", "brand"),
    ("biotin", "biotin", "exact"),
    ("elderberry", "elderberry", "exact"),
    ("ashwagandha", "ashwagandha", "exact"),
    ("collagen peptides", "collagen", "synonym"),
    ("Metamucil", "metamucil", "brand"),
    ("St. John's Wort", "st-johns-wort", "exact"),
    ("calcium with vitamin D", "calcium-carbonate-vitamin-d3", "synonym"),
    ("PreserVision AREDS 2", "areds2-eye-vitamins", "synonym"),
    ("potassium 99 mg", "potassium-supplement", "synonym"),
    ("magnesium oxide 400 mg", "magnesium-oxide", "exact"),  # not duplicated, still the same
    # conditions, as problem lists write them
    ("HTN", "hypertension", "synonym"),
    ("high blood pressure", "hypertension", "synonym"),
    ("Essential (primary) hypertension", "hypertension", "synonym"),  # the ICD-10-CM title
    ("I10", "hypertension", "code"),
    ("T2DM", "type-2-diabetes", "synonym"),
    ("DM2", "type-2-diabetes", "synonym"),
    ("diabetes mellitus type 2", "type-2-diabetes", "synonym"),
    ("E11.9", "type-2-diabetes", "code"),
    ("Type 2 diabetes mellitus without complications", "type-2-diabetes", "synonym"),
    ("hyperlipidemia", "hyperlipidemia", "exact"),
    ("E78.5", "hyperlipidemia", "code"),
    ("HLD", "hyperlipidemia", "synonym"),
    ("AFib", "atrial-fibrillation", "synonym"),
    ("I48.91", "atrial-fibrillation", "code"),
    ("CHF", "heart-failure", "synonym"),
    ("I50.9", "heart-failure", "code"),
    ("COPD", "copd", "exact"),
    ("J44.9", "copd", "code"),
    ("GERD", "gerd", "exact"),
    ("acid reflux", "gerd", "synonym"),
    ("K21.9", "gerd", "code"),
    ("osteoporosis", "osteoporosis", "exact"),
    ("M81.0", "osteoporosis", "code"),
    ("hypothyroidism", "hypothyroidism", "exact"),
    ("E03.9", "hypothyroidism", "code"),
    ("hypokalemia", "hypokalemia", "exact"),
    ("E87.6", "hypokalemia", "code"),
    ("hypocalcaemia", "hypocalcemia", "synonym"),
    ("E83.51", "hypocalcemia", "code"),
    ("hypomagnesemia", "hypomagnesaemia", "synonym"),
    ("low magnesium", "hypomagnesaemia", "synonym"),
    ("E83.42", "hypomagnesaemia", "code"),
    ("hypermagnesemia", "hypermagnesaemia", "synonym"),  # kidney/conditions files still own theirs
    ("CKD stage 3", "ckd-stage-3", "exact"),
    ("OSA", "obstructive-sleep-apnea", "synonym"),
    ("BPH", "benign-prostatic-hyperplasia", "synonym"),
    ("CAD", "coronary-artery-disease", "synonym"),
    ("RA", "rheumatoid-arthritis", "synonym"),
    ("migraine", "migraine", "exact"),
    ("seizure disorder", "epilepsy", "synonym"),
]


@pytest.mark.parametrize("text, node, match", NAMES, ids=[n[0] for n in NAMES])
def test_a_real_world_name_is_recognised(checker, text, node, match):
    entry = checker.resolver.resolve(text)
    assert (entry.id, entry.match) == (node, match)


def test_a_condition_name_works_as_a_condition(checker):
    from interactions.models import PatientContext

    report = checker.check(["rosuvastatin", "Crestor", "vitamin D3"],
                           PatientContext(conditions=["HTN", "T2DM", "hypomagnesemia"]))
    assert report.unrecognized == []
    assert [c.id for c in report.conditions] == ["hypertension", "type-2-diabetes",
                                                 "hypomagnesaemia"]


def test_a_brand_of_a_combination_fires_its_ingredients_rules(checker):
    """AREDS2 contains zinc 80 mg; calcium + D contains calcium carbonate: their ingredients count."""
    zinc = checker.check(["PreserVision AREDS 2", "magnesium oxide 400 mg"])
    assert "zinc-high-dose-magnesium-absorption" in {f.rule_id for f in zinc.findings}


def _top300():
    return [ln.strip() for ln in (SEEDS / "top300.txt").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]


def test_the_yardstick_has_three_hundred_drugs_and_every_one_is_known(checker):
    names = _top300()
    assert len(names) >= 300 and len(set(names)) == len(names)
    missing = [(n, checker.resolver.resolve(n).match) for n in names
               if checker.resolver.resolve(n).match in (None, "approximate")]
    assert missing == []


# ------------------------------------------------------------------ the generated files

def test_the_committed_vocabulary_is_what_the_script_makes(tmp_path):
    assert build_vocabulary.main(["--rules", str(RULES), "--out", str(tmp_path)]) == 0
    for name in build_vocabulary.OUTPUTS.values():
        assert (RULES / name).read_text(encoding="utf-8") == (tmp_path / name).read_text(
            encoding="utf-8"), f"rules/{name} is stale: run scripts/build_vocabulary.py"


def test_the_vocabulary_files_hold_names_only():
    for name in build_vocabulary.OUTPUTS.values():
        data = tomllib.loads((RULES / name).read_text(encoding="utf-8"))
        assert set(data) == {"entity"}, name
        kinds = {e["kind"] for e in data["entity"]}
        assert kinds <= {"drug", "product", "supplement", "condition"}, name


def test_no_kidney_condition_is_generated():
    data = tomllib.loads((RULES / "vocabulary-conditions.toml").read_text(encoding="utf-8"))
    codes = [c for e in data["entity"] for c in e.get("icd10", [])]
    assert not [c for c in codes if c.startswith(("N17", "N18", "N19", "Z99.2"))]


def test_a_name_another_rule_file_gains_is_not_generated_again(tmp_path):
    """Re-running after another file starts to define a drug never makes a duplicate."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "site-additions.toml").write_text(
        '[[entity]]\nid = "albuterol"\nkind = "drug"\nname = "Albuterol"\n'
        'brands = ["ProAir"]\natc = ["R03AC02"]\n\n'
        '[[entity]]\nid = "high-blood-pressure"\nkind = "condition"\nname = "High blood pressure"\n'
        'icd10 = ["I10"]\n', encoding="utf-8")
    assert build_vocabulary.main(["--rules", str(rules)]) == 0
    kb = load_knowledge(rules)  # would fail on any name, brand or code defined twice
    assert kb.origin["albuterol"] == "site-additions.toml"
    assert kb.origin["hypertension"] == "vocabulary-conditions.toml"
    assert "I10" not in kb.entities["hypertension"].icd10  # the other file has it now
    assert "high blood pressure" not in kb.entities["hypertension"].synonyms
    header = (rules / "vocabulary-drugs.toml").read_text(encoding="utf-8")
    assert "albuterol (site-additions.toml)" in header


def test_a_seed_naming_an_existing_entity_points_at_it():
    """The products' ingredients that other files define (acetaminophen) are used, not re-made."""
    data = tomllib.loads((RULES / "vocabulary-drugs.toml").read_text(encoding="utf-8"))
    ids = {e["id"] for e in data["entity"]}
    assert "acetaminophen" not in ids and "atorvastatin" not in ids
    norco = next(e for e in data["entity"] if e["id"] == "hydrocodone-acetaminophen")
    assert norco["contains"] == ["hydrocodone", "acetaminophen"]


def test_drugs_join_a_class_only_where_one_is_right():
    data = tomllib.loads((RULES / "vocabulary-drugs.toml").read_text(encoding="utf-8"))
    classes = {e["id"]: e.get("is_a", []) for e in data["entity"]}
    assert classes["fluconazole"] == ["triazole-antifungals"]
    assert classes["clonidine"] == ["antihypertensives"]
    assert classes["timolol"] == []  # a beta blocker, but used as eye drops
    assert "rosuvastatin" not in classes  # rules/statins.toml defines it, in its class
