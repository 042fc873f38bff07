"""The CLI fits people's habits and holds under bad input: valid JSON always, plain-language help
and errors, items from a file or stdin, exit codes a pipeline can tell apart, 80-column output."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from interactions import __version__
from interactions.check import Checker
from interactions.cli.app import app
from interactions.cli.common import to_json
from interactions.cli.render_browse import print_rules
from interactions.cli.render_report import print_report
from interactions.errors import InputError
from interactions.models import PatientContext

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin=None, columns="200"):
    return runner.invoke(app, list(args), input=stdin, env={"COLUMNS": columns})


def cli(*args, **kwargs):
    """The real console script, for what a test runner cannot show (real stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "interactions", *args], capture_output=True,
                          env=env, **kwargs)


# ------------------------------------------------------------------ exit codes


@pytest.mark.parametrize("items, code", [
    (["levothyroxine", "furosemide"], 0),                      # clear
    (["doxycycline", "magnesium citrate 400 mg"], 1),          # a finding
    (["doxycycline", "magnesium oxide", "xyzzy"], 1),          # a finding and an unknown item
    (["xyzzy", "magnesium glycinate"], 3),                     # unrecognised only
])
def test_exit_codes_tell_clear_findings_and_unrecognised_apart(items, code):
    assert run("check", *items).exit_code == code


def test_exit_zero_covers_unrecognised_only_too():
    assert run("check", "xyzzy", "magnesium", "--exit-zero").exit_code == 0


# ------------------------------------------------------------------ JSON is always JSON


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("item", ["hydrochlorothiazide " + "9" * 400 + " mg",
                                  "magnesium oxide q999999h", "magnesium oxide 1e308 mg BID",
                                  "NaN mg", "magnesium citrate inf mg"])
def test_huge_or_odd_numbers_still_give_rfc_8259_json(item):
    result = run("check", item, "doxycycline", "--format", "json")
    assert result.exit_code in (0, 1, 3), result.output
    strict_json(result.stdout)


def test_the_json_writer_refuses_non_finite_numbers_with_a_clear_error():
    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(InputError, match="not finite.*JSON has no Infinity or NaN"):
            to_json({"elemental_mg_per_day": value})


def test_lone_surrogates_in_an_item_are_replaced_and_said_so():
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    result = cli("check", b"xyz\xffzy", "magnesium oxide", "--format", "json")
    assert result.returncode == 3
    report = strict_json(result.stdout.decode("utf-8"))
    assert report["unrecognized"][0]["input"] == "xyz\ufffdzy"
    assert b"note: item 1 held bytes that are not UTF-8; each was replaced with U+FFFD" in \
        result.stderr
    with_surrogate = to_json({"input": "a\udcffb"})
    assert json.loads(with_surrogate) == {"input": "a\ufffdb"}


def test_json_is_written_byte_for_byte_no_emoji_codes():
    result = run("check", "doxycycline :pill:", "--format", "json")
    assert ":pill:" in result.stdout


# ------------------------------------------------------------------ writes that fail


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_one_error_line_exit_2():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "interactions", "check", "doxycycline",
                                 "magnesium citrate 400 mg"], stdout=full, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.decode() == \
        "Error: cannot write standard output: No space left on device\n"


def test_an_unwritable_output_file_is_one_error_line_exit_2(tmp_path):
    target = tmp_path / "no-such-folder" / "report.json"
    result = cli("check", "doxycycline", "Mag-Ox", "--format", "json", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.decode() == f"Error: cannot write {target}: No such file or directory\n"
    assert not list(tmp_path.rglob(".*"))


def test_check_writes_a_file_with_o(tmp_path):
    target = tmp_path / "report.json"
    result = run("check", "doxycycline", "Mag-Ox", "--format", "json", "-o", str(target))
    assert result.exit_code == 1
    assert [f["rule_id"] for f in json.loads(target.read_text())["findings"]] == [
        "tetracyclines-magnesium-chelation"]


# ------------------------------------------------------------------ conventions


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"interactions {__version__}\n")


