import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's cache folder.
os.environ.setdefault("INTERACTIONS_CACHE_DIR", tempfile.mkdtemp(prefix="interactions-test-cache-"))

from interactions.check.engine import Checker  # noqa: E402
from interactions.errors import RuleFileError  # noqa: E402
from interactions.knowledge.index import load_index  # noqa: E402
from interactions.knowledge.loader import load_knowledge  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def checker() -> Checker:
    """The bundled rules, loaded once for the whole run."""
    return Checker(load_index())


@pytest.fixture(scope="session")
def minimal() -> Checker:
    return Checker(load_index(FIXTURES / "minimal_rules", use_cache=False))


# --- a copy of the minimal rule folder to damage, for the loader's and validate's tests ---------

@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "minimal_rules", tmp_path / "rules")
    return tmp_path / "rules"


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / "core.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(folder: Path) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_knowledge(folder)
    return caught.value.problems
