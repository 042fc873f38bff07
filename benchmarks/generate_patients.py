"""Write a seeded patient file for `interactions screen` benchmarks and tests.

The default is the long tail of a real export: each name in many spellings (case, brand or
generic, salt words, misspellings), doses, units and frequencies written every way ("400mg",
"400 MG", "400 mg po bid", "1 tab daily", "BID PRN"), trailing instructions (", take with food",
"as directed"), eGFR with one decimal, many distinct condition lists (ICD-10-CM codes and
problem-list phrasings), unknown and misspelt names, and now and then two items in one piece
joined with "," or " and " (quoted by the CSV writer). About 80,000 distinct medication texts and
260,000 distinct (conditions, eGFR) pairs per million patients, as issue 14 measured on a real file.
``--simple`` writes the earlier, short-tailed data (a few thousand distinct texts), for comparison.

Names are picked from the vocabulary in rules/ but kept here, so a rule change never changes the
data. Patient ids are sorted as a database export orders them. Same seed, same bytes.

    python benchmarks/generate_patients.py 100000 benchmarks/data/wide-100k.csv
    python benchmarks/generate_patients.py 100000 benchmarks/data/long-100k.csv --layout long
    python benchmarks/generate_patients.py 100000 out.csv --simple
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys

# --- the simple generator (--simple) ---------------------------------------------------------------

KNOWN = [
    "doxycycline", "minocycline", "tetracycline", "Vibramycin", "ciprofloxacin", "Cipro",
    "levofloxacin", "Levaquin", "moxifloxacin", "alendronate", "Fosamax", "risedronate",
    "ibandronate", "levothyroxine", "Synthroid", "Eltroxin", "liothyronine", "furosemide", "Lasix",
    "bumetanide", "hydrochlorothiazide", "HCTZ", "chlorthalidone", "indapamide", "spironolactone",
    "amiloride", "lisinopril", "ramipril", "losartan", "valsartan", "amlodipine", "Norvasc",
    "metoprolol", "atenolol", "bisoprolol", "diltiazem", "ferrous sulfate", "calcium carbonate",
    "Tums", "zinc gluconate", "J01AA02", "C03CA01",
]
MAGNESIUM = [
    "magnesium oxide", "Mag-Ox 400", "magnesium citrate", "magnesium glycinate",
    "magnesium bisglycinate", "magnesium malate", "magnesium L-threonate", "magnesium chloride",
    "Slow-Mag", "milk of magnesia", "magnesium hydroxide", "Epsom salt", "magnesium lactate",
    "magnesium taurate", "Maalox", "A12CC04",
]
UNKNOWN = [
    "atorvastatin", "simvastatin", "rosuvastatin", "metformin", "sitagliptin", "omeprazole",
    "pantoprazole", "sertraline", "escitalopram", "apixaban", "warfarin", "paracetamol",
    "ibuprofen", "tamsulosin", "allopurinol", "gabapentin", "prednisolone", "salbutamol inhaler",
    "vitamin D3", "fish oil",
]
MISSPELT = [
    "doxycyclin", "levothyroxin", "furosimide", "ciprofloxacine", "magnesium citrat",
    "magnesum oxide", "alendronat", "hydrochlorthiazide", "atorvastatine", "metformine",
]
DOSES = ["", "", "", "100 mg", "200 mg", "400 mg", "500 mg", "250 mg BID", "400 mg daily",
         "50 mcg", "1,000 mg", "20 mg once daily", "10 mg", "5 mg", "1 tab TID", "PRN"]
CONDITIONS = ["", "", "", "", "", "", "hypertension", "CKD", "N18.4", "dialysis",
              "type 2 diabetes", "ckd stage 3b", "osteoporosis"]


# Shares of a medication list: names the rules know (most of them interact with magnesium),
# names they do not know, misspellings; and the share of patients taking a magnesium product.
KNOWN_SHARE, UNKNOWN_SHARE, MISSPELT_SHARE = 0.40, 0.55, 0.05
MAGNESIUM_SHARE = 0.20
EGFR_SHARE = 0.30


def simple_patient(rng: random.Random, number: int) -> tuple:
    """id, age, sex, eGFR, conditions, medications, doses."""
    meds: list[str] = []
    for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8))):
        roll = rng.random()
        pool = (KNOWN if roll < KNOWN_SHARE else
                UNKNOWN if roll < KNOWN_SHARE + UNKNOWN_SHARE else MISSPELT)
        meds.append(rng.choice(pool))
    if rng.random() < MAGNESIUM_SHARE:
        meds.insert(rng.randrange(len(meds) + 1), rng.choice(MAGNESIUM))
    doses = [rng.choice(DOSES) for _ in meds]
    egfr = str(rng.randint(8, 120)) if rng.random() < EGFR_SHARE else ""
    conditions = "; ".join(sorted({rng.choice(CONDITIONS) for _ in range(2)} - {""}))
    return f"P{number:07d}", str(rng.randint(18, 97)), rng.choice("FM"), egfr, conditions, meds, doses


# --- the realistic generator (default) -------------------------------------------------------------

def _table(text: str) -> list[tuple[list[str], list[str]]]:
    """Lines "spelling | spelling ... : strength strength ...": the ways one product is written,
    and the strengths it comes in (in its usual unit)."""
    rows = []
    for line in text.strip().splitlines():
        names, _, strengths = line.partition(":")
        rows.append(([n.strip() for n in names.split("|")], strengths.split()))
    return rows


# Magnesium products: the generic salt, brands and label wordings.
MAGNESIUM_PRODUCTS = _table("""
magnesium oxide | Mag-Ox | Mag-Ox 400 | mag oxide | MgO | Magnesium Oxide : 250mg 400mg 420mg 500mg
magnesium citrate | Citroma | mag citrate | Magnesium Citrate : 100mg 200mg 250mg 300mg
magnesium glycinate | magnesium bisglycinate | mag glycinate | Magnesium Glycinate : 100mg 120mg 200mg 400mg
magnesium chloride | Slow-Mag | Mag64 | Slow Mag : 64mg 71.5mg 535mg
magnesium hydroxide | milk of magnesia | Phillips Milk of Magnesia | MOM : 400mg 1200mg 2400mg
magnesium malate | magnesium L-threonate | magnesium taurate | magnesium lactate : 100mg 144mg 200mg
Epsom salt | magnesium sulfate : 1g 2g
Maalox | Mylanta | Gaviscon Extra Strength | Rolaids Extra Strength : 10mL 15mL 20mL 30mL
magnesium | elemental magnesium | Magnesium Supplement | ZMA : 100mg 200mg 250mg 400mg
""")
# Drugs with a magnesium rule (the ones screening exists for), and their usual strengths.
INTERACTING = _table("""
doxycycline | doxycycline hyclate | Vibramycin | Doryx | doxy : 50mg 100mg
minocycline | Minocin | tetracycline : 50mg 100mg 250mg 500mg
ciprofloxacin | Cipro | cipro : 250mg 500mg 750mg
levofloxacin | Levaquin | moxifloxacin | Avelox : 250mg 400mg 500mg 750mg
alendronate | alendronate sodium | Fosamax | risedronate | Actonel | ibandronate : 35mg 70mg 150mg
levothyroxine | levothyroxine sodium | Synthroid | Levoxyl | Eltroxin | LT4 : 25mcg 50mcg 88mcg 125mcg
furosemide | Lasix | bumetanide | Bumex | torsemide : 20mg 40mg 80mg 1mg
hydrochlorothiazide | HCTZ | chlorthalidone | indapamide : 12.5mg 25mg 50mg
spironolactone | Aldactone | amiloride : 25mg 50mg 100mg
lisinopril | Zestril | Prinivil | ramipril | enalapril | captopril : 2.5mg 5mg 10mg 20mg 40mg
losartan | losartan potassium | Cozaar | valsartan | Diovan : 25mg 50mg 100mg 160mg
amlodipine | amlodipine besylate | Norvasc | nifedipine | diltiazem : 2.5mg 5mg 10mg 30mg
metoprolol | metoprolol succinate | metoprolol tartrate | Toprol XL | atenolol | bisoprolol : 25mg 50mg 100mg
rosuvastatin | Crestor | atorvastatin | atorvastatin calcium | Lipitor : 5mg 10mg 20mg 40mg 80mg
omeprazole | Prilosec | pantoprazole | Protonix | esomeprazole | Nexium | lansoprazole : 20mg 40mg
gabapentin | Neurontin : 100mg 300mg 600mg
glipizide | glyburide | glimepiride : 2.5mg 5mg 10mg
digoxin | Lanoxin : 0.125mg 0.25mg
dolutegravir | Tivicay | Biktarvy | raltegravir : 50mg
ferrous sulfate | iron | ferrous gluconate : 65mg 325mg
calcium carbonate | Tums | calcium citrate | Os-Cal | Caltrate : 500mg 600mg 1000mg 1250mg
zinc gluconate | zinc sulfate | zinc : 15mg 25mg 50mg
""")
# Drugs and supplements the rules name with no magnesium rule: most of a real list.
OTHERS = _table("""
metformin | metformin ER | Glucophage : 500mg 850mg 1000mg
sitagliptin | Januvia | empagliflozin | Jardiance | dapagliflozin | Farxiga : 5mg 10mg 25mg 100mg
apixaban | Eliquis | rivaroxaban | Xarelto | warfarin | Coumadin : 2.5mg 5mg 10mg 20mg
sertraline | Zoloft | escitalopram | Lexapro | fluoxetine | Prozac | citalopram : 10mg 20mg 50mg 100mg
trazodone | bupropion | Wellbutrin XL | duloxetine | Cymbalta | venlafaxine : 37.5mg 50mg 75mg 150mg
tamsulosin | Flomax | finasteride | Proscar : 0.4mg 5mg
allopurinol | Zyloprim | colchicine : 0.6mg 100mg 300mg
prednisone | prednisolone | methylprednisolone | dexamethasone : 1mg 5mg 10mg 20mg
albuterol | ProAir | Ventolin | albuterol inhaler | salbutamol : 90mcg 2.5mg
fluticasone | Flonase | montelukast | Singulair | cetirizine | Zyrtec | loratadine : 5mg 10mg 50mcg
acetaminophen | Tylenol | paracetamol | ibuprofen | Advil | Motrin | naproxen : 200mg 325mg 500mg 800mg
tramadol | hydrocodone / acetaminophen | Norco | oxycodone / acetaminophen | Percocet : 5mg 50mg 10mg
cyclobenzaprine | Flexeril | baclofen | tizanidine : 5mg 10mg
ondansetron | Zofran | famotidine | Pepcid : 4mg 8mg 20mg 40mg
topiramate | Topamax | lamotrigine | levetiracetam | Keppra : 25mg 50mg 100mg 500mg
amoxicillin | amoxicillin / clavulanate | Augmentin | azithromycin | cephalexin : 250mg 500mg 875mg
insulin glargine | Lantus | insulin lispro | Humalog : 10units 20units 100units/mL
semaglutide | Ozempic | dulaglutide | Trulicity | liraglutide | Victoza : 0.25mg 0.5mg 1mg 1.5mg
potassium chloride | Klor-Con | KCl : 10mEq 20mEq
clopidogrel | Plavix | aspirin | ASA | baby aspirin : 75mg 81mg 325mg
carvedilol | Coreg | hydralazine | clonidine : 0.1mg 3.125mg 6.25mg 25mg
simvastatin | Zocor | pravastatin | ezetimibe | Zetia : 10mg 20mg 40mg
vitamin D3 | cholecalciferol | vitamin D | Vit D3 : 1000IU 2000IU 5000IU 50000IU
fish oil | omega-3 | Omega-3 fish oil | krill oil : 1000mg 1200mg
vitamin B12 | cyanocobalamin | B12 | methylcobalamin : 500mcg 1000mcg
folic acid | folate | multivitamin | prenatal vitamins | Centrum : 400mcg 1mg
melatonin | turmeric | CoQ10 | coenzyme Q10 | probiotic | biotin | vitamin C : 3mg 5mg 100mg 500mg
""")
# Names the rules do not know: text a list holds that is no medication the rules cover.
UNKNOWN_NAMES = [
    "Lotemax", "compounded cream", "eye drops", "CBD gummies", "home remedy", "herbal tea",
    "OTC cough syrup", "unknown", "see list", "patient declined", "NKDA", "Kombucha",
    "moisturizer", "sunscreen", "saline nasal spray", "artificial tears", "lubricant gel",
    "blood glucose strips", "lancets", "pen needles", "nebulizer", "CPAP",
]
SYLLABLES = ["zor", "ba", "trex", "lin", "vo", "mab", "ta", "zin", "ol", "pra", "vek", "dine",
             "sa", "fen", "cor", "nu", "lex", "ra"]
FORMS = ["", "", "", " tab", " tablet", " cap", " capsule", " ER", " XL", " chewable", " oral"]
UNIT_SPELLINGS = {"mg": ["mg", " mg", " MG", " Mg", "mg "], "mcg": ["mcg", " mcg", " MCG", " µg"],
                  "g": ["g", " g", " gm"], "ml": ["mL", " mL", " ml", " ML"],
                  "meq": [" mEq", "mEq", " MEQ"], "iu": [" IU", "IU", " units"],
                  "units": [" units", " U"], "units/ml": [" units/mL"]}
FREQUENCIES = ["", "", "", "daily", "once daily", "qd", "QD", "BID", "bid", "b.i.d.", "twice daily",
               "TID", "tid", "QID", "qHS", "at bedtime", "q12h", "q8h", "every 12 hours", "PRN",
               "prn", "BID PRN", "daily prn", "as needed", "qAM", "weekly", "every other day",
               "po bid", "PO daily", "po qd", "1 tab daily", "2 tabs BID", "1 cap qhs", "x2/day"]
INSTRUCTIONS = ["", "", "", "", "", "", ", take with food", " with meals", ", as directed",
                " as directed", " PRN for pain", " on an empty stomach", " for 7 days",
                ", take with water", " with breakfast", " (patient reported)", " - hold if SBP<100"]
CONDITION_PHRASES = [
    "hypertension", "HTN", "high blood pressure", "Essential (primary) hypertension", "I10",
    "type 2 diabetes", "T2DM", "DM2", "diabetes", "E11.9", "E11.65", "E11.22", "E11.649", "E11.40",
    "Type 2 diabetes mellitus without complications", "hyperlipidemia", "HLD", "high cholesterol",
    "E78.5", "E78.2", "E78.00", "CKD", "chronic kidney disease", "CKD stage 3", "ckd stage 3b",
    "CKD 4", "N18.3", "N18.30", "N18.31", "N18.32", "N18.4", "N18.5", "N18.6", "N18.9", "ESRD",
    "dialysis", "Z99.2", "AFib", "atrial fibrillation", "I48.91", "I48.0", "heart failure", "CHF",
    "I50.9", "I50.22", "HFrEF", "COPD", "J44.9", "J44.1", "asthma", "J45.909", "J45.991", "GERD",
    "K21.9", "osteoporosis", "M81.0", "osteopenia", "hypothyroidism", "E03.9", "hypokalemia",
    "E87.6", "hypocalcemia", "E83.51", "hypomagnesemia", "hypomagnesaemia", "E83.42", "low magnesium",
    "hypermagnesemia", "E83.41", "depression", "F32.9", "F32.A", "anxiety", "F41.1", "F41.9",
    "CAD", "I25.10", "obesity", "E66.9", "E66.01", "BMI 30-39", "OSA", "G47.33", "gout", "M10.9",
    "BPH", "N40.0", "N40.1", "migraine", "G43.909", "insomnia", "G47.00", "anemia", "D64.9",
    "iron deficiency anemia", "D50.9", "vitamin D deficiency", "E55.9", "B12 deficiency", "E53.8",
    "constipation", "K59.00", "K59.09", "IBS", "K58.9", "bowel obstruction", "K56.609", "K56.0",
    "pregnancy", "Z33.1", "pregnant", "history of stroke", "Z86.73", "TIA", "G45.9", "DVT",
    "I82.409", "PE", "I26.99", "seizure disorder", "G40.909", "Parkinson's", "G20.A1", "dementia",
    "F03.90", "Alzheimer's disease", "G30.9", "RA", "M06.9", "osteoarthritis", "M17.11", "M19.90",
    "low back pain", "M54.50", "neuropathy", "G62.9", "E11.42", "hepatitis C", "B18.2", "cirrhosis",
    "K74.60", "NAFLD", "K76.0", "psoriasis", "L40.0", "lupus", "M32.9", "HIV", "B20", "glaucoma",
    "H40.9", "long QT", "I45.81", "prediabetes", "R73.03", "hyperkalemia", "E87.5", "hyponatremia",
    "E87.1", "AKI", "N17.9", "UTI", "N39.0", "Gitelman syndrome", "E26.81", "Bartter syndrome",
    "s/p CABG", "Z95.1", "Z79.4", "Z79.01", "Z79.899", "R53.83", "R51.9", "R10.9", "M79.7",
    "E78.1", "E21.3", "I73.9", "I70.209", "J30.9", "L20.9", "F90.9", "F31.9", "F20.9", "F17.210",
]
MED_SHARES = (("magnesium", 0.16), ("interacting", 0.34), ("other", 0.42), ("unknown", 0.04),
              ("misspelt", 0.04))
PAIR_SHARE = 0.03  # a piece holding two items ("amlodipine and atorvastatin")
# How often each distinct text comes back: entry i of a seeded catalogue of written items is drawn
# as int(CATALOGUE ** (u ** SKEW)) for u uniform, a power law (most draws are plain names: below
# HEAD the item is a name alone, drawn afresh). Tuned to ~80,000 distinct texts per 1M patients.
CATALOGUE, SKEW, HEAD = 72_000, 1.2, 400
CONDITION_COUNTS = (0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4)
CONDITION_RATE = 0.05  # phrase k is picked with weight exp(-k * rate): common ones first
EGFR_REAL_SHARE = 0.25  # with one decimal ("42.7"); 5% more as whole numbers


def _case(rng: random.Random, name: str) -> str:
    roll = rng.random()
    return (name if roll < 0.70 else name.lower() if roll < 0.82 else
            name.upper() if roll < 0.90 else name.title())


def _misspell(rng: random.Random, name: str) -> str:
    """One slip of the hand: a letter dropped, doubled or swapped with the next."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 5:
        return name + "e"
    at = rng.choice(letters[1:-1])
    slip = rng.randrange(3)
    if slip == 0:
        return name[:at] + name[at + 1:]
    if slip == 1:
        return name[:at] + name[at] + name[at:]
    return name[:at] + name[at + 1] + name[at] + name[at + 2:]


