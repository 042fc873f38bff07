"""graph export: one node's neighbourhood (--around/--depth), and a picture (SVG, PNG) that needs
no Graphviz, is about 4:3 whatever its size, and colours each rule edge by its severity."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interactions.browse import Browser
from interactions.browse.graph_draw import SEVERITY_STYLE
from interactions.cli.app import app

runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def browser():
    return Browser.from_rules()


def run(*args):
    return runner.invoke(app, ["graph", "export", *args])


def node_ids(text: str) -> set[str]:
    return {n["id"] for n in json.loads(text)["nodes"]}


def test_around_doxycycline_holds_its_magnesium_rules_and_no_unrelated_drug(browser):
    nodes = node_ids(browser.graph("json", "doxycycline", 1))
    # its class (where its rules are stated), what those rules reach, its brands
    assert {"doxycycline", "tetracyclines", "magnesium", "calcium", "iron", "vibramycin"} <= nodes
    assert not nodes & {"levofloxacin", "hydrochlorothiazide", "furosemide", "magnesium-oxide",
                        "omeprazole"}
    deeper = node_ids(browser.graph("json", "doxycycline", 2))
    # two steps: magnesium's forms, and what else has a rule on magnesium
    assert {"magnesium-oxide", "magnesium-citrate", "levofloxacin", "thiazide-diuretics"} <= deeper
    assert "hydrochlorothiazide" not in deeper  # three: magnesium, thiazide diuretics, its member


def test_around_resolves_names_as_check_does():
    by_synonym = run("--format", "json", "--around", "doxy", "--depth", "0")
    assert by_synonym.exit_code == 0
    assert node_ids(by_synonym.stdout) == {"doxycycline", "tetracyclines"}
    by_brand = run("--format", "json", "--around", "Vibramycin", "--depth", "0")
    assert {"vibramycin", "doxycycline", "tetracyclines"} <= node_ids(by_brand.stdout)


def test_an_unknown_node_is_one_error_line_with_suggestions():
    result = run("--format", "svg", "--around", "tetracyclinum")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: unknown name 'tetracyclinum'")
    assert "did you mean: Tetracycline" in lines[0]


def test_depth_without_around_is_a_usage_error():
    result = run("--format", "svg", "--depth", "2")
    assert result.exit_code == 2 and "--depth needs --around" in result.output


def rule_edges(svg: ET.Element) -> list[tuple[str, str, float]]:
    """(severity, stroke colour, width) of each rule edge drawn."""
    found = []
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "edge rule":
            path = group.find(f"{SVG}path")
            found.append((group.get("data-severity"), path.get("stroke"),
                          float(path.get("stroke-width"))))
    return found


def test_the_neighbourhood_svg_is_xml_with_edges_coloured_by_severity(tmp_path):
    out = tmp_path / "doxy.svg"
    assert run("--format", "svg", "--around", "doxycycline", "-o", str(out)).exit_code == 0
    svg = ET.parse(out).getroot()
    ids = {g.get("data-id") for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    assert {"doxycycline", "magnesium"} <= ids and "levofloxacin" not in ids
    edges = rule_edges(svg)
    assert edges and {s for s, _, _ in edges} >= {"major"}
    for severity, colour, width in edges:
        assert (colour, width) == SEVERITY_STYLE[severity][:2]
    # a rule edge reaches magnesium from the class doxycycline inherits it from
    assert any(g.get("data-from") == "tetracyclines" and g.get("data-to") == "magnesium"
               for g in svg.iter(f"{SVG}g") if g.get("class") == "edge rule")


def test_the_whole_graph_is_no_strip_and_shows_every_severity(browser):
    svg = ET.fromstring(browser.graph("svg"))
    width, height = float(svg.get("width")), float(svg.get("height"))
    assert 1 <= width / height <= 2 and max(width, height) < 32767
    edges = rule_edges(svg)
    assert len(edges) == len(browser.kb.rules)
    assert {s for s, _, _ in edges} == set(SEVERITY_STYLE)
    assert len({c for _, c, _ in edges}) == len(SEVERITY_STYLE)  # one colour per severity
    sizes = {float(t.get("font-size")) for t in svg.iter(f"{SVG}text")}
    assert min(sizes) >= 12  # labels stay readable at 100%
    legend = {g.get("data-severity") for g in svg.iter(f"{SVG}g") if g.get("class") == "legend"}
    assert set(SEVERITY_STYLE) <= legend


def test_dot_colours_rule_edges_as_the_svg_does(browser):
    dot = browser.graph("dot", "doxycycline", 1)
    assert f'color="{SEVERITY_STYLE["major"][0]}"' in dot


def test_png_is_a_png_or_says_what_to_install(tmp_path):
    out = tmp_path / "doxy.png"
    result = run("--format", "png", "--around", "doxycycline", "-o", str(out))
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):
        assert result.exit_code == 2
        assert "pip install cairosvg" in result.output and len(result.output.splitlines()) == 1
        assert not out.exists()
    else:
        assert result.exit_code == 0 and out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_readme_picture_is_what_the_rules_draw(browser):
    """docs/graph-doxycycline.svg, shown in the README, is regenerated with
    `interactions graph export --format svg --around doxycycline -o docs/graph-doxycycline.svg`."""
    committed = Path(__file__).parent.parent / "docs" / "graph-doxycycline.svg"
    assert committed.read_text(encoding="utf-8") == browser.graph("svg", "doxycycline", 1)
