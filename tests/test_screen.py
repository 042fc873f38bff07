"""`interactions screen`: patient files in, findings, summaries and rejects out, nothing lost."""

import csv
import gc
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions import files
from interactions.errors import InputError
from interactions.models import PatientContext
from interactions.screen import (
    ScreenOptions,
    screen_file,
    screen_frame,
    screen_records,
    tabular,
)
from interactions.screen import long as screen_long
from interactions.screen.formats import FINDING_COLUMNS

ROOT = Path(__file__).parent.parent
CASES = Path(__file__).parent / "fixtures" / "screen"
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_patients import write as generate  # noqa: E402


def run(*args, stdin=None):
    """The real command, as a user runs it: exit code, stdout, stderr."""
    done = subprocess.run([sys.executable, "-m", "interactions", "screen", *map(str, args)],
                          cwd=ROOT, input=stdin, capture_output=True)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def screen(source, tmp_path, **options):
    out = {name: tmp_path / f"{name}.csv" for name in ("findings", "summary", "rejects")}
    result = screen_file(source, out["findings"], summary=out["summary"], rejects=out["rejects"],
                         options=ScreenOptions(**options))
    return result, {name: rows(path) for name, path in out.items()}


def patient_file(tmp_path, count, layout="wide", name=None):
    path = tmp_path / (name or f"{layout}-{count}.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        generate(count, fh, layout, seed=11)
    return path


# --- the bundled example -------------------------------------------------------------------------

def test_the_bundled_example_screens_as_the_readme_shows(tmp_path):
    code, out, err = run(ROOT / "examples" / "patients.csv", "--summary", tmp_path / "s.csv")
    assert code == 1
    findings = list(csv.DictReader(io.StringIO(out)))
    assert [(f["patient_id"], f["rule_id"], f["dur_reason"], f["clinical_significance"])
            for f in findings] == [
        ("P001", "tetracyclines-magnesium-chelation", "DD", "1"),
        ("P003", "magnesium-severe-renal-impairment", "MC", "1"),
        ("P003", "antihypertensives-magnesium-blood-pressure", "DD", "3"),
        ("P003", "loop-diuretics-magnesium-loss", "DD", "3"),
        ("P004", "alendronate-calcium-absorption", "DD", "2"),
        ("P004", "bisphosphonates-magnesium-absorption", "DD", "2"),
        ("P004", "levothyroxine-calcium-absorption", "DD", "2"),
        ("P004", "levothyroxine-magnesium-absorption", "DD", "2"),
        ("P005", "magnesium-severe-renal-impairment", "MC", "1"),
        ("P005", "ciprofloxacin-magnesium-chelation", "DD", "1"),
        ("P007", "levofloxacin-magnesium-chelation", "DD", "1"),
    ]
    doxy = findings[0]
    assert (doxy["subject_written"], doxy["subject_id"], doxy["other_written"], doxy["other_id"],
            doxy["drug_before_hours"], doxy["drug_after_hours"]) == (
        "doxycycline 100 mg BID", "doxycycline", "magnesium citrate 400 mg", "magnesium-citrate",
        "2", "6")
    assert findings[-1]["subject_written"] == "levofloxacn 500 mg"  # a misspelling, resolved
    summary = rows(tmp_path / "s.csv")
    assert summary[0][:4] == ["patient_id", "line", "highest_severity", "findings"]
    assert [r[0] for r in summary[1:]] == ["P001", "P002", "P003", "P004", "P005", "P006", "P007"]
    assert summary[2] == ["P002", "3", "", "0", "0", "0", "0", "0", "2", "0", "", "0"]
    # hypertension is known (and has no magnesium rule); an unknown condition is reported, not dropped
    assert summary[3][9:11] == ["1", "Gitelman syndrome"]
    assert err.strip() == ("screen: 7 rows read = 7 patients screened + 0 rows rejected; "
                           "11 findings for 5 patients; 1 patient with unrecognised items")


# --- screen and check agree ----------------------------------------------------------------------

def _check_findings(checker, patient):
    items = [i.strip() for i in patient["medications"].split(";") if i.strip()]
    context = PatientContext(
        conditions=[c.strip() for c in patient["conditions"].split(";") if c.strip()],
        egfr=float(patient["egfr"]) if patient["egfr"] else None,
        age=float(patient["age"]) if patient["age"] else None, sex=patient["sex"] or None)
    report = checker.check(items, context)
    return [(f.rule_id, f.severity, f.subject.id, f.subject.input, _other(f).id, _other(f).input,
             f.separation.drug_before_hours if f.separation else None,
             f.separation.drug_after_hours if f.separation else None, f.message)
            for f in report.findings], len(report.unrecognized)


def _other(finding):
    """The finding's object or condition; a dose finding has neither (empty cells in screen)."""
    return finding.object or finding.condition or SimpleNamespace(input="", id=None)


def test_screen_and_check_agree_finding_for_finding(tmp_path, checker):
    source = patient_file(tmp_path, 1500)
    result, out = screen(source, tmp_path, output_format="csv")
    header, *found = out["findings"]
    col = {name: i for i, name in enumerate(header)}
    by_patient = {}
    for row in found:
        by_patient.setdefault(row[col["patient_id"]], []).append((
            row[col["rule_id"]], row[col["severity"]], row[col["subject_id"]],
            row[col["subject_written"]], row[col["other_id"]] or None, row[col["other_written"]],
            float(row[col["drug_before_hours"]]) if row[col["drug_before_hours"]] else None,
            float(row[col["drug_after_hours"]]) if row[col["drug_after_hours"]] else None,
            row[col["message"]]))
    unrecognised = {r[0]: int(r[9]) for r in out["summary"][1:]}
    with source.open(newline="", encoding="utf-8") as fh:
        patients = list(csv.DictReader(fh))
    assert result.patients == len(patients) == 1500
    assert result.findings > 300  # the comparison below is not vacuous
    for patient in patients:
        expected, unknown = _check_findings(checker, patient)
        assert by_patient.get(patient["patient_id"], []) == expected, patient
        assert unrecognised[patient["patient_id"]] == unknown, patient


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "doxycycline", "Vibramycin 100 mg", "magnesium citrate", "Mag-Ox 400", "Mag-Ox 400",
    "levofloxacin", "ciprofloxacin", "Maalox", "magnesium sulfate IV", "furosemide", "lisinopril",
    "alendronate", "levothyroxine", "calcium carbonate", "xyzzy", "doxycyclin", "",
    # several items in one piece, and conditions and eGFR values written as items (check.items)
    "doxycycline, magnesium citrate 400 mg", "Mag-Ox 400 and levofloxacin",
    "doxycycline magnesium", "dialysis", "CKD stage 4", "eGFR 22",
    "magnesium oxide 400 mg, on dialysis"]), max_size=7),
    st.sampled_from([None, 12.0, 25.0, 45.0, 90.0]),
    st.lists(st.sampled_from(["dialysis", "CKD", "N18.4", "gout"]), max_size=2),
    st.sampled_from([None, 5.0, 16.0, 40.0]), st.sampled_from([None, "F", "M"]), st.booleans())