def _strength(rng: random.Random, strength: str) -> str:
    number = strength.rstrip("abcdefghijklmnopqrstuvwxyzµ/ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    unit = strength[len(number):].lower()
    written = rng.choice(UNIT_SPELLINGS.get(unit, [" " + unit])).rstrip()
    if number == "1000" and rng.random() < 0.3:
        number = "1,000"
    return number + written


def _tail(rng: random.Random, strengths: list[str]) -> str:
    """What follows a name: strength, form, frequency, instruction, each only sometimes."""
    parts = []
    if rng.random() < 0.8:
        parts.append(_strength(rng, rng.choice(strengths)) + rng.choice(FORMS))
    frequency = rng.choice(FREQUENCIES)
    if frequency:
        parts.append(frequency)
    return " " + " ".join(parts) + rng.choice(INSTRUCTIONS) if parts else rng.choice(INSTRUCTIONS)


def _item(rng: random.Random, pool: str, tail: bool) -> str:
    if pool == "unknown":
        if rng.random() < 0.5:
            return rng.choice(UNKNOWN_NAMES)
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        return word + (_tail(rng, ["5mg", "10mg", "20mg"]) if tail else "")
    table = {"magnesium": MAGNESIUM_PRODUCTS, "interacting": INTERACTING}.get(pool, OTHERS)
    if pool == "misspelt":
        table = rng.choice((MAGNESIUM_PRODUCTS, INTERACTING, OTHERS))
    names, strengths = rng.choice(table)
    # The first spellings are the common ones: a long tail, not a flat spread.
    name = names[min(int(rng.expovariate(0.8)), len(names) - 1)]
    name = _misspell(rng, name) if pool == "misspelt" else _case(rng, name)
    return name + (_tail(rng, strengths) if tail else "")


def _pool(rng: random.Random) -> str:
    roll = rng.random()
    for pool, share in MED_SHARES:
        if roll < share:
            return pool
        roll -= share
    return MED_SHARES[-1][0]


def _conditions(rng: random.Random) -> list[str]:
    count = rng.choice(CONDITION_COUNTS)
    # Common phrasings first: a problem list is mostly the same few conditions.
    last = len(CONDITION_PHRASES) - 1
    picked = {CONDITION_PHRASES[min(int(rng.expovariate(CONDITION_RATE)), last)]
              for _ in range(count)}
    return rng.sample(sorted(picked), len(picked))  # in no particular order, as written


class Catalogue:
    """Entry i of the written items, made from its own seed on first use (so the same entry
    always reads the same, whatever was drawn before it)."""

    def __init__(self, seed: int):
        self.seed, self.texts = seed, {}

    def draw(self, rng: random.Random) -> str:
        i = int(CATALOGUE ** (rng.random() ** SKEW))
        if i < HEAD:
            return _item(rng, _pool(rng), tail=False)
        text = self.texts.get(i)
        if text is None:
            own = random.Random(self.seed * 1_000_003 + i)
            text = _item(own, _pool(own), tail=True)
            if own.random() < PAIR_SHARE:
                text += own.choice((", ", " and ")) + _item(own, _pool(own), tail=own.random() < 0.5)
            self.texts[i] = text
        return text


def realistic_patient(rng: random.Random, number: int, catalogue: Catalogue) -> tuple:
    """id, age, sex, eGFR, conditions, medications, doses (the realistic data writes each dose
    inside its medication text)."""
    meds = [catalogue.draw(rng) for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10)))]
    roll = rng.random()
    egfr = (f"{rng.uniform(5, 125):.1f}" if roll < EGFR_REAL_SHARE else
            str(rng.randint(8, 120)) if roll < EGFR_REAL_SHARE + 0.05 else "")
    conditions = "; ".join(_conditions(rng))
    return (f"P{number:07d}", str(rng.randint(18, 97)), rng.choice("FM"), egfr, conditions, meds,
            [""] * len(meds))


