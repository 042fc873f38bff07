import os
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's cache folder.
os.environ.setdefault("INTERACTIONS_CACHE_DIR", tempfile.mkdtemp(prefix="interactions-test-cache-"))

from interactions.check.engine import Checker  # noqa: E402
from interactions.knowledge.index import load_index  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def checker() -> Checker:
    """The bundled rules, loaded once for the whole run."""
    return Checker(load_index())


@pytest.fixture(scope="session")
def minimal() -> Checker:
    return Checker(load_index(FIXTURES / "minimal_rules", use_cache=False))