def test_the_batch_engine_matches_check_on_any_list(checker, items, egfr, conditions, age, sex,
                                                     pregnant):
    frame = pl.DataFrame({"patient_id": ["X"], "medications": [items], "conditions": [conditions],
                          "egfr": [egfr], "age": [age], "sex": [sex],
                          "pregnant": ["yes" if pregnant else ""]},
                         schema={"patient_id": pl.String, "medications": pl.List(pl.String),
                                 "conditions": pl.List(pl.String), "egfr": pl.Float64,
                                 "age": pl.Float64, "sex": pl.String, "pregnant": pl.String})
    found = screen_frame(frame, checker)
    context = PatientContext(conditions=conditions, egfr=egfr, age=age, sex=sex,
                             pregnant=pregnant)
    if context.contradiction():  # check refuses it (PatientContext.checked): screen rejects it
        assert list(found.rejects["reason"]) == [context.contradiction()]
        return
    # An empty piece of a cell is no item (in check an empty argument is a usage error).
    report = checker.check([i for i in items if i.strip()], context)
    assert [(f["rule_id"], f["subject_id"], f["subject_written"], f["other_id"],
             f["other_written"], f["message"] if f["kind"] == "dose" else None)
            for f in found.findings.iter_rows(named=True)] == [
        (f.rule_id, f.subject.id, f.subject.input, _other(f).id, _other(f).input,
         f.message if f.kind == "dose" else None) for f in report.findings]
    if not any(i.strip() for i in items):
        assert list(found.rejects["reason"]) == ["empty medication list"]
        return
    [summary] = found.summary.iter_rows(named=True)
    assert summary["unrecognised_items"] == "; ".join(u.input for u in report.unrecognized)
    # items: the items read, conditions and eGFR values written among them excluded
    read = checker.read([i for i in items if i.strip()], PatientContext())
    assert summary["items"] == len(read.entries)
    assert summary["findings"] == len(report.findings)


# Medication cells as people write them: several items in one piece, conditions and eGFR values
# among the medications (README, "Several items in one argument"). Findings as
# (patient, rule, subject as written, other as written).
_WRITTEN_FINDINGS = [
    ("A", "magnesium-severe-renal-impairment", "magnesium oxide 400 mg", "dialysis"),
    ("B", "tetracyclines-magnesium-chelation", "doxycycline", "magnesium citrate 400 mg"),
    ("C", "magnesium-severe-renal-impairment", "Mag-Ox 400", "eGFR 22"),
    ("C", "levofloxacin-magnesium-chelation", "levofloxacin", "Mag-Ox 400"),
    ("D", "magnesium-severe-renal-impairment", "magnesium oxide 400 mg", "CKD stage 4")]
_WRITTEN_LISTS = {  # patient: (medication pieces, conditions cell, eGFR cell)
    "A": (["magnesium oxide 400 mg", "dialysis"], [], None),
    "B": (["doxycycline, magnesium citrate 400 mg"], [], None),
    "C": (["Mag-Ox 400 and levofloxacin", "eGFR 22"], [], 40.0),
    "D": (["magnesium oxide 400 mg", "CKD stage 4"], ["hypertension"], None),
    "E": (["dialysis"], [], None)}