def all_commands():
    def walk(group, prefix):
        for name, command in sorted(group.commands.items()):
            if hasattr(command, "commands"):
                yield [*prefix, name]
                yield from walk(command, [*prefix, name])
            else:
                yield [*prefix, name]

    return [[], *walk(typer.main.get_command(app), [])]


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c) or "top")
def test_h_and_help_everywhere_in_plain_words(command):
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    for leak in ("<list[", "range>", "<str>", "<float", "<int", "<path>", "{ITEM}", "[ITEM]..."):
        assert leak not in short.stdout, (command, leak)


def test_shell_completion_is_offered():
    assert "--install-completion" in run("--help").stdout


def test_verbose_is_accepted_after_the_command():
    assert run("check", "doxycycline", "--verbose").exit_code == 0
    result = cli("check", "doxycycline", "--egfr", "25", "--rules", "/no/such/folder", "--verbose")
    assert b"Traceback" in result.stderr  # --verbose took effect


@pytest.mark.parametrize("word", ["F", "f", "female", "Female", "M", "m", "male"])
def test_sex_in_words_or_letters(word):
    result = run("check", "magnesium 500 mg", "--age", "40", "--sex", word, "--format", "json")
    assert strict_json(result.stdout)["recommended_magnesium_intake"]["mg_per_day"] in (320, 420)


