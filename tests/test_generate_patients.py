"""The benchmark generator: the realistic long tail is seeded (same seed, same bytes) and long."""

import csv
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def generate(*args):
    return subprocess.run([sys.executable, "benchmarks/generate_patients.py", *map(str, args)],
                          cwd=ROOT, capture_output=True, check=True).stdout


def test_same_seed_same_bytes_and_the_realistic_data_is_the_default():
    realistic = generate(3000, "-")
    assert realistic == generate(3000, "-", "--seed", 5)
    assert realistic != generate(3000, "-", "--seed", 6)
    assert realistic != generate(3000, "-", "--simple")


def test_the_realistic_data_has_a_long_tail():
    rows = list(csv.DictReader(io.StringIO(generate(20000, "-").decode())))
    pieces = [p.strip() for r in rows for p in r["medications"].split(";") if p.strip()]
    texts, contexts = set(pieces), {(r["conditions"], r["egfr"]) for r in rows}
    # Per 1M patients: ~80,000 texts and ~260,000 pairs; a small file has fewer, more than simple.
    assert len(texts) > 10_000 and len(contexts) > 7_000
    assert any("." in r["egfr"] for r in rows)  # one decimal
    assert any(p[0].isupper() and p[1:4].isdigit() for r in rows for p in r["conditions"].split("; ") if p)
    assert any("," in p or " and " in p for p in pieces)  # two items in one piece, now and then
    assert any(p.endswith((", take with food", "as directed")) for p in pieces)
    simple = list(csv.DictReader(io.StringIO(generate(20000, "-", "--simple").decode())))
    assert len({p for r in simple for p in r["medications"].split("; ")}) < len(texts) / 5


def test_the_long_layout_holds_the_same_patients():
    wide = list(csv.DictReader(io.StringIO(generate(500, "-").decode())))
    long = list(csv.DictReader(io.StringIO(generate(500, "-", "--layout", "long").decode())))
    assert [r["patient_id"] for r in wide] == list(dict.fromkeys(r["patient_id"] for r in long))
    assert [r["medications"] for r in wide] == [
        "; ".join(m["medication"] for m in long if m["patient_id"] == r["patient_id"]) for r in wide]
