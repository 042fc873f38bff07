"""`pip install .` (not only an editable checkout) must carry the rules inside the package."""

from pathlib import Path

import pytest

import interactions
from interactions.knowledge.paths import bundled_rules_dir

PACKAGE = Path(interactions.__file__).resolve().parent


def test_bundled_rules_are_found():
    assert sorted(p.name for p in bundled_rules_dir().glob("*.toml"))


def test_an_installed_package_carries_its_rules():
    if (PACKAGE.parent / "pyproject.toml").exists():
        pytest.skip("imported from a checkout (editable install); CI runs this on the installed wheel")
    assert bundled_rules_dir() == PACKAGE / "rules"
    checkout_rules = Path(__file__).resolve().parents[1] / "rules"
    assert sorted(p.name for p in bundled_rules_dir().rglob("*.toml")) == sorted(
        p.name for p in checkout_rules.rglob("*.toml"))
