"""Output files written atomically, so a reader (or a crash) never sees half a file; SVG as PNG."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import IO

from .errors import InputError

# Output reaches the OS in writes of at most this size: on Linux ext4 a write's size sets the
# size of the page-cache folios it fills, and large fresh folios are slow to touch; small
# writes reuse pages (measured: benchmarks/screen_notes.md).
WRITE_BYTES = 64 << 10


class SmallWrites(io.BufferedWriter):
    """A buffered binary file that hands the OS no write larger than its buffer (see
    WRITE_BYTES); a large write goes out in slices of the caller's bytes, without a copy."""

    def __init__(self, raw: io.RawIOBase, size: int, label: str = "the output"):
        super().__init__(raw, size)
        self.size = size
        self.label = label  # named in the error a full disk or a closed pipe gives

    def write(self, data) -> int:
        try:
            return self._write(memoryview(data))
        except OSError as exc:
            raise InputError(f"cannot write {self.label}: {exc.strerror or exc}") from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            raise InputError(f"cannot write {self.label}: {exc.strerror or exc}") from None

    def _write(self, view: memoryview) -> int:
        if view.nbytes <= self.size:
            return super().write(view)
        self.flush()
        for start in range(0, view.nbytes, self.size):
            part = view[start:start + self.size]
            while part:  # a raw write may take less than it was given
                part = part[self.raw.write(part):]
        return view.nbytes


class AtomicOutput:
    """A file written under a temporary name in the target folder and renamed over the
    target only when complete, so a crash never leaves a half file that looks whole.

    A target that exists and is not a plain regular file (/dev/null, a named pipe, a symbolic
    link such as /dev/stdout) is written in place: renaming over it would replace it."""

    def __init__(self, target: str | Path | None):
        self.target = None if target in (None, "-") else Path(target)
        self._tmp: str | None = None
        self._direct = False
        self.fh: IO[bytes]

    def __enter__(self) -> IO[bytes]:
        if self.target is None:
            self.fh = sys.stdout.buffer
            return self.fh
        if self.target.is_symlink() or (self.target.exists() and not self.target.is_file()):
            self._direct = True
            try:
                self.fh = SmallWrites(io.FileIO(self.target, "wb"), WRITE_BYTES, str(self.target))
            except OSError as exc:
                raise InputError(f"cannot write {self.target}: {exc.strerror}") from None
            return self.fh
        folder = self.target.parent
        try:
            fd, self._tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.target.name}.",
                                             suffix=".part")
        except OSError as exc:
            raise InputError(f"cannot write {self.target}: {exc.strerror}") from None
        os.fchmod(fd, _mode(self.target))
        self.fh = SmallWrites(io.FileIO(fd, "wb"), WRITE_BYTES, str(self.target))
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.target is None:
            self.fh.flush()
            return
        try:
            self.fh.close()  # the last flush: a full disk may say so only now
        except (OSError, InputError):
            if not self._direct:
                os.unlink(self._tmp)
            raise
        if self._direct:
            return
        if exc_type is None:
            os.replace(self._tmp, self.target)
        else:
            os.unlink(self._tmp)


def write_text_atomically(path: Path | str, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` (see AtomicOutput)."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path | str, data: bytes) -> None:
    """The same for bytes (a PNG, an iCalendar file with its CRLF line ends). A write that fails
    part-way leaves the old file as it was and no temporary file behind."""
    try:
        with AtomicOutput(path) as fh:
            fh.write(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def distinct_outputs(inputs: dict[str, str | Path | None],
                     outputs: dict[str, str | Path | None]) -> None:
    """Refuse, before anything is written, outputs that would overwrite an input or each other:
    ``screen in.csv -o in.csv`` would replace the patients with the findings, and
    ``-o x.csv --summary x.csv`` keep only one of them. Standard output ("-" or None) may take
    one output only. Keys name the options in the message."""
    seen: dict[object, str] = {}
    for name, path in {**inputs, **outputs}.items():
        if name not in outputs and path in (None, "-"):
            continue  # standard input is no output
        key = "-" if path in (None, "-") else _identity(Path(path))
        if key in seen:
            what = "standard output" if key == "-" else str(path)
            raise InputError(f"{seen[key]} and {name} are both {what}: give each output a file "
                             "of its own, and never the input")
        seen[key] = name


def _identity(path: Path) -> object:
    """The same file however it is named (a link, a relative path): its device and inode if it
    exists, else its resolved path."""
    try:
        status = path.stat()
        return (status.st_dev, status.st_ino)
    except OSError:
        return str(path.resolve())


def _mode(path: Path) -> int:
    """The replaced file's permissions, or a new file's (0666 less the umask): a temporary file
    is made 0600, which would leave a handout or calendar file unreadable to others."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def svg_to_png(svg: str) -> bytes:
    """An SVG picture as PNG, through cairosvg. It is not a dependency: cairosvg needs the system
    cairo library (libcairo2), which pip cannot install, so this says what to install instead."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: cairosvg installed, the cairo library not
        raise InputError("PNG needs cairosvg and the cairo library: pip install cairosvg and "
                         f"apt-get install libcairo2 (or use --format svg) [{exc}]") from None
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"))