@pytest.mark.parametrize("args, message", [
    (["--sex", "X"], "Error: Invalid value for '--sex': 'X' is not a sex we know; use F, M, "
                     "female or male."),
    (["--egfr", "abc"], "Error: Invalid value for '--egfr': 'abc' is not a number."),
    (["--egfr", "-3"], "Error: Invalid value for '--egfr': -3 is outside 0 to 250."),
    (["--age", "nan"], "Error: Invalid value for '--age': nan is outside 0 to 130."),
    (["--pregnant", "--sex", "male"],
     "Error: the patient is given as pregnant and as male; check the sex or the pregnant flag"),
    (["--pregnant", "--age", "5"],
     "Error: the patient is given as pregnant at age 5; check the age or the pregnant flag"),
])
def test_patient_errors_in_plain_words(args, message):
    result = cli("check", "doxycycline", *args, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == message
    assert "Input should" not in result.stderr and "Value error" not in result.stderr


def test_the_library_refuses_contradictory_patients_in_one_line():
    with pytest.raises(InputError, match=r"^the patient is given as pregnant and as male"):
        PatientContext.checked(pregnant=True, sex="M")
    with pytest.raises(InputError, match=r"^age: -1 is outside the allowed range \(it must be at least 0\)$"):
        PatientContext.checked(age=-1)
    assert PatientContext(pregnant=True, age=5).contradiction() == (
        "the patient is given as pregnant at age 5; check the age or the pregnant flag")
    assert PatientContext(pregnant=True, sex="F", age=30).contradiction() is None


# ------------------------------------------------------------------ items from a file or stdin


def findings_of(result):
    return [f["rule_id"] for f in json.loads(result.stdout)["findings"]]


def test_items_from_stdin_with_a_dash():
    result = run("check", "-", "--format", "json",
                 stdin="doxycycline\n\n# the supplement\nmagnesium citrate 400 mg  # daily\n")
    assert findings_of(result) == ["tetracyclines-magnesium-chelation"]
    assert [r["input"] for r in json.loads(result.stdout)["resolved"]] == [
        "doxycycline", "magnesium citrate 400 mg"]


def test_items_from_a_file(tmp_path):
    path = tmp_path / "meds.txt"
    path.write_text("\ufeffdoxycycline\r\nMag-Ox 400\r\n", encoding="utf-8")
    result = run("check", "--items-file", str(path), "levothyroxine", "--format", "json")
    assert [r["input"] for r in json.loads(result.stdout)["resolved"]] == [
        "levothyroxine", "doxycycline", "Mag-Ox 400"]


def test_an_empty_list_is_a_usage_error():
    result = cli("check", "-", input=b"# nothing\n\n")
    assert result.returncode == 2
    assert result.stderr.startswith(b"Error: no items to check")


# ------------------------------------------------------------------ explain sees conditions


def test_explain_reads_a_condition_as_the_second_item():
    result = run("explain", "magnesium oxide", "dialysis")
    assert "note: 'dialysis' written among the items: used as a condition" in result.stdout
    assert "magnesium-severe-renal-impairment" in result.stdout


def test_explain_shows_a_rule_that_applies_only_in_a_condition():
    result = run("explain", "calcitriol", "magnesium oxide")
    out = result.stdout
    assert "Only in Dialysis: this rule applies when the patient has Dialysis" in out
    assert "calcitriol-magnesium-dialysis-hypermagnesaemia" in out
    with_it = run("explain", "calcitriol", "magnesium oxide", "--condition", "dialysis")
    assert with_it.exit_code == 1 and "Only in Dialysis" not in with_it.stdout
    assert "MODERATE  calcitriol + magnesium oxide" in with_it.stdout


# ------------------------------------------------------------------ 80 columns


def narrow(render) -> list[str]:
    console = Console(width=80, highlight=False, soft_wrap=True, no_color=True)
    with console.capture() as captured:
        render(console)
    return captured.get().splitlines()


def words_whole(lines: list[str], words: list[str]) -> None:
    text = " ".join(line.strip(" │┃") for line in lines)
    for word in words:
        assert re.search(rf"(^|[\s+(]){re.escape(word)}($|[\s,.;:)])", text), word


LIST = ["doxycycline", "magnesium citrate 400 mg", "hydrochlorothiazide", "Synthroid 75 mcg",
        "CKD stage 4"]


def test_check_at_80_columns_cuts_no_drug_name_rule_id_or_word(checker: Checker):
    report = checker.check(LIST)
    lines = narrow(lambda console: print_report(report, console))
    findings = lines[next(i for i, line in enumerate(lines) if "finding(s)" in line):]
    assert all(len(line) <= 80 for line in findings[:-1])  # the notice line is one sentence
    words_whole(findings, ["hydrochlorothiazide", "tetracyclines-magnesium-chelation",
                           "levothyroxine-magnesium-absorption", "magnesium-severe-renal-impairment"])


def test_the_report_shows_how_item_positions_were_read(checker: Checker):
    lines = narrow(lambda console: print_report(checker.check(LIST), console))
    note = "  note: 'CKD stage 4' written among the items: used as a condition"
    assert any(line.startswith(note) for line in lines)


def test_rules_list_at_80_columns_and_piped(checker):
    from interactions.browse import Browser

    browser = Browser.from_rules(None)
    rules = browser.rules(None, None)
    lines = narrow(lambda console: print_rules(rules, console))
    assert all(len(line) <= 80 for line in lines)
    assert all(any(line.split()[1:2] == [r.id] for line in lines) for r in rules)
    piped = cli("rules", "list", text=True).stdout.splitlines()  # not a terminal: 80 columns
    assert all(len(line) <= 80 for line in piped)


def test_explain_json_lists_the_rules_that_apply_only_in_a_condition():
    result = run("explain", "calcitriol", "magnesium oxide", "--format", "json")
    data = strict_json(result.stdout)
    assert data["findings"] == []
    assert [(c["condition"], c["finding"]["rule_id"]) for c in data["only_in_condition"]] == [
        ("Dialysis", "calcitriol-magnesium-dialysis-hypermagnesaemia")]


def test_the_report_never_asks_for_details_that_were_given():
    asked = run("check", "magnesium 200 mg", "--age", "40").stdout
    assert "Recommended intake (all sources): give --sex to look it up" in asked
    assert "--age" not in asked.split("Recommended intake", 1)[1].splitlines()[0]
    told = run("check", "magnesium 200 mg", "--age", "40", "--sex", "female").stdout
    assert "320 mg/day for females" in told and "give --" not in told
