"""The CLI through typer's runner: exit codes, the JSON contract, one-line errors."""

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from interactions.cli.app import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_findings_exit_1_and_show_the_source():
    result = run("check", "doxycycline", "magnesium citrate 400 mg")
    assert result.exit_code == 1
    assert "MAJOR" in result.stdout and "tetracyclines-magnesium-chelation" in result.stdout
    assert "at least 2 h before or at least 6 h after" in result.stdout
    assert "Decision support for health professionals" in result.stdout


def test_json_contract():
    result = run("check", "Cipro 500 mg", "Mag-Ox 400", "--egfr", "20", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert list(report)[:4] == ["resolved", "unrecognized", "findings", "conditions"]
    assert {k: report["resolved"][0][k] for k in ("input", "id", "name", "kind")} == {
        "input": "Cipro 500 mg", "id": "cipro", "name": "Cipro", "kind": "product"}
    first = report["findings"][0]
    assert list(first)[:14] == ["rule_id", "kind", "severity", "subject", "object", "condition",
                                "mechanism", "message", "management", "separation", "evidence",
                                "references", "path", "action"]
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    cipro = by_rule["ciprofloxacin-magnesium-chelation"]
    assert cipro["separation"] == {"drug_before_hours": 6.0, "drug_after_hours": 6.0}
    assert cipro["object"] == {"input": "Mag-Ox 400", "id": "mag-ox-400", "name": "Mag-Ox 400"}
    assert cipro["condition"] is None
    assert ["cipro", "contains", "ciprofloxacin"] in cipro["path"]
    assert all({"title", "url", "section"} <= set(r) for r in cipro["references"])
    kidney = by_rule["magnesium-severe-renal-impairment"]
    assert kidney["object"] is None and kidney["condition"]["input"] == "eGFR 20"


def test_clear_list_exits_0():
    result = run("check", "levothyroxine", "furosemide")
    assert result.exit_code == 0
    assert "No interactions found" in result.stdout


def test_unrecognised_items_are_listed_with_suggestions_and_exit_1():
    result = run("check", "xyzzy", "doxycyclin", "magnesium")
    assert result.exit_code == 1
    assert "NOT RECOGNISED: 'xyzzy' was not checked." in result.stdout
    assert "approximate" in result.stdout  # doxycyclin -> Doxycycline


def test_exit_zero_for_demos():
    assert run("check", "doxycycline", "magnesium oxide", "--exit-zero").exit_code == 0


@pytest.mark.parametrize("args", [
    ["check"],
    ["check", "doxycycline", "--egfr", "-3"],
    ["check", "doxycycline", "--sex", "X"],
    ["check", "doxycycline", "--format", "xml"],
    ["check", "doxycycline", "--rules", "/no/such/folder"],
])
def test_usage_errors_exit_2(args):
    assert run(*args).exit_code == 2


def test_explain_shows_rule_sources_and_graph_path():
    result = run("explain", "Levaquin", "milk of magnesia")
    assert result.exit_code == 1
    out = result.stdout
    assert "levofloxacin-magnesium-chelation" in out
    assert "Source gap:" in out and "Why this gap:" in out
    assert "Graph path: levaquin -contains-> levofloxacin" in out


def test_explain_two_unrelated_items():
    result = run("explain", "furosemide", "levothyroxine")
    assert result.exit_code == 0
    assert "No rule links Furosemide and Levothyroxine." in result.stdout


def test_rules_validate_bundled_and_site_folder():
    result = run("rules", "validate")
    assert result.exit_code == 0 and result.stdout.startswith("OK: ")
    assert run("rules", "validate", str(FIXTURES / "minimal_rules")).exit_code == 0


def test_rules_validate_reports_every_problem_without_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text('[[rule]]\nid = "Bad Id"\n')
    result = subprocess.run([sys.executable, "-m", "interactions", "rules", "validate", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")
    assert "bad.toml: rule 'Bad Id': id: String should match pattern" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_site_rule_folder_is_used_with_rules_option():
    result = run("check", "levofloxacin", "Mag-Ox 400", "--rules", str(FIXTURES / "minimal_rules"),
                 "--format", "json")
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["levofloxacin-magnesium"]


def test_help_carries_the_professional_notice():
    result = run("--help")
    assert result.exit_code == 0
    assert "Decision support for health professionals" in result.stdout