_WRITTEN_WIDE = """patient_id,medications,conditions,egfr
A,magnesium oxide 400 mg;dialysis,,
B,"doxycycline, magnesium citrate 400 mg",,
C,Mag-Ox 400 and levofloxacin|eGFR 22,,40
D,magnesium oxide 400 mg;CKD stage 4,hypertension,
E,dialysis,,
F,doxycycline;magnesium oxide 400 mg;eGFR 300,,
"""
_WRITTEN_LONG = """patient_id,medication,dose,conditions,egfr
A,magnesium oxide,400 mg,,
A,dialysis,,,
B,"doxycycline, magnesium citrate 400 mg",,,
C,Mag-Ox 400 and levofloxacin,,,40
C,eGFR 22,,,
D,magnesium oxide,400 mg,hypertension,
D,CKD stage 4,,,
E,dialysis,,,
F,doxycycline,,,
F,magnesium oxide,400 mg,,
F,eGFR 300,,,
"""


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_screen_reads_combined_items_and_conditions_in_medication_cells(tmp_path, checker, layout):
    source = tmp_path / f"{layout}.csv"
    source.write_text(_WRITTEN_WIDE if layout == "wide" else _WRITTEN_LONG, encoding="utf-8")
    result, out = screen(source, tmp_path)
    header, *found = out["findings"]
    col = {name: i for i, name in enumerate(header)}
    assert [(r[col["patient_id"]], r[col["rule_id"]], r[col["subject_written"]],
             r[col["other_written"]]) for r in found] == _WRITTEN_FINDINGS
    summary = {r[0]: r for r in out["summary"][1:]}
    # items read (a condition or eGFR among the medications is not one); none unrecognised;
    # E's cell holds only a condition: screened, not "empty medication list"
    assert {p: (r[8], r[9]) for p, r in summary.items()} == {
        "A": ("1", "0"), "B": ("2", "0"), "C": ("2", "0"), "D": ("1", "0"), "E": ("0", "0")}
    # an eGFR written among the medications is checked as an eGFR cell is
    assert {r[1] for r in out["rejects"][1:]} == {"eGFR 300 is outside 0-250 mL/min/1.73 m2"}
    assert result.patients == 5
    for patient, (items, conditions, egfr) in _WRITTEN_LISTS.items():  # and check agrees
        report = checker.check(items, PatientContext(conditions=conditions, egfr=egfr))
        assert [(f.rule_id, f.subject.input, _other(f).input) for f in report.findings] == [
            f[1:] for f in _WRITTEN_FINDINGS if f[0] == patient]


def test_screen_frame_and_records_read_medication_cells_as_check_does(checker):
    frame = pl.DataFrame({"patient_id": list(_WRITTEN_LISTS),
                          "medications": [";".join(v[0]) for v in _WRITTEN_LISTS.values()],
                          "conditions": [";".join(v[1]) for v in _WRITTEN_LISTS.values()],
                          "egfr": [v[2] for v in _WRITTEN_LISTS.values()]})
    found = screen_frame(frame, checker)
    assert [(f["patient_id"], f["rule_id"], f["subject_written"], f["other_written"])
            for f in found.findings.iter_rows(named=True)] == _WRITTEN_FINDINGS
    records = screen_records(frame.to_dicts(), checker)
    assert [(p.patient_id, f.rule_id, f.subject.input, _other(f).input)
            for p in records for f in p.report.findings] == _WRITTEN_FINDINGS


def test_the_long_layout_finds_what_the_wide_layout_finds(tmp_path):
    _, wide = screen(patient_file(tmp_path, 800), tmp_path)
    long_result, long = screen(patient_file(tmp_path, 800, "long"), tmp_path)
    assert long["findings"] == wide["findings"]
    assert [r[:1] + r[2:] for r in long["summary"]] == [r[:1] + r[2:] for r in wide["summary"]]
    assert long_result.patients == 800 and long_result.rows_read > 800