def write(count: int, out, layout: str, seed: int, *, realistic: bool = False) -> None:
    """The file, to ``out``. The function keeps the simple data unless asked (the command line's
    default is the realistic one): tests compare screen with check on it, and on the realistic
    data they differ where a piece holds two items ("a 50mg, b": check splits it, screen does not)."""
    rng = random.Random(seed)
    if not realistic:
        patient = simple_patient
    else:
        catalogue = Catalogue(seed)

        def patient(rng, number):
            return realistic_patient(rng, number, catalogue)
    writer = csv.writer(out, lineterminator="\n")
    if layout == "wide":
        writer.writerow(["patient_id", "age", "sex", "egfr", "conditions", "medications"])
    else:
        writer.writerow(["patient_id", "age", "sex", "egfr", "conditions", "medication", "dose"])
    for number in range(1, count + 1):
        pid, age, sex, egfr, conditions, meds, doses = patient(rng, number)
        if layout == "wide":
            items = [f"{m} {d}".strip() for m, d in zip(meds, doses)]
            writer.writerow([pid, age, sex, egfr, conditions, "; ".join(items)])
        else:
            writer.writerows([pid, age, sex, egfr, conditions, m, d] for m, d in zip(meds, doses))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patients", type=int)
    parser.add_argument("output", help="a path (.gz compresses) or - for stdout")
    parser.add_argument("--layout", choices=("wide", "long"), default="wide")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--simple", action="store_true",
                        help="the earlier short-tailed data (few distinct texts), for comparison")
    args = parser.parse_args(argv)
    if args.output == "-":
        write(args.patients, sys.stdout, args.layout, args.seed, realistic=not args.simple)
        return
    opener = gzip.open if args.output.endswith(".gz") else open
    with opener(args.output, "wt", encoding="utf-8", newline="") as out:
        write(args.patients, out, args.layout, args.seed, realistic=not args.simple)


if __name__ == "__main__":
    main()
