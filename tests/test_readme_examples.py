"""The README's examples run as shown, and its option lists are the tool's (tests/test_docs.py
checks that every command is documented at all).

Every `interactions ...` line in a ```console, ```sh or ```bash block is run (a `$ ` prompt is
optional) on the bundled example data, in a temporary folder, through the real console entry.
Its exit code must be the one this file expects (EXIT, which every example must be in, so a new
example states its code here); where a ```console block shows output under a command, the
output must hold it: whitespace is normalised, and a line `...` stands for output left out.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from interactions.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHELLS = ("console", "sh", "bash")

# Each example's exit code, by the README's exit-code tables: 1 a finding, 0 otherwise here.
EXIT = {
    'check doxycycline "magnesium citrate 400 mg" levothyroxine furosemide --egfr 25 --exit-zero': 0,
    'check doxycycline "magnesium citrate 400 mg"': 1,
    'check furosemide lisinopril "magnesium oxide" --egfr 25': 1,
    'check "Cipro 500 mg BID" "Mag-Ox 400" --condition dialysis --format json': 1,
    'check doxycycline "magnesium citrate 400 mg" --format csv': 1,
    'explain levofloxacin "milk of magnesia"': 1,
    'check "Mag-Ox 400 mg BID" "Synthroid 75 mcg"': 1,
    'plan levothyroxine alendronate doxycycline "magnesium citrate 200 mg BID" calcium': 0,
    "plan - < list.txt": 0,
    'plan levothyroxine alendronate doxycycline "magnesium citrate 200 mg BID" calcium -f svg -o plan.svg': 0,
    "plan ... -f ics -o plan.ics": 0,
    "plan ... -f html -o plan.html": 0,
    "plan ... -f csv": 0,
    "screen examples/patients.csv -o findings.csv --summary summary.csv --rejects rejects.csv": 1,
    "screen claims.parquet -o findings.parquet --summary summary.parquet --rejects rejects.parquet": 1,
    "check --fhir bundle.json": 1,
    "check --fhir bundle.json --format fhir": 1,
    "rules list": 0,
    "rules list --class fluoroquinolones --severity major --format json": 0,
    "rules list --severity contraindicated --format csv": 0,
    "rules show levofloxacin-magnesium-chelation": 0,
    "lookup Zestoretic": 0,
    "lookup J01AA": 0,
    "lookup Zestoretic --format jsonl": 0,
    "graph export --format graphml -o magnesium.graphml": 0,
    "graph export --format svg --around doxycycline --depth 1 -o doxycycline.svg": 0,
    "graph export --format svg -o graph.svg": 0,
    "rules validate rules": 0,
    "rules coverage -o docs/coverage.md": 0,
}
# Not run here: a server that runs until stopped (tests/test_service_server.py starts it).
NOT_RUN = {"serve --host 127.0.0.1 --port 8080"}


def blocks():
    """(language, first line number, lines) of each fenced block."""
    lines = README.splitlines()
    n = 0
    while n < len(lines):
        fence = re.match(r"```(\w*)\s*$", lines[n])
        if fence:
            end = next(i for i in range(n + 1, len(lines)) if lines[i].startswith("```"))
            yield fence.group(1), n + 2, lines[n + 1:end]
            n = end
        n += 1


def synopsis(command: str) -> bool:
    """A usage line (ITEM..., [--option]) rather than a command to run."""
    return "ITEM..." in command or re.search(r"\[-", command) is not None


def examples():
    """(command after `interactions `, shown output lines, README line) for each example."""
    for language, start, lines in blocks():
        if language not in SHELLS:
            continue
        current = None
        for offset, line in enumerate(lines):
            text = line[2:] if line.startswith("$ ") else line
            text = text.split("&& ")[-1]
            command = re.sub(r"\s+#.*$", "", text).strip()
            for prefix in ("interactions ", "python -m interactions "):
                if command.startswith(prefix):
                    if current:
                        yield current
                    current = None
                    rest = command[len(prefix):]
                    if not synopsis(rest):
                        current = (rest, [], start + offset)
                    break
            else:
                if line.startswith("$ "):  # some other program's example (pip, pytest...)
                    if current:
                        yield current
                    current = None
                elif current and language == "console":
                    current[1].append(line)
        if current:
            yield current


EXAMPLES = list(examples())
FIRST_ITEMS: dict[str, list[str]] = {}  # each command's first example's items, for a later `...`
for _example in EXAMPLES:
    _words = shlex.split(_example[0])
    if "..." not in _words:
        FIRST_ITEMS.setdefault(_words[0], [w for w in _words[1:] if not w.startswith("-")])


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The bundled example data, and the few inputs the README names without shipping: the FHIR
    test Bundle as bundle.json, examples/patients.csv as claims.parquet, the plan example's items
    one a line as list.txt."""
    import polars as pl

    here = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", here / "examples")
    shutil.copytree(ROOT / "rules", here / "rules")
    (here / "docs").mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "fhir" / "doxycycline-magnesium-ckd4.json",
                here / "bundle.json")
    pl.read_csv(here / "examples" / "patients.csv").write_parquet(here / "claims.parquet")
    (here / "list.txt").write_text("levothyroxine\nalendronate\ndoxycycline\n"
                                   "magnesium citrate 200 mg BID\ncalcium\n")
    return here