def test_long_rows_are_pooled_into_patients_alike_in_any_blocks_and_when_sorted(tmp_path):
    """Rows are pooled in polars (long.read_long), bad rows and all, with the same bytes in small
    blocks, in one block and through --sort. (When the row-by-row reader it replaced was removed,
    both gave the same digests on this file; the knowledge has grown since, so the bytes are now
    compared between the ways of reading.)"""
    header = "patient_id,age,sex,egfr,conditions,pregnant,medication,dose"
    patient = [  # the age that counts sets the upper limit for 120 mg of magnesium a day
        '{id},,,60,CKD stage 4;dialysis,,doxycycline,100 mg',  # age and sex from a later row
        '{id}, 2 , f ,25, dialysis ; heart failure,no,magnesium oxide,200 mg',
        '{id},70,M,,"CKD stage 4",,"calcium carbonate",',  # the first age and sex given count
        '{id},30,F,,,,levothyroxine,',  # (pregnant here would contradict age 2 or sex M)
        '{id},,F,90,,NO,"zinc gluconate","1,000 mg"',
        '{id},55,M,35.5,,,lisinopril;ramipril,']  # a cell of two items, as check reads it
    damage = ['{id},abc,F,,,,doxycycline,', '{id},40,F,,,,  ,', '{id},40,X,,,,Mag-Ox,',
              '{id},40,F,,,maybe,Mag-Ox,', '{id},40,F,300,,,Mag-Ox,', '{id},40,F,,,,"Mag-Ox,',
              ' ,40,F,,,,Mag-Ox,']
    lines = [header]
    for k in range(600):  # numbers, then text; every 7th patient damaged, and a blank line
        rows = patient[k % 3:] + [damage[k // 7 % len(damage)]] * (k % 7 == 6) * (k < 500)
        lines += [row.format(id=k + 7 if k < 300 else f"P{k:04d}") for row in rows]
        lines += [""] * (k % 7 == 6)
    source = tmp_path / "long.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def outputs(tag, **options):
        paths = [tmp_path / f"{tag}-{n}" for n in ("f", "s", "r")]
        result = screen_file(source, paths[0], summary=paths[1], rejects=paths[2],
                             options=ScreenOptions(**options))
        return result.account(), [p.read_bytes() for p in paths]

    account, small = outputs("small", block_bytes=6_000)
    assert account.startswith("screen: 3,071 rows read = 3,000 rows screened (600 patients) + "
                              "71 rows rejected; 85 blank lines skipped; 3,400 findings")
    assert b"age 'abc' is not a number" in small[2]
    sorted_account, resorted = outputs("sorted", sort=True, block_bytes=6_000)
    assert sorted_account == account and resorted[:2] == small[:2]
    # Lines without a patient are rejected as they are read, ahead of the sorted patients.
    assert sorted(resorted[2].splitlines()) == sorted(small[2].splitlines())
    assert outputs("whole", block_bytes=1 << 20) == (account, small)


def test_sort_rejects_an_undecodable_line_as_an_unsorted_run_does(tmp_path):
    source = tmp_path / "latin.csv"
    source.write_bytes(b"patient_id,medication,egfr\nP2,doxycycline,\nP1,caf\xe9 magnesium,\n"
                       b"P1,magnesium oxide,\n,x,\n\nP1,levofloxacin,30\n")
    result, out = screen(source, tmp_path, sort=True)
    assert [r[:2] for r in out["rejects"][1:]] == [
        ["3", "not valid utf-8: byte 0xe9 at position 7"], ["5", "empty patient id"]]
    assert [r[:2] + r[3:4] for r in out["summary"][1:]] == [["P1", "4", "2"], ["P2", "2", "0"]]
    assert (result.rows_screened, result.rows_rejected, result.blank_lines) == (3, 2, 1)


@settings(deadline=None)  # polars' first call on a loaded machine can take longer than 200 ms
@given(st.lists(st.one_of(st.integers(0, 10**25).map(str), st.sampled_from(["007", "7", "é1", "1²"]),
                          st.text("P0123é", min_size=1, max_size=4)), max_size=8))
def test_the_long_layouts_order_check_in_polars_agrees_with_order_key(ids):
    keys = [screen_long.order_key(i) for i in ids]
    expected = all(a < b for a, b in zip(keys, keys[1:]))
    assert screen_long._ascending(pl.Series(ids, dtype=pl.String)) == expected
    assert screen_long._ascending(pl.Series(sorted(set(ids), key=screen_long.order_key),
                                            dtype=pl.String))


# --- same bytes, whatever the run ---------------------------------------------------------------

@pytest.mark.parametrize("layout", ["wide", "long"])
def test_output_is_byte_identical_across_runs_jobs_and_block_sizes(tmp_path, layout):
    source = patient_file(tmp_path, 3000, layout)

    def outputs(tag, **options):
        paths = [tmp_path / f"{tag}-{n}" for n in ("f", "s", "r")]
        options.setdefault("block_bytes", 40_000)  # many blocks, patients cut across them
        screen_file(source, paths[0], summary=paths[1], rejects=paths[2],
                    options=ScreenOptions(**options))
        return [p.read_bytes() for p in paths]

    first = outputs("one", jobs=1)
    assert outputs("again", jobs=1) == first
    assert outputs("two", jobs=2) == first
    assert outputs("big", jobs=1, block_bytes=1 << 20) == first
    assert outputs("jsonl", jobs=2, output_format="jsonl") == outputs("jsonl1", output_format="jsonl")


@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=40),
       st.booleans(), st.integers(1, 50))
def test_blocks_are_whole_lines_that_add_up_to_the_input(lines, final_newline, size):
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    blocks = list(tabular.read_blocks(io.BytesIO(data), size))
    assert b"".join(blocks) == data
    assert all(block.endswith(b"\n") for block in blocks[:-1]) and all(blocks)


@pytest.mark.parametrize("layout, output_format",
                         [("wide", "csv"), ("wide", "jsonl"), ("long", "csv")])
def test_the_screener_forgetting_what_it_has_seen_changes_no_byte(tmp_path, layout,
                                                                   output_format):
    """With a tiny cache limit the Screener starts afresh between almost every pair of blocks,
    while the block before is still being screened and the one before that written: every
    block must keep to the numbers it was made with."""
    source = patient_file(tmp_path, 3000, layout)

    def outputs(tag, **options):
        paths = [tmp_path / f"{tag}-{n}" for n in ("f", "s", "r")]
        screen_file(source, paths[0], summary=paths[1], rejects=paths[2],
                    options=ScreenOptions(output_format=output_format, block_bytes=20_000,
                                          **options))
        return [p.read_bytes() for p in paths]

    remembered = outputs("remembered")
    assert outputs("forgetful", cache_limit=50) == remembered


def test_screening_leaves_the_callers_process_settings_alone(tmp_path):
    """Only a program's entry point tunes the cycle collector (tune_process); a library call
    does not, not even while it runs."""
    before = (gc.get_threshold(), gc.get_freeze_count())
    seen = []
    for jobs in (1, 2):
        screen_file(CASES / "broken.csv", tmp_path / "f.csv", options=ScreenOptions(jobs=jobs),
                    progress=lambda done, size, patients: seen.append((gc.get_threshold(),
                                                             gc.get_freeze_count())))
    assert seen and set(seen) == {before}
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


# --- broken files: the good rows are screened, the bad ones rejected, the account adds up -------

