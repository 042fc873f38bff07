"""Browsing: rules list/show, lookup and graph export answer from the rules, exactly."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from interactions.browse.browser import Browser
from interactions.browse.graph_export import render_graph
from interactions.cli.app import app
from interactions.errors import UnknownNameError

runner = CliRunner()
MINIMAL = str(FIXTURES / "minimal_rules")


def run(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def browser() -> Browser:
    return Browser.from_rules()


@pytest.fixture(scope="module")
def small() -> Browser:
    return Browser.from_rules(FIXTURES / "minimal_rules")


# ------------------------------------------------------------------------- rules list / show

def test_rules_list_by_class_keeps_the_class_rule_and_its_members_overrides(browser):
    assert [r.id for r in browser.rules("fluoroquinolones")] == [
        "ciprofloxacin-calcium-chelation", "ciprofloxacin-iron-chelation",
        "ciprofloxacin-magnesium-chelation", "ciprofloxacin-zinc-chelation",
        "fluoroquinolones-magnesium-chelation",
        "levofloxacin-iron-chelation", "levofloxacin-magnesium-chelation",
        "levofloxacin-zinc-chelation", "moxifloxacin-iron-chelation",
        "moxifloxacin-magnesium-chelation", "moxifloxacin-zinc-chelation"]


def test_rules_list_by_class_includes_what_the_class_inherits(browser):
    # the inherited blood-pressure rule, plus the members' own antacid-absorption rules
    assert [r.id for r in browser.rules("ACE inhibitors")] == [
        "antihypertensives-magnesium-blood-pressure", "captopril-magnesium-antacids",
        "enalapril-magnesium-antacids", "fosinopril-magnesium-antacids"]


def test_rules_list_class_may_be_an_atc_code_and_combines_with_severity(browser):
    assert [r.id for r in browser.rules("J01AA", severity="major")] == [
        "doxycycline-calcium-chelation", "doxycycline-iron-chelation",
        "omadacycline-magnesium-chelation", "tetracyclines-magnesium-chelation"]
    assert browser.rules("J01AA", severity="minor") == []


def test_rules_list_is_most_serious_first(small):
    assert [(r.severity, r.id) for r in small.rules()] == [
        ("major", "levofloxacin-magnesium"), ("major", "magnesium-kidney"),
        ("major", "quinolones-magnesium")]


def test_rules_list_json_fills_in_reference_titles():
    result = run("rules", "list", "--rules", MINIMAL, "--class", "levofloxacin", "--format", "json")
    assert result.exit_code == 0
    [rule] = [r for r in json.loads(result.stdout) if r["id"] == "levofloxacin-magnesium"]
    assert rule["references"] == [{"ref": "test-source", "title": "Test source",
                                   "url": "https://example.org/label"}]
    assert rule["file"] == "core.toml"


def test_rules_list_table_and_severity_filter():
    result = run("rules", "list", "--severity", "moderate")
    assert result.exit_code == 0
    assert "levothyroxine-magnesium-absorption" in result.stdout
    assert "tetracyclines-magnesium-chelation" not in result.stdout


def test_rules_show_prints_sources_with_quotes_and_each_source_gap():
    result = run("rules", "show", "moxifloxacin-magnesium-chelation")
    assert result.exit_code == 0
    out = result.stdout
    assert "Gap:          4 h before / 8 h after" in out
    assert "Source gap:" in out and "2 h before / 6 h after" in out
    assert '"Administer moxifloxacin tablets at least 4 hours before' in out
    assert "Example (fires on): Avelox 400 mg + magnesium oxide" in out


def test_unknown_rule_id_suggests_close_ids(browser):
    with pytest.raises(UnknownNameError) as caught:
        browser.rule("tetracycline-magnesium")
    assert str(caught.value).startswith(
        "unknown rule id 'tetracycline-magnesium'; did you mean: tetracyclines-magnesium-chelation")


@pytest.mark.parametrize("args, message", [
    (["rules", "show", "no-such-rule", "--rules", MINIMAL],
     "Error: unknown rule id 'no-such-rule'; no close match.\n"),
    (["rules", "list", "--class", "quinolone antibiotic", "--rules", MINIMAL],
     "Error: unknown name 'quinolone antibiotic'; did you mean: Quinolones?\n"),
])
def test_unknown_names_give_one_error_line_and_exit_2(args, message):
    result = subprocess.run([sys.executable, "-m", "interactions", *args], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (2, message)


def test_lookup_of_an_unknown_name_is_an_answer_not_a_usage_error():
    """Not found is what lookup found out: its "did you mean" on stdout, exit 1 (2 is for usage)."""
    result = subprocess.run([sys.executable, "-m", "interactions", "lookup", "levoflox",
                             "--rules", MINIMAL], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "Not found: unknown name 'levoflox'; did you mean: Levofloxacin?\n", "")
    result = subprocess.run([sys.executable, "-m", "interactions", "lookup", "levoflox",
                             "--rules", MINIMAL, "--format", "json"], capture_output=True, text=True)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"input": "levoflox", "found": False,
                                         "suggestions": ["Levofloxacin"]}


# ------------------------------------------------------------------------- lookup

def test_lookup_a_combination_product_shows_ingredients_classes_and_inherited_rules(browser):
    found = browser.lookup("Zestoretic")
    assert (found.id, found.kind, found.match) == ("lisinopril-hydrochlorothiazide", "product", "synonym")
    assert found.ingredients == ["lisinopril", "hydrochlorothiazide"]
    assert found.classes == ["ace-inhibitors", "thiazide-diuretics", "antihypertensives", "diuretics"]
    assert [(u.rule_id, u.via) for u in found.rules] == [
        ("antihypertensives-magnesium-blood-pressure", "antihypertensives"),
        ("thiazide-diuretics-in-hypomagnesaemia", "thiazide-diuretics"),
        ("thiazide-diuretics-magnesium-loss", "thiazide-diuretics")]


def test_lookup_a_brand_shows_its_ingredient_and_the_rules_through_it(browser):
    found = browser.lookup("Levaquin")
    assert (found.id, found.kind, found.match, found.ingredients) == (
        "levaquin", "product", "brand", ["levofloxacin"])
    assert [u.rule_id for u in found.rules] == [
        "fluoroquinolones-magnesium-chelation", "levofloxacin-iron-chelation",
        "levofloxacin-magnesium-chelation", "levofloxacin-zinc-chelation"]


def test_lookup_a_drug_shows_brands_codes_and_its_override(browser):
    found = browser.lookup("levofloxacin")
    assert found.codes == {"ATC": ["J01MA12"]}
    assert {"levaquin", "tavanic"} <= set(found.products)
    assert found.classes == ["fluoroquinolones"]
    assert [(u.rule_id, u.via) for u in found.rules] == [
        ("fluoroquinolones-magnesium-chelation", "fluoroquinolones"),
        ("levofloxacin-iron-chelation", "levofloxacin"),
        ("levofloxacin-magnesium-chelation", "levofloxacin"),
        ("levofloxacin-zinc-chelation", "levofloxacin")]


def test_lookup_a_class_lists_its_members(browser):
    found = browser.lookup("J01AA")
    assert (found.id, found.match) == ("tetracyclines", "code")
    assert {"doxycycline", "minocycline", "omadacycline"} <= set(found.members)


def test_lookup_a_condition_by_icd10_code(browser):
    found = browser.lookup("N18.4")
    assert found.id == "ckd-stage-4" and found.codes == {"ICD-10-CM": ["N18.4"]}
    assert found.egfr == [15, 30]
    assert [u.rule_id for u in found.rules] == ["magnesium-severe-renal-impairment"]
    assert found.rules[0].role == "condition"


def test_lookup_a_drug_with_no_magnesium_rule_says_so():
    result = run("lookup", "liothyronine")
    assert result.exit_code == 0
    assert "Liothyronine  (drug, id liothyronine)" in result.stdout
    assert "Products:   cytomel" in result.stdout
    assert "none reach it" in result.stdout


def test_lookup_json_is_the_whole_record():
    result = run("lookup", "Cipro", "--rules", MINIMAL, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["id"], data["kind"], data["ingredients"]) == ("cipro", "product", ["ciprofloxacin"])
    assert data["rules"] == [{"rule_id": "quinolones-magnesium", "severity": "major",
                              "role": "subject", "via": "quinolones"}]


# ------------------------------------------------------------------------- graph export

def test_graph_json_round_trips_through_networkx(small):
    data = json.loads(render_graph(small.kb, "json"))
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.nodes["ciprofloxacin"] == {"kind": "drug", "name": "Ciprofloxacin",
                                            "route": "any", "atc": "J01MA02"}
    assert graph.edges["ciprofloxacin", "quinolones", "is_a"]["rel"] == "is_a"
    rule = graph.edges["quinolones", "magnesium", "quinolones-magnesium"]
    assert (rule["rel"], rule["severity"]) == ("rule", "major")
    assert graph.has_edge("magnesium", "kidney-disease", "magnesium-kidney")


def test_graphml_is_valid_xml_and_reads_back(small, tmp_path):
    path = tmp_path / "graph.graphml"
    result = run("graph", "export", "--format", "graphml", "--rules", MINIMAL, "-o", str(path))
    assert result.exit_code == 0
    ET.parse(path)
    graph = nx.read_graphml(path, force_multigraph=True)
    assert set(graph.nodes) == set(small.kb.entities)


def test_dot_quotes_names_and_marks_rule_edges(small):
    dot = render_graph(small.kb, "dot")
    assert dot.startswith("digraph interactions {")
    assert '"mag-ox-400" [label="Mag-Ox 400" kind=product]' in dot
    assert "quinolones -> magnesium [label=\"quinolones-magnesium\" color=\"#d62728\" severity=major style=dashed]" in dot


def test_export_is_deterministic(small):
    assert render_graph(small.kb, "graphml") == render_graph(small.kb, "graphml")
    assert render_graph(small.kb, "dot") == render_graph(Browser.from_rules(FIXTURES / "minimal_rules").kb, "dot")