def argv(command: str) -> tuple[list[str], str | None]:
    """The arguments (a `...` argument is the items of the command's first example) and the file
    a `<` redirection reads."""
    words = shlex.split(command)
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin = words[at + 1]
        words = words[:at] + words[at + 2:]
    if "..." in words:
        at = words.index("...")
        words = words[:at] + FIRST_ITEMS[words[0]] + words[at + 1:]
    return words, stdin


@pytest.mark.parametrize("command, shown, line", EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_each_readme_example_runs_as_shown(folder, command, shown, line):
    if command in NOT_RUN:
        pytest.skip("runs until stopped")
    assert command in EXIT, f"README line {line}: add `{command}` and its exit code to EXIT"
    words, stdin = argv(command)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-m", "interactions", *words], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=120,
                            stdin=(folder / stdin).open() if stdin else subprocess.DEVNULL)
    assert result.returncode == EXIT[command], (command, result.stderr[-2000:])
    actual = normalised(result.stdout + "\n" + result.stderr)
    parts, part = [], []
    for text in shown:
        if text.strip() == "...":
            parts.append(part)
            part = []
        else:
            part.append(text)
    parts.append(part)
    for piece in filter(None, parts):
        assert normalised("\n".join(piece)) in actual, f"README line {line}: output differs"


def test_every_expected_example_is_still_in_the_readme():
    assert set(EXIT) | NOT_RUN == {e[0] for e in EXAMPLES}


# ------------------------------------------------------------------ option lists against --help


def commands(group=None, prefix=""):
    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group (typer carries its own copy of click)
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


COMMANDS = dict(commands())
GLOBAL = {"--verbose", "--help", "-h"}


def is_option(param) -> bool:
    return param.param_type_name == "option" and not param.hidden


def options(command) -> dict:
    return {name: p for p in command.params if is_option(p) for name in p.opts + p.secondary_opts}


def choices(option) -> set[str] | None:
    kind = option.type_descriptor
    return {str(getattr(c, "value", c)) for c in kind.choices} if kind.is_choice else None


def mentions():
    """(command, text naming its options) for each usage line in a code block, each `interactions
    CMD ...` span in the text, and each "Options of `CMD`:" paragraph."""
    for _language, _start, lines in blocks():
        for line in "\n".join(lines).replace("\\\n", " ").splitlines():  # continued lines
            found = re.search(r"interactions (.*)", re.sub(r"\s#\s.*", "", line))
            if found:
                yield from _command(found.group(1))
    for span in re.findall(r"`interactions ([^`]+)`", README):
        yield from _command(span)
    for paragraph in README.split("\n\n"):
        found = re.match(r"Options of `([a-z ]+)`:", paragraph)
        if found:
            yield found.group(1), paragraph


def _command(span: str):
    """The longest command name the text starts with, and the rest of the text."""
    for name in sorted(COMMANDS, key=len, reverse=True):
        if span == name or span.startswith(name + " "):
            yield name, span[len(name):]
            return


MENTIONS = list(mentions())


def test_option_lists_name_real_options_with_their_real_choices():
    assert len(MENTIONS) > 20
    for name, text in MENTIONS:
        known = options(COMMANDS[name])
        for option, listed in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)(?:[ =]([A-Za-z0-9]+(?:\|[\w-]+)+))?",
                                         text):
            if option in GLOBAL or option == "-":
                continue
            assert option in known, f"README: `interactions {name}` has no option {option}"
            if listed and choices(known[option]) is not None:
                assert set(listed.split("|")) == choices(known[option]), \
                    f"README: `interactions {name} {option}` lists {listed}"


def test_check_and_plan_list_every_option():
    """The option lists that say they are whole: check's paragraph and plan's usage lines."""
    for name in ("check", "plan"):
        text = " ".join(t for n, t in MENTIONS if n == name)
        missing = {p.opts[-1] if p.opts[0].startswith("-") and len(p.opts[0]) == 2 else p.opts[0]
                   for p in COMMANDS[name].params
                   if is_option(p) and not any(re.search(re.escape(o) + r"(?![\w-])", text) for o in p.opts)}
        assert not missing, f"README does not list {sorted(missing)} for `interactions {name}`"


def test_every_option_of_every_command_is_in_the_readme():
    for name, command in COMMANDS.items():
        for param in command.params:
            if is_option(param) and not GLOBAL & set(param.opts):
                assert any(re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", README)
                           for o in param.opts), \
                    f"README never mentions {param.opts} of `interactions {name}`"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_names_what_each_option_takes(name):
    """The README writes `--feedback FILE`, `--rules DIR`: so does --help, never 'VALUE'."""
    result = CliRunner().invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0 and "VALUE" not in result.output