def test_a_broken_file_screens_the_good_rows_and_rejects_the_bad(tmp_path):
    code, _, err = run(CASES / "broken.csv", "-o", tmp_path / "f.csv", "--summary",
                       tmp_path / "s.csv", "--rejects", tmp_path / "r.csv")
    assert code == 1
    rejects = rows(tmp_path / "r.csv")
    assert rejects[0] == ["line", "reason", "raw"]
    assert [r[:2] for r in rejects[1:]] == [
        ["3", "expected 4 fields, found 3"],
        ["4", "eGFR 'abc' is not a number"],
        ["5", "empty medication list"],
        ["7", "expected 4 fields, found 5"],
        ["8", "empty patient id"],
        ["10", "eGFR 300 is outside 0-250 mL/min/1.73 m2"],
    ]
    assert rejects[2][2] == "R3,abc,,furosemide; magnesium oxide"
    assert [r[0] for r in rows(tmp_path / "s.csv")[1:]] == ["R1", "'=HYPERLINK(\"http://x\")", "R7"]
    assert "9 rows read = 3 patients screened + 6 rows rejected; 1 blank line skipped" in err


def test_spreadsheet_formulas_from_the_input_are_neutralised(tmp_path):
    _, out = screen(CASES / "broken.csv", tmp_path)
    [formula] = [r for r in out["summary"] if r[0].startswith("'=")]
    assert formula[10] == "'@SUM(A1)"
    assert tabular.neutralise("-2+3") == "'-2+3"
    assert tabular.neutralise("＝1+1") == "'＝1+1"
    assert tabular.neutralise("magnesium") == "magnesium"


def test_bad_quoting_costs_one_line_not_the_rest_of_the_file(tmp_path):
    result, out = screen(CASES / "bad_quotes.csv", tmp_path)
    assert [r[:2] for r in out["rejects"][1:]] == [
        ["3", "bad quoting: ',' expected after '\"'"], ["4", "unterminated quoted field"]]
    assert [r[0] for r in out["summary"][1:]] == ["Q1", "Q4"]
    assert (result.rows_read, result.patients, result.rows_rejected) == (4, 2, 2)


def test_wrong_encoding_bytes_reject_their_line_and_encoding_reads_them(tmp_path):
    result, out = screen(CASES / "wrong_encoding.csv", tmp_path)
    assert out["rejects"][1][:2] == ["3", "not valid utf-8: byte 0xe9 at position 7"]
    assert out["rejects"][1][2] == "E2,caf\ufffd magnesium; doxycycline"
    assert (result.patients, result.rows_rejected) == (2, 1)
    result, out = screen(CASES / "wrong_encoding.csv", tmp_path, encoding="latin-1")
    assert result.rows_rejected == 0
    assert out["summary"][2][10] == "café magnesium"


def test_a_huge_cell_is_rejected_and_the_rest_goes_on(tmp_path):
    path = tmp_path / "huge_cell.csv"
    path.write_text("patient_id,medications\nH1,doxycycline; Maalox\nH2," + "x" * 1_000_000
                    + "\nH3,levothyroxine; Tums\n", encoding="utf-8")
    result, out = screen(path, tmp_path)
    [reject] = out["rejects"][1:]
    assert reject[:2] == ["3", "line longer than 65,536 characters"]
    assert reject[2].endswith("characters; cut]") and len(reject[2]) < 2100
    assert [r[0] for r in out["summary"][1:]] == ["H1", "H3"]


@pytest.mark.parametrize("block", [64 << 10, 6 << 20])
def test_a_line_far_past_the_limit_is_not_held_in_memory(block):
    """A 30 MB cell (an export fault) is read past, not held: the blocks handed on keep only
    the first LONG_LINE_BYTES of it, and the lines before and after it stay whole."""
    from interactions.screen.tabular import LONG_LINE_BYTES, read_blocks

    before, after = b"A1,doxycycline; Maalox\n", b"A3,levothyroxine\n"
    stream = io.BytesIO(before + b"A2," + "\u00e9".encode() * 15_000_000 + b"\n" + after)
    blocks = list(read_blocks(stream, block))
    lines = b"".join(blocks).split(b"\n")
    assert lines[0] + b"\n" == before and lines[2] + b"\n" == after and lines[3] == b""
    assert LONG_LINE_BYTES - 4 <= len(lines[1]) <= LONG_LINE_BYTES
    assert len(lines[1].decode("utf-8")) > 65_536  # whole characters: rejected as too long


def test_an_empty_file_is_an_input_error(tmp_path):
    code, out, err = run(CASES / "empty.csv", "-o", tmp_path / "f.csv")
    assert (code, out) == (2, "")
    assert err.strip() == "Error: the input is empty: expected a header line naming the columns"
    assert not (tmp_path / "f.csv").exists()


def test_a_bom_is_ignored_and_utf8_read(tmp_path):
    _, out = screen(CASES / "bom.csv", tmp_path)
    assert out["summary"][0][0] == "patient_id"
    assert [r[0] for r in out["summary"][1:]] == ["B1", "B2"]


def test_tabs_and_pipes_are_detected_from_the_header(tmp_path):
    result, out = screen(CASES / "tabs.tsv", tmp_path)
    assert [(r[0], r[1], r[10]) for r in out["findings"][1:]] == [
        ("T1", "magnesium-severe-renal-impairment", "N18.4"),
        ("T1", "ciprofloxacin-magnesium-chelation", "Mag-Ox 400"),
        ("T2", "levothyroxine-calcium-absorption", "Tums")]
    assert result.patients == 2


