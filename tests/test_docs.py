"""Every command has help and is documented in the README."""

from pathlib import Path

import typer

from interactions.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def commands(group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_has_help_and_readme_docs():
    found = list(commands(typer.main.get_command(app)))
    assert found
    for name, command in found:
        assert command.help, f"`interactions {name}` has no help"
        assert f"interactions {name}" in README or f"`{name}" in README, f"README does not mention `{name}`"


def test_readme_starts_with_the_two_commands():
    block = README.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block[0].startswith("pip install . && interactions ")
    assert block[1] == 'pip install ".[test]" && pytest'
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert block[1] in ci
