"""Parquet and Arrow IPC in and out of `screen`: the same findings and account as the CSV path."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pyarrow")

from interactions.errors import InputError  # noqa: E402
from interactions.screen import ScreenOptions, screen_file  # noqa: E402
from interactions.screen.formats import FINDING_COLUMNS, REJECT_COLUMNS, SUMMARY_COLUMNS  # noqa: E402

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_patients import write as generate  # noqa: E402

# Rows a claims table can hold that are not screenable: rejected, with the row index kept.
BAD_WIDE = [
    ("X1", "40", "F", "abc", "", "doxycycline; Maalox"),   # eGFR not a number
    ("X2", "40", "F", "", "", ""),                           # empty medication list
    ("X3", "50", "M", "30", "", "ciprofloxacin\n; magnesium oxide"),  # a newline in a cell
]


def _csv_text(count: int, layout: str, bad: bool = False) -> str:
    out = io.StringIO()
    generate(count, out, layout, 11)
    text = out.getvalue()
    if bad:
        lines = text.splitlines(keepends=True)
        rows = [",".join(f'"{c}"' if ("," in c or "\n" in c) else c for c in row) + "\n"
                for row in BAD_WIDE]
        # spread over the file, one of them in what becomes a later row group
        lines[5:5] = rows[:1]
        lines[40:40] = rows[1:2]
        lines.insert(len(lines) - 3, rows[2].replace("\n;", " ;"))
        text = "".join(lines)
    return text


def _as_parquet(text: str, path: Path, row_group: int = 97) -> None:
    frame = pl.read_csv(io.StringIO(text), infer_schema_length=0)  # every column as text
    if path.suffix == ".parquet":
        frame.write_parquet(path, row_group_size=row_group)
    else:
        frame.write_ipc(path)


def _screen(tmp: Path, source: Path, fmt: str, **options) -> tuple:
    ext = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet", "arrow": "arrow"}[fmt]
    outs = {w: tmp / f"{source.stem}-{source.suffix[1:]}-{w}.{ext}"
            for w in ("findings", "summary", "rejects")}
    result = screen_file(source, outs["findings"], summary=outs["summary"],
                         rejects=outs["rejects"],
                         options=ScreenOptions(output_format=fmt, **options))
    return result, outs


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize("suffix", [".parquet", ".arrow"])
def test_findings_equal_the_csv_path_row_for_row(tmp_path, layout, suffix):
    text = _csv_text(600, layout, bad=layout == "wide")
    csv_in = tmp_path / "claims.csv"
    csv_in.write_text(text)
    col_in = tmp_path / f"claims{suffix}"
    _as_parquet(text, col_in)
    by_csv, csv_outs = _screen(tmp_path, csv_in, "jsonl")
    by_col, col_outs = _screen(tmp_path, col_in, suffix[1:])
    assert by_col.account() == by_csv.account()
    assert by_col.rows_read == by_col.rows_screened + by_col.rows_rejected == by_csv.rows_read
    assert by_col.findings > 100
    expected = pl.read_ndjson(csv_outs["findings"], schema=_schema("findings"))
    read = pl.read_parquet if suffix == ".parquet" else pl.read_ipc
    found = read(col_outs["findings"])
    assert found.columns == list(FINDING_COLUMNS)
    assert found.equals(expected)  # row for row, nulls included
    summary = read(col_outs["summary"])
    assert summary.columns == list(SUMMARY_COLUMNS)
    assert summary.height == by_csv.patients
    # line: the row index in the table (the CSV's line minus header and 1-based numbering)
    csv_summary = [json.loads(x) for x in csv_outs["summary"].read_text().splitlines()]
    assert summary.get_column("line").to_list() == [s["line"] - 2 for s in csv_summary]
    rejects = read(col_outs["rejects"])
    assert rejects.columns == list(REJECT_COLUMNS)
    assert rejects.height == by_csv.rows_rejected


def test_rejects_keep_the_row_index(tmp_path):
    text = _csv_text(300, "wide", bad=True)
    source = tmp_path / "claims.parquet"
    _as_parquet(text, source, row_group=50)
    result, outs = _screen(tmp_path, source, "parquet")
    rejects = pl.read_parquet(outs["rejects"])
    table = pl.read_parquet(source)
    assert result.rows_rejected == 2 == rejects.height
    for line, reason in rejects.select("line", "reason").iter_rows():
        assert table.row(line)[0] in ("X1", "X2")
        assert reason in ("eGFR 'abc' is not a number", "empty medication list")
    # the newline row was screened (its newline became a space), not rejected
    assert "X3" in pl.read_parquet(outs["summary"]).get_column("patient_id").to_list()


def test_list_medications_and_typed_columns(tmp_path):
    source = tmp_path / "typed.parquet"
    pl.DataFrame({"patient_id": ["A", "B"], "medications": [["doxycycline", "Maalox"],
                                                            ["metformin"]],
                  "egfr": [25.0, None], "age": [70, 40]}).write_parquet(source)
    csv_in = tmp_path / "same.csv"
    csv_in.write_text("patient_id,medications,egfr,age\nA,doxycycline;Maalox,25.0,70\n"
                      "B,metformin,,40\n")
    by_col, col_outs = _screen(tmp_path, source, "parquet")
    by_csv, csv_outs = _screen(tmp_path, csv_in, "parquet")
    assert by_col.account() == by_csv.account()
    assert pl.read_parquet(col_outs["findings"]).equals(pl.read_parquet(csv_outs["findings"]))


def test_parquet_in_csv_out_is_the_csv_paths_findings(tmp_path):
    text = _csv_text(400, "long")
    csv_in, pq_in = tmp_path / "c.csv", tmp_path / "c.parquet"
    csv_in.write_text(text)
    _as_parquet(text, pq_in, row_group=64)
    _, a = _screen(tmp_path, csv_in, "csv")
    _, b = _screen(tmp_path, pq_in, "csv")
    assert a["findings"].read_bytes() == b["findings"].read_bytes()


def test_unsorted_long_parquet_writes_nothing(tmp_path):
    source = tmp_path / "unsorted.parquet"
    pl.DataFrame({"patient_id": ["B", "A"], "medication": ["doxycycline", "Maalox"]}
                 ).write_parquet(source)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError, match="comes after"):
        screen_file(source, out / "f.parquet", summary=out / "s.parquet")
    assert list(out.iterdir()) == []  # no output, no temporary left behind
    result, outs = _screen(out, source, "parquet", sort=True)
    assert pl.read_parquet(outs["summary"]).get_column("patient_id").to_list() == ["A", "B"]


def test_cli_chooses_the_format_from_the_suffix(tmp_path):
    source = tmp_path / "p.parquet"
    _as_parquet((ROOT / "examples" / "patients.csv").read_text(), source)
    done = subprocess.run([sys.executable, "-m", "interactions", "screen", str(source), "-o",
                           str(tmp_path / "f.parquet"), "--summary", str(tmp_path / "s.feather"),
                           "--rejects", str(tmp_path / "r.parquet")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "7 rows read = 7 patients screened + 0 rows rejected; 11 findings" in done.stderr
    assert pl.read_parquet(tmp_path / "f.parquet").height == 11
    assert pl.read_ipc(tmp_path / "s.feather").height == 7  # each output in its suffix's format


def _schema(what: str) -> dict:
    from interactions.screen.parquet import SCHEMAS

    return SCHEMAS[what]


def test_a_parquet_summary_beside_csv_findings_is_refused(tmp_path):
    source = tmp_path / "p.csv"
    source.write_text("patient_id,medications\nA,doxycycline;Maalox\n")
    with pytest.raises(InputError, match="Parquet/Arrow too"):
        screen_file(source, tmp_path / "f.csv", summary=tmp_path / "s.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_the_core_screen_package_does_not_import_dask():
    code = ("import sys, interactions.screen, interactions.cli; "
            "print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