# --- long layout: grouping, order, --sort -------------------------------------------------------

def test_long_rows_of_one_patient_are_screened_together(tmp_path):
    result, out = screen(CASES / "long_sorted.csv", tmp_path)
    assert [(r[0], r[1]) for r in out["findings"][1:]] == [
        ("P1", "levofloxacin-magnesium-chelation"),
        ("P2", "magnesium-severe-renal-impairment"),
        ("P2", "ciprofloxacin-magnesium-chelation")]
    assert out["findings"][2][10] == "eGFR 25"  # the lowest eGFR of the patient's rows counts
    assert result.account().startswith(
        "screen: 5 rows read = 5 rows screened (3 patients) + 0 rows rejected")


def test_unsorted_long_input_stops_cleanly_and_sort_screens_it(tmp_path):
    target = tmp_path / "f.csv"
    target.write_text("previous run\n")
    code, _, err = run(CASES / "long_unsorted.csv", "-o", target)
    assert code == 2
    assert err.strip() == (
        "Error: line 3: patient 'P1' comes after 'P2': the long layout must be grouped and sorted "
        "by patient id; re-run with --sort (sorts in bounded memory with temporary files) or sort "
        "the file first")
    assert target.read_text() == "previous run\n"  # nothing half-written replaced it
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]
    code, _, _ = run(CASES / "long_unsorted.csv", "-o", target, "--sort")
    assert code == 1
    assert [(r[0], r[1]) for r in rows(target)[1:]] == [
        ("P1", "levofloxacin-magnesium-chelation"), ("P2", "ciprofloxacin-magnesium-chelation")]


def test_sort_spills_runs_and_matches_presorted_input(tmp_path):
    source = patient_file(tmp_path, 600, "long")
    lines = source.read_text().splitlines(keepends=True)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(lines[0] + "".join(reversed(lines[1:])))
    _, presorted = screen(source, tmp_path)
    _, resorted = screen(shuffled, tmp_path, sort=True, sort_run_lines=500, sort_batch=70,
                         sorted_block_lines=90)
    assert resorted["findings"] == presorted["findings"]


# --- input forms and options ---------------------------------------------------------------------

def test_gzip_and_stdin_are_read(tmp_path):
    data = (ROOT / "examples" / "patients.csv").read_bytes()
    (tmp_path / "p.csv.gz").write_bytes(gzip.compress(data))
    plain = run(ROOT / "examples" / "patients.csv")
    assert run(tmp_path / "p.csv.gz") == plain
    assert run("-", stdin=data) == plain
    assert run("-", stdin=gzip.compress(data)) == plain


def test_columns_and_layout_can_be_named(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("who;drug list\nZ1;doxycycline|Maalox\n")
    code, _, err = run(path)
    assert code == 2 and "Error: no patient id column in the header (who, drug list)" in err
    code, out, _ = run(path, "--patient-column", "who", "--medication-column", "drug list",
                       "--layout", "wide")
    assert code == 1
    assert out.splitlines()[1].startswith("Z1,tetracyclines-magnesium-chelation,")


@pytest.mark.parametrize("layout, header, role, other", [
    ("wide", "patient_id,meds,notes", "medications", "medication"),
    ("long", "patient_id,medication,notes", "medication", "medications")])
def test_an_explicit_layout_takes_the_named_medication_column_under_either_name(
        layout, header, role, other):
    """One --medication-column serves both layouts: the column named is the medication
    column, even where the header has another column the layout's own name would pick."""
    for name in (role, other):
        found = tabular.detect_layout(header, layout=layout, columns={name: "notes"})
        assert found.layout == layout and found.columns[role] == 2 and other not in found.columns
    with pytest.raises(InputError, match=r"no column 'note' for --medication-column"):
        tabular.detect_layout(header, layout=layout, columns={"medication": "note"})


def test_a_wide_file_is_screened_from_the_named_medication_column(tmp_path):
    source = tmp_path / "notes.csv"
    source.write_text("patient_id,meds,notes\nN1,ibuprofen,doxycycline; magnesium oxide\n")
    _, out = screen(source, tmp_path, layout="wide", columns={"medication": "notes"})
    assert [r[:2] for r in out["findings"][1:]] == [["N1", "tetracyclines-magnesium-chelation"]]
    assert out["summary"][1][8] == "2"  # items: the two in notes


def test_jsonl_output_keeps_numbers_and_lists(tmp_path):
    code, out, _ = run(ROOT / "examples" / "patients.csv", "--format", "jsonl", "--summary",
                       tmp_path / "s.jsonl")
    first = json.loads(out.splitlines()[0])
    assert first["patient_id"] == "P001" and first["drug_after_hours"] == 6
    assert first["clinical_significance"] == 1
    summary = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert summary[2]["unrecognised_items"] == ["Gitelman syndrome"]
    assert summary[1]["highest_severity"] is None


def test_an_all_clear_file_exits_zero(tmp_path):
    path = tmp_path / "clear.csv"
    path.write_text("patient_id,medications\nC1,magnesium glycinate\nC2,doxycycline\n")
    code, out, err = run(path)
    assert code == 0 and out.splitlines() == [",".join(FINDING_COLUMNS)]
    assert "0 findings" in err


def test_output_reaches_the_os_in_small_writes_and_arrives_whole():
    """Large writes go out in slices no bigger than the buffer (see files.WRITE_BYTES), in
    order, even when the OS takes less than it is given."""

    class Raw(io.RawIOBase):
        def __init__(self):
            self.sizes, self.data = [], bytearray()

        def writable(self):
            return True

        def write(self, chunk):
            taken = min(len(chunk), 7 if len(self.sizes) % 2 else len(chunk))  # now and then less
            self.sizes.append(len(chunk))
            self.data += bytes(chunk[:taken])
            return taken

    raw = Raw()
    out = files.SmallWrites(raw, 16)
    pieces = [b"head,er\n", bytes(range(200)), b"x" * 16, b"tail"]
    for piece in pieces:
        assert out.write(piece) == len(piece)
    out.flush()
    assert bytes(raw.data) == b"".join(pieces)
    assert max(raw.sizes) <= 16


def test_output_to_a_device_is_written_in_place(tmp_path):
    code, _, _ = run(ROOT / "examples" / "patients.csv", "-o", "/dev/null")
    assert code == 1 and Path("/dev/null").is_char_device()


# --- library API ---------------------------------------------------------------------------------

def test_screen_records_yields_the_check_report(checker):
    reports = list(screen_records([
        {"patient_id": "A", "medications": ["doxycycline", "Maalox"]},
        {"patient_id": "B", "medications": "furosemide; magnesium oxide", "egfr": 25},
    ], checker))
    assert [r.patient_id for r in reports] == ["A", "B"]
    assert reports[0].report == checker.check(["doxycycline", "Maalox"])
    assert reports[1].report == checker.check(["furosemide", "magnesium oxide"],
                                              PatientContext(egfr=25))
    with pytest.raises(InputError, match="record 1: eGFR 'high' is not a number"):
        list(screen_records([{"patient_id": "C", "medications": "x", "egfr": "high"}], checker))


def test_screen_frame_screens_pandas_and_arrow(checker):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"patient_id": ["A", "B", "C"],
                          "medications": ["doxycycline; Maalox", "atorvastatin", ""],
                          "egfr": [None, 25.0, None]})
    found = screen_frame(frame, checker)
    assert list(found.findings["rule_id"]) == ["tetracyclines-magnesium-chelation"]
    assert list(found.summary["patient_id"]) == ["A", "B"]
    assert list(found.rejects["reason"]) == ["empty medication list"]
    arrow = screen_frame(pa.Table.from_pandas(frame), checker)
    assert arrow.findings.column("rule_id").to_pylist() == ["tetracyclines-magnesium-chelation"]


