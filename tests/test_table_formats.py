"""`--format csv|jsonl` wherever a table is shown (check, rules list, lookup, plan): the table's
rows, one header, columns in a fixed order, CSV through the csv module."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from interactions import PatientContext
from interactions.cli.app import app
from interactions.cli.render_rows import (
    CHECK_COLUMNS,
    LOOKUP_COLUMNS,
    PLAN_COLUMNS,
    RULE_COLUMNS,
    rows_text,
)

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def header(text: str) -> tuple:
    return tuple(next(csv.reader(io.StringIO(text))))


def test_check_csv_has_one_row_per_finding_in_the_tables_order(checker):
    items = ["doxycycline", "magnesium citrate 400 mg", "levothyroxine", "furosemide"]
    result = run("check", *items, "--egfr", "25", "-f", "csv")
    assert result.exit_code == 1
    report = checker.check(items, PatientContext(egfr=25))
    assert header(result.stdout) == CHECK_COLUMNS
    rows = csv_rows(result.stdout)
    assert [r["rule_id"] for r in rows] == [f.rule_id for f in report.findings]
    doxy = next(r for r in rows if r["rule_id"] == "tetracyclines-magnesium-chelation")
    assert (doxy["subject_written"], doxy["other_id"], doxy["drug_before_hours"],
            doxy["drug_after_hours"], doxy["dur_reason"]) == (
        "doxycycline", "magnesium-citrate", "2", "6", "DD")


def test_check_jsonl_is_the_same_rows_and_unrecognised_items_are_said(checker):
    result = run("check", "doxycycline", "Mag-Ox 400", "xyzzy", "-f", "jsonl")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all(tuple(line) == CHECK_COLUMNS for line in lines)
    assert lines[0]["drug_before_hours"] == 2  # numbers stay numbers
    assert "not recognised, not checked: 'xyzzy'" in result.stderr


def test_check_rows_with_plan_is_refused():
    result = run("check", "doxycycline", "magnesium oxide", "--plan", "-f", "csv")
    assert result.exit_code == 2 and "--plan" in result.output


def test_rules_list_rows_follow_the_table():
    table = json.loads(run("rules", "list", "--severity", "major", "-f", "json").stdout)
    text = run("rules", "list", "--severity", "major", "-f", "csv").stdout
    assert header(text) == RULE_COLUMNS
    rows = csv_rows(text)
    assert [r["rule_id"] for r in rows] == [r["id"] for r in table]
    assert {r["severity"] for r in rows} == {"major"}
    lines = run("rules", "list", "--severity", "major", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["rule_id"] for line in lines] == [r["id"] for r in table]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_lookup_rows_for_a_name_found_and_one_not(fmt):
    found = run("lookup", "Vibramycin", "-f", fmt)
    missing = run("lookup", "tetracyclinum", "-f", fmt)
    assert (found.exit_code, missing.exit_code) == (0, 1)
    if fmt == "csv":
        assert header(found.stdout) == header(missing.stdout) == LOOKUP_COLUMNS
        row, miss = csv_rows(found.stdout)[0], csv_rows(missing.stdout)[0]
        assert row["ingredients"] == "doxycycline" and row["found"] == "true"
        assert miss["found"] == "false" and "Tetracycline" in miss["suggestions"].split("; ")
    else:
        row, miss = json.loads(found.stdout), json.loads(missing.stdout)
        assert tuple(row) == tuple(miss) == LOOKUP_COLUMNS
        assert row["ingredients"] == ["doxycycline"] and miss["found"] is False


def test_plan_rows_list_doses_and_the_items_not_to_take():
    text = run("plan", "levothyroxine", "raltegravir", "magnesium oxide", "-f", "csv").stdout
    assert header(text) == PLAN_COLUMNS
    rows = csv_rows(text)
    assert [rows[0]["time"], rows[0]["item"]] == ["07:30", "levothyroxine"]
    held = [r for r in rows if not r["time"]]
    assert [r["item"] for r in held] == ["magnesium oxide"]
    assert held[0]["note"].startswith("do not take without asking the prescriber")


def test_csv_is_rfc_4180_and_spreadsheet_safe():
    text = rows_text(("a", "b", "c"), [("=1+1", 'say "hi", twice', None), ("x\ny", 2.5, True)], "csv")
    assert text == 'a,b,c\n\'=1+1,"say ""hi"", twice",\n"x\ny",2.5,true\n'
    assert rows_text(("a",), [("=1+1",)], "jsonl") == '{"a": "=1+1"}\n'  # JSON is not altered


@pytest.mark.parametrize("command", [["check"], ["rules", "list"], ["lookup"], ["plan"]])
def test_every_command_that_shows_a_table_offers_csv_and_jsonl(command):
    result = runner.invoke(app, [*command, "--format", "nonsense", "x"])
    assert result.exit_code == 2 and "csv" in result.output and "jsonl" in result.output
