"""Cut the input into blocks of whole lines (whole patients, in the long layout).

The same blocks are cut whatever ``jobs`` is, so the output is byte-identical. With --sort the
long layout's blocks come from the external sort instead (sort.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from .fields import Lines
from .options import ScreenOptions
from .tabular import Layout, RowError, parse_line, read_blocks

Progress = Callable[[int, int | None], None]  # (bytes read, input size when known)


@dataclass
class Block:
    payload: bytes | Lines  # Lines: the external sort's, each numbered in ``numbers``
    # None: the line after the block before's last, found by whoever reads the blocks in order
    # (see workers.pipelined).
    first_line: int | None
    numbers: list[int] | None = None


def cut_blocks(stream: IO[bytes], layout: Layout, options: ScreenOptions, done: int,
               progress: Progress | None, size: int | None) -> Iterator[Block]:
    """Blocks of the input after its header (``done`` bytes of it read already)."""
    if layout.layout == "long" and options.sort:
        from .sort import sorted_blocks  # only --sort needs temporary files

        yield from sorted_blocks(stream, layout, options, done, progress, size)
        return
    # Wide blocks screened in this process are numbered by the reader, which counts their lines
    # as it cuts them; counting here would be another pass over every byte under Python's lock.
    count = layout.layout == "long" or options.jobs > 1
    line: int | None = 2
    carry = b""
    for data in read_blocks(stream, options.block_bytes):
        done += len(data)
        data = carry + data
        if layout.layout == "long":
            data, carry = _split_tail(data, layout, options.encoding)
            if not data:
                continue
        yield Block(data, line)
        line = line + data.count(b"\n") if count else None
        if progress:
            progress(done, size)
    if carry:
        yield Block(carry, line)


def _split_tail(data: bytes, layout: Layout, encoding: str) -> tuple[bytes, bytes]:
    """Cut before the last patient's rows, which may go on in the next block."""
    last = None
    end = len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        pid = _patient_id(data[start:end], layout, encoding)
        if pid is not None:
            if last is None:
                last = pid
            elif pid != last:
                return data[:end], data[end:]
        end = start
    return b"", data


def _patient_id(raw: bytes, layout: Layout, encoding: str) -> str | None:
    try:
        return parse_line(raw.decode(encoding).rstrip("\r\n"),
                          layout)[layout.columns["patient"]].strip() or None
    except (UnicodeDecodeError, RowError):
        return None
