"""docs/coverage.md is generated from rules/ and must be current."""

from pathlib import Path

from conftest import FIXTURES

from interactions.browse.coverage import COMMAND, coverage_markdown
from interactions.knowledge.loader import load_knowledge
from interactions.knowledge.paths import bundled_rules_dir

DOC = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"


def test_committed_coverage_document_is_current():
    expected = coverage_markdown(load_knowledge(bundled_rules_dir()))
    assert DOC.read_text(encoding="utf-8") == expected, f"docs/coverage.md is stale: run `{COMMAND}`"


def test_coverage_lists_every_rule_class_drug_and_condition_with_sources():
    text = coverage_markdown(load_knowledge(FIXTURES / "minimal_rules"))
    assert "3 rules, 1 classes, 2 drugs, 1 magnesium forms and other supplements" in text
    assert ("| [quinolones-magnesium](#quinolones-magnesium) | major | Quinolones | Magnesium | "
            "oral | 2 h before / 6 h after | label |") in text
    assert "- Source: [Test source](https://example.org/label), section: 7" in text
    assert "Members: Ciprofloxacin, Levofloxacin" in text
    assert "| Ciprofloxacin (`ciprofloxacin`) | Quinolones | J01MA02 | Cipro | — |" in text
    assert "| Kidney disease (`kidney-disease`) | — | — | below 30 mL/min/1.73 m2 | — | [magnesium-kidney](#magnesium-kidney) |" in text


def test_coverage_is_the_same_whatever_the_folder_is_called(tmp_path):
    import shutil

    shutil.copytree(FIXTURES / "minimal_rules", tmp_path / "elsewhere")
    assert coverage_markdown(load_knowledge(tmp_path / "elsewhere")) == coverage_markdown(
        load_knowledge(FIXTURES / "minimal_rules"))
