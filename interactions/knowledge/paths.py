"""Where the bundled rules live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the interactions package


def bundled_rules_dir() -> Path:
    """The wheel carries the rules inside the package; an editable checkout keeps them at the top."""
    inside = _PACKAGE / "rules"
    return inside if inside.is_dir() else _PACKAGE.parent / "rules"


def rule_files(root: Path) -> list[Path]:
    """Every rule file in a folder (not its sub-folders: `--rules /tmp` must not read the whole
    tree), in a stable order."""
    return sorted(p for p in root.glob("*.toml") if p.is_file())
