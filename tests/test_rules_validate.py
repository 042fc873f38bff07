"""`rules validate` refuses semantic nonsense, reads only the folder given, and `rules diff` shows
what a site's folder adds, removes and changes against the bundled rules."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import edit, problems
from typer.testing import CliRunner

from interactions.cli.app import app
from interactions.knowledge import bundled_rules_dir
from interactions.knowledge.loader import load_knowledge

runner = CliRunner()
BUNDLED = Path(__file__).resolve().parents[1] / "rules"


def run(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


# ------------------------------------------------------------------ semantic nonsense


@pytest.mark.parametrize("band", ["egfr_min = 40\negfr_max = 30", "egfr_min = 30\negfr_max = 30"])
def test_an_egfr_band_must_run_upwards(folder, band):
    edit(folder, "egfr_max = 30", band)
    assert any("egfr_min" in p and "must be below egfr_max" in p for p in problems(folder))


@pytest.mark.parametrize("hours", ["0", "-0.0", "0.0"])
def test_a_separation_of_zero_hours_is_no_separation(folder, hours):
    edit(folder, "drug_before_hours = 2, drug_after_hours = 6",
         f"drug_before_hours = {hours}, drug_after_hours = 6")
    (problem,) = problems(folder)
    assert "separation.drug_before_hours" in problem and "greater than 0" in problem


@pytest.mark.parametrize("field", ["name", "synonyms"])
def test_a_name_over_200_characters_is_refused(folder, field):
    long = "x" * 201
    if field == "name":
        edit(folder, 'name = "Levofloxacin"', f'name = "{long}"')
    else:
        edit(folder, 'name = "Levofloxacin"', f'name = "Levofloxacin"\nsynonyms = ["{long}"]')
    assert any(f"entity 'levofloxacin': {field}" in p and "at most 200" in p
               for p in problems(folder))


def test_an_empty_rule_file_is_refused(folder):
    (folder / "empty.toml").write_text("")
    (folder / "truncated.toml").write_text("# kidney rules\n[references]\n")
    found = problems(folder)
    assert [p.split(":")[0] for p in found] == ["empty.toml", "truncated.toml"]
    assert "holds no references, entities, rules or other tables" in found[0]


def test_a_folder_is_read_without_its_sub_folders(folder):
    (folder / "old").mkdir()
    (folder / "old" / "broken.toml").write_text("not toml [[")
    assert sorted(load_knowledge(folder).rules) == [
        "levofloxacin-magnesium", "magnesium-kidney", "quinolones-magnesium"]
    assert run("rules", "validate", str(folder)).exit_code == 0


def test_a_long_list_of_problems_ends_with_its_count(folder):
    for n in range(5):
        (folder / f"bad{n}.toml").write_text('[[rule]]\nid = "Bad Id"\n')
    result = run("rules", "validate", str(folder))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    count = int(lines[0].split()[1])
    assert count > 5 and lines[-1] == f"{count} problems in all."


# ------------------------------------------------------------------ rules diff


def test_the_bundled_rules_against_themselves_have_no_difference():
    result = run("rules", "diff", str(BUNDLED))
    # Against the bundled rules: the checkout's folder, or the installed wheel's copy of it.
    assert (result.exit_code, result.output.strip()) == (
        0, f"{BUNDLED} against {bundled_rules_dir()}: no differences.")


def test_a_lost_family_and_an_edited_gap_are_shown_before_deployment(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(BUNDLED, site)
    (site / "kidney.toml").unlink()
    path = site / "tetracyclines.toml"
    text = path.read_text()
    path.write_text(text.replace("drug_after_hours = 6", "drug_after_hours = 8", 1))
    result = run("rules", "diff", str(site), "--format", "json")
    assert result.exit_code == 2  # the folder no longer validates: its problems are listed too
    diff = json.loads(result.stdout)
    assert diff["files_removed"] == ["kidney.toml"]
    assert "magnesium-severe-renal-impairment" in diff["tables"]["rules"]["removed"]
    assert "dialysis" in diff["tables"]["entities"]["removed"]
    assert {"id": "tetracyclines-magnesium-chelation", "fields": ["separation"]} in \
        diff["tables"]["rules"]["changed"]
    assert any("unknown entity 'dialysis'" in p for p in diff["problems"])
    table = run("rules", "diff", str(site)).output
    assert "Files removed: kidney.toml" in table
    assert "  - rule magnesium-severe-renal-impairment" in table
    assert "  ~ rule tetracyclines-magnesium-chelation: separation" in table


def test_a_site_folder_that_only_adds_exits_1(folder, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(folder, site)
    (site / "extra.toml").write_text(
        '[[entity]]\nid = "moxifloxacin"\nkind = "drug"\nname = "Moxifloxacin"\n'
        'is_a = ["quinolones"]\n')
    result = run("rules", "diff", str(site), "--against", str(folder))
    assert result.exit_code == 1
    assert "entities: 1 added, 0 removed, 0 changed\n  + entity moxifloxacin" in result.output
