"""The package layout holds: imports flow one way, front-end libraries stay in the CLI, modules
stay small, and every capability has its public door."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "interactions"
# Lower layers first: a module may import only from its own layer or the layers before it.
LAYERS = [
    {"models", "errors", "notice", "wording", "files"},
    {"knowledge"},
    {"check"},
    {"__init__"},  # the package's own door: Checker, check and the models
    {"plan", "screen", "browse", "service"},
    {"cli", "__main__"},
]
MAX_LINES = 400


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "rules" not in p.parts)


def _part(path: Path) -> str:
    """The capability a module belongs to: its package, or its own name at the top level."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path):
    """(module imported, is it inside the package) for each import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, alias.name.startswith("interactions")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, *(node.module.split(".") if node.module else [])])
                yield name, True
            else:
                yield node.module or "", (node.module or "").startswith("interactions")


def _layer(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down_the_layers(path):
    here = _layer(_part(path))
    for name, inside in _imports(path):
        if not inside or name == "interactions":
            continue
        target = name.split(".")[1]
        assert _layer(target) <= here, f"{path.name} imports {name}: a lower layer imports a higher one"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_typer_and_rich_live_only_in_the_cli(path):
    if _part(path) == "cli":
        return
    for name, _inside in _imports(path):
        assert name.split(".")[0] not in ("typer", "rich"), f"{path} imports {name}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("package", ["knowledge", "check", "plan", "screen", "browse", "cli"])
def test_each_capability_has_one_public_door(package):
    module = importlib.import_module(f"interactions.{package}")
    assert module.__all__ and all(hasattr(module, name) for name in module.__all__)


def test_the_public_imports_work():
    from interactions import Checker, check  # noqa: F401
    from interactions.plan import plan  # noqa: F401
    from interactions.screen import screen_file, screen_frame, screen_records  # noqa: F401