def test_a_rule_that_applies_only_in_a_condition_screens_as_check_says(checker):
    frame = pl.DataFrame({"patient_id": ["A", "B"], "medications": ["calcitriol; Maalox"] * 2,
                          "conditions": ["", "dialysis"]})
    found = screen_frame(frame, checker)
    assert [(f["patient_id"], f["rule_id"]) for f in found.findings.iter_rows(named=True)] == [
        ("B", "magnesium-severe-renal-impairment"),
        ("B", "calcitriol-magnesium-dialysis-hypermagnesaemia")]
    assert [f.rule_id for f in checker.check(["calcitriol", "Maalox"]).findings] == []
    assert [f.rule_id for f in checker.check(
        ["calcitriol", "Maalox"], PatientContext(conditions=["dialysis"])).findings] == [
        "magnesium-severe-renal-impairment", "calcitriol-magnesium-dialysis-hypermagnesaemia"]


def test_a_daily_magnesium_dose_over_the_limit_is_an_hd_finding_as_check_words_it(tmp_path,
                                                                                   checker):
    source = tmp_path / "dose.csv"
    source.write_text("patient_id,age,sex,medications\n"
                      "P1,54,F,Mag-Ox 400 mg BID; lisinopril 10 mg\n"
                      "P2,54,F,Mag-Ox 400 mg\n", encoding="utf-8")
    _, out = screen(source, tmp_path)
    header, *found = out["findings"]
    dose = [dict(zip(header, row)) for row in found if row[header.index("kind")] == "dose"]
    expected = next(f for f in checker.check(["Mag-Ox 400 mg BID", "lisinopril 10 mg"],
                                             PatientContext(age=54, sex="F")).findings
                    if f.kind == "dose")
    assert [(d["patient_id"], d["rule_id"], d["dur_reason"], d["clinical_significance"],
             d["subject_written"], d["other_written"], d["message"], d["management"])
            for d in dose] == [
        ("P1", "magnesium-supplemental-ul", "HD", "2" if expected.severity == "moderate" else
         str({"contraindicated": 1, "major": 1, "minor": 3}[expected.severity]),
         "Mag-Ox 400 mg BID", "", expected.message, expected.management)]
    summary = {r[0]: r for r in out["summary"][1:]}
    assert int(summary["P1"][3]) >= 1 and summary["P2"][3] == "0"


