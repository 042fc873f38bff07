"""Write output files atomically, so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """The same for bytes (a PNG, an iCalendar file with its CRLF line ends)."""
    path = Path(path)
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent or ".",
                                         prefix=f".{path.name}.", delete=False) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, _mode(path))
        os.replace(tmp.name, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _mode(path: Path) -> int:
    """The replaced file's permissions, or a new file's (0666 less the umask): a temporary file
    is made 0600, which would leave a handout or calendar file unreadable to others."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