def test_a_damaged_file_screens_alike_whatever_the_blocks_and_every_line_is_counted(
        tmp_path):
    """Well-formed lines are split by polars and the rest one by one in Python: a block of clean
    lines and a block of mixed ones must give the same rows, and no line may go missing."""
    faults = [lambda l: l.replace(",", ',"', 1), lambda l: l + ",extra", lambda l: "",
              lambda l: l.rsplit(",", 1)[0], lambda l: "=" + l, lambda l: "  " + l,
              lambda l: l.replace("; ", " | ", 1), lambda l: l.replace(";", ";;", 1),
              lambda l: l + "x" * 70_000, lambda l: "," + l.split(",", 1)[1],
              lambda l: l.replace(",M,", ",X,", 1), lambda l: l[:-3] + '"' + l[-3:]]
    header, *lines = patient_file(tmp_path, 2000).read_text(encoding="utf-8").splitlines()
    damaged = [faults[k % len(faults)](line) if k % 9 == 0 else line
               for k, line in enumerate(lines)]
    source = tmp_path / "damaged.csv"
    source.write_bytes(("\r\n".join([header, *damaged]) + "\r\n").encode()
                       + b"Z1,40,F,,,caf\xe9 magnesium; doxycycline\n")

    def outputs(tag, block_bytes):
        paths = [tmp_path / f"{tag}-{n}" for n in ("f", "s", "r")]
        result = screen_file(source, paths[0], summary=paths[1], rejects=paths[2],
                             options=ScreenOptions(block_bytes=block_bytes))
        return result, [p.read_bytes() for p in paths]

    small, small_out = outputs("small", 5_000)
    whole, whole_out = outputs("whole", 1 << 22)
    assert small_out == whole_out
    assert small.rows_read + small.blank_lines == len(damaged) + 1
    assert small.rows_rejected > 100 and small.patients > 1500
    assert (small.rows_read, small.patients) == (whole.rows_read, whole.patients)
    assert b"not valid utf-8" in small_out[2]


# --- outputs that collide are refused before anything is written ---------------------------------

@pytest.mark.parametrize("outputs, message", [
    (lambda d: ["-o", d / "in.csv"], "the input and the findings (-o) are both"),
    (lambda d: ["-o", d / "x.csv", "--summary", d / "x.csv"], "the findings (-o) and --summary are both"),
    (lambda d: ["-o", d / "x.csv", "--summary", d / "y.csv", "--rejects", d / "x.csv"],
     "the findings (-o) and --rejects are both"),
    (lambda d: ["-o", "-", "--summary", "-"], "are both standard output"),
])
def test_outputs_that_coincide_are_a_usage_error_and_nothing_is_written(tmp_path, outputs, message):
    source = tmp_path / "in.csv"
    source.write_text("patient_id,medications\n1,doxycycline;magnesium oxide\n", encoding="utf-8")
    code, out, err = run(source, *outputs(tmp_path))
    assert code == 2 and message in err and out == ""
    assert source.read_text(encoding="utf-8") == "patient_id,medications\n1,doxycycline;magnesium oxide\n"
    assert not (tmp_path / "x.csv").exists()


def test_stdin_in_and_stdout_out_do_not_collide(tmp_path):
    result = subprocess.run([sys.executable, "-m", "interactions", "screen", "-"],
                            input="patient_id,medications\n1,doxycycline;magnesium oxide\n",
                            capture_output=True, text=True)
    assert result.returncode == 1 and "tetracyclines-magnesium-chelation" in result.stdout


def test_a_header_longer_than_a_line_may_be_is_refused_not_cut(tmp_path):
    source = tmp_path / "wide.csv"
    source.write_text("patient_id,medications," + "x" * 70_000 + "\n1,doxycycline\n", encoding="utf-8")
    code, out, err = run(source)
    assert code == 2 and out == ""
    assert err.strip() == ("Error: the header line is longer than 65,536 bytes: expected a line "
                           "naming the columns (is this a CSV file with line breaks?)")


@pytest.mark.parametrize("encoding, name", [("utf-32", "UTF-32"), ("utf-16", "UTF-16")])
def test_a_utf16_or_utf32_file_is_named_for_what_it_is(tmp_path, encoding, name):
    source = tmp_path / "wide.csv"
    source.write_text("patient_id,medications\n1,doxycycline\n", encoding=encoding)
    code, _, err = run(source)
    assert code == 2 and f"the input is {name}; convert it to UTF-8 first" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_named_and_leaves_no_temporary_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("patient_id,medications\n1,doxycycline;magnesium oxide\n", encoding="utf-8")
    code, _, err = run(source, "-o", tmp_path / "findings.csv", "--summary", "/dev/full")
    assert (code, err.strip()) == (2, "Error: cannot write /dev/full: No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # nor a half findings file


def test_jobs_from_a_script_without_a_main_guard_fails_at_once_and_says_what_to_add(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text("from interactions.screen import ScreenOptions, screen_file\n"
                      f"screen_file({str(ROOT / 'examples' / 'patients.csv')!r}, "
                      f"{str(tmp_path / 'out.csv')!r}, options=ScreenOptions(jobs=2))\n",
                      encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "must call screen_file under 'if __name__ == \"__main__\":'" in result.stderr


def test_an_input_that_shrinks_while_it_is_read_ends_with_a_warning(tmp_path):
    """Another program cutting the file mid-run: the lines past its new end were never read, and
    the result says so instead of an account that looks whole."""
    source = patient_file(tmp_path, 3000)
    size = source.stat().st_size

    def cut(done, total, patients):
        if done < total:
            os.truncate(source, size // 2)

    result = screen_file(source, tmp_path / "f.csv",
                         options=ScreenOptions(block_bytes=16_000), progress=cut)
    assert result.warnings == [
        f"the input shrank from {size:,} to {size // 2:,} bytes while it was read: what was "
        f"past byte {size // 2:,} was not read and is not in the account"]
    assert result.rows_read < 3000
    assert screen_file(source, tmp_path / "g.csv").warnings == []
