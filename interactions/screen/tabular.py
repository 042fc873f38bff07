"""Patient files in and result files out: opening, header detection, row parsing, safe writing.

Knows CSV, not medicine. Records are one physical line each (the shape of EHR and claims exports),
so a stray quote costs one rejected line instead of swallowing the rest of the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import InputError

MAX_LINE_CHARS = 65_536  # longer lines are rejected (a 1 MB cell is an export fault, not a list)
RAW_KEEP_CHARS = 2_000  # how much of a rejected line the rejects file keeps

FIELD_DELIMITERS = (",", "\t", ";", "|")
ITEM_SEPARATORS = (";", "|")

# Column roles and the header names that announce them (compared after _column_key).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "patient": ("patient_id", "patientid", "patient", "pid", "person_id", "member_id", "mrn",
                "subject_id", "id"),
    "medications": ("medications", "meds", "medication_list", "med_list", "drugs", "drug_list",
                    "medicines", "medication_names"),
    "medication": ("medication", "med", "drug", "drug_name", "medication_name", "medicine",
                   "item", "product"),
    "dose": ("dose", "dosage", "strength", "sig"),
    "conditions": ("conditions", "condition", "diagnoses", "diagnosis", "problems", "icd10", "dx"),
    "egfr": ("egfr", "e_gfr", "gfr", "egfr_ml_min", "egfr_ml_min_1_73m2"),
    "age": ("age", "age_years"),
    "sex": ("sex", "gender"),
    "pregnant": ("pregnant", "pregnancy"),
}
ROLES = tuple(ROLE_NAMES)

# OWASP CSV-injection guidance (and ASVS 1.2.10): a cell starting with one of these is run as a
# formula by spreadsheets, so it gets a leading apostrophe. Full-width forms are read as their
# ASCII twins by some spreadsheets.
FORMULA_STARTS = frozenset("=+-@\t\r\n\0＝＋－＠")


def neutralise(cell: str) -> str:
    return "'" + cell if cell and cell[0] in FORMULA_STARTS else cell


@dataclass(frozen=True)
class Layout:
    """How to read one file: delimiters, layout, and the column index of each role."""

    delimiter: str
    layout: str  # "wide" | "long"
    item_separators: tuple[str, ...]
    header: tuple[str, ...]
    columns: dict[str, int]  # role -> column index

    @property
    def width(self) -> int:
        return len(self.header)


def _column_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().casefold()).strip("_")


def detect_layout(header_line: str, *, delimiter: str | None = None, layout: str | None = None,
                  item_separator: str | None = None,
                  columns: dict[str, str | None] | None = None) -> Layout:
    """Read the delimiter, the layout and the column roles from the header line.

    Explicit choices win; anything guessed must be unambiguous, or the error says which option
    settles it. With an explicit layout, a column named for "medication" or "medications"
    holds what that layout's medication column holds (the command line has one
    --medication-column for both)."""
    if delimiter is None:
        delimiter = _delimiter(header_line)
    try:
        header = tuple(next(csv.reader([header_line], delimiter=delimiter, strict=True)))
    except csv.Error as exc:
        raise InputError(f"the header line cannot be read: {exc}") from None
    chosen = _roles(header, columns or {}, layout)
    if layout is None:
        layout = _layout(chosen, header)
    med_role = "medications" if layout == "wide" else "medication"
    other = "medication" if layout == "wide" else "medications"
    if med_role not in chosen and other in chosen:
        chosen[med_role] = chosen.pop(other)  # an explicit layout decides what the column holds
    chosen.pop(other, None)
    for role in ("patient", med_role):
        if role not in chosen:
            label = "patient id" if role == "patient" else "medication"
            flag = "patient" if role == "patient" else "medication"
            raise InputError(f"no {label} column in the header (" + ", ".join(header)
                             + f"): name it with --{flag}-column")
    if layout == "wide" and "dose" in chosen:
        raise InputError("a dose column needs the long layout (one row per medication); in the "
                         "wide layout write the dose inside each item: 'doxycycline 100 mg'")
    separators = ((item_separator,) if item_separator
                  else tuple(s for s in ITEM_SEPARATORS if s != delimiter))
    return Layout(delimiter, layout, separators, header, chosen)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in FIELD_DELIMITERS}
    delimiter = max(FIELD_DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise InputError("the header has one column: expected a patient id column and a "
                         "medication column; set --delimiter if the file uses another one")
    return delimiter


def _roles(header: tuple[str, ...], columns: dict[str, str | None],
           layout: str | None) -> dict[str, int]:
    """Column index by role: the columns named first, then the header's own names for the
    roles left (a column is taken once)."""
    keys = [_column_key(h) for h in header]
    named = {role: name for role, name in columns.items() if name is not None}
    med_role = {"wide": "medications", "long": "medication"}.get(layout)
    chosen: dict[str, int] = {}
    for role, name in named.items():
        if _column_key(name) not in keys:
            raise InputError(f"no column {name!r} for --{role}-column; the header has: "
                             + ", ".join(header))
        if role in ("medication", "medications") and med_role and med_role not in named:
            role = med_role
        chosen[role] = keys.index(_column_key(name))
    for role in ROLES:
        if role not in chosen:
            found = next((keys.index(n) for n in ROLE_NAMES[role] if n in keys), None)
            if found is not None and found not in chosen.values():
                chosen[role] = found
    return chosen


def _layout(chosen: dict[str, int], header: tuple[str, ...]) -> str:
    if "medications" in chosen and "medication" not in chosen:
        return "wide"
    if "medication" in chosen and "medications" not in chosen:
        return "long"
    raise InputError("cannot tell the layout from the header (" + ", ".join(header)
                     + "): pass --layout wide or --layout long and --medication-column")


class RowError(ValueError):
    """One input line cannot be used; the message becomes the reject reason."""


def parse_line(line: str, layout: Layout) -> list[str]:
    """Split one physical line into fields. Lines without quotes take the fast path."""
    if len(line) > MAX_LINE_CHARS:
        # No count: a line far past the limit is not read to its end (see _finish_line).
        raise RowError(f"line longer than {MAX_LINE_CHARS:,} characters")
    if '"' in line:
        try:
            fields = next(csv.reader((line,), delimiter=layout.delimiter, strict=True))
        except csv.Error as exc:
            reason = ("unterminated quoted field" if "unexpected end of data" in str(exc)
                      else f"bad quoting: {exc}")
            raise RowError(reason) from None
    else:
        fields = line.split(layout.delimiter)
    if len(fields) != layout.width:
        raise RowError(f"expected {layout.width} fields, found {len(fields)}")
    return fields


# --- input ---------------------------------------------------------------------------------

def open_input(source: str | Path) -> tuple[IO[bytes], int | None]:
    """A binary stream over a path or '-' (stdin), gunzipped when it starts with the gzip magic,
    and its size in bytes when known (for the progress bar)."""
    if str(source) == "-":
        raw: IO[bytes] = sys.stdin.buffer
        size = None
    else:
        try:
            raw = open(source, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror}") from None
        size = os.fstat(raw.fileno()).st_size
    if not isinstance(raw, io.BufferedReader):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb"), None  # type: ignore[return-value]
    return raw, size


def read_header(stream: IO[bytes], encoding: str) -> tuple[str, int]:
    """The header line (BOM removed) and its length in bytes."""
    try:
        raw = stream.readline(MAX_LINE_CHARS + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the input: {exc}") from None
    if not raw:
        raise InputError("the input is empty: expected a header line naming the columns")
    if len(raw) > MAX_LINE_CHARS and not raw.endswith(b"\n"):
        # Cut here, its tail would become data line 2 and every line number after it be wrong.
        raise InputError(f"the header line is longer than {MAX_LINE_CHARS:,} bytes: expected a "
                         "line naming the columns (is this a CSV file with line breaks?)")
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            raise InputError(f"the input is {name}; convert it to UTF-8 first "
                             f"(iconv -f {name} -t UTF-8)")
    if "\n".encode(encoding) != b"\n":
        raise InputError(f"encoding {encoding} is not supported: use an ASCII-compatible one "
                         "(utf-8, latin-1, cp1252...) or convert the file with iconv")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"the header line is not valid {encoding} ({exc.reason}); "
                         "set --encoding") from None
    return text.lstrip("\ufeff").rstrip("\r\n"), len(raw)


def read_blocks(stream: IO[bytes], size: int) -> Iterator[bytes]:
    """Blocks of whole lines, about ``size`` bytes each; the last may lack a final newline. A
    block is read, then its last line finished with readline: one copy of the block, where
    cutting at the last newline and carrying the rest over would make two."""
    while True:
        try:
            data = stream.read(size)
            if data and not data.endswith(b"\n"):
                data = _finish_line(stream, data)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot read the input: {exc}") from None
        if not data:
            return
        yield data


# More than MAX_LINE_CHARS characters in any encoding read here (at most 4 bytes a character):
# a line this long is rejected whatever follows, so what follows is not kept.
LONG_LINE_BYTES = 4 * (MAX_LINE_CHARS + 1)


def _finish_line(stream: IO[bytes], data: bytes) -> bytes:
    """``data`` with its last line read to its end. A line past LONG_LINE_BYTES (an export
    fault: a 100 MB cell) keeps only its first LONG_LINE_BYTES, and the rest is read past:
    held whole, it and every copy made of it took a run to hundreds of MB. It is rejected as
    too long all the same."""
    start = data.rfind(b"\n") + 1  # the unfinished line
    room = LONG_LINE_BYTES - (len(data) - start)
    rest = stream.readline(room + 1) if room >= 0 else b""
    if room >= 0 and (rest.endswith(b"\n") or len(rest) <= room):
        return data + rest
    line = (data[start:] + rest)[:LONG_LINE_BYTES]
    cut = len(line) - len(line) % 4  # whole characters of UTF-16 and UTF-32 too
    while cut and line[cut - 1] & 0xC0 == 0x80:  # inside a UTF-8 character: before it
        cut -= 1
    if cut and line[cut - 1] >= 0xC0:
        cut -= 1
    while True:
        chunk = stream.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            break
    return b"".join((data[:start], line[:cut], b"\n" if chunk else b""))


def decode_lines(block: bytes, encoding: str) -> tuple[list[str], dict[int, str]]:
    """Text lines of a block, and the reason for each line (by offset) that does not decode."""
    bad: dict[int, str] = {}
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError:
        lines = []
        for offset, raw in enumerate(block.split(b"\n")):
            try:
                lines.append(raw.decode(encoding))
            except UnicodeDecodeError as exc:
                bad[offset] = (f"not valid {encoding}: byte 0x{raw[exc.start]:02x} "
                               f"at position {exc.start + 1}")
                lines.append(raw.decode(encoding, errors="replace"))
        text = None
    if text is not None:
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
    else:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if lines and lines[-1] == "":
        lines.pop()
    return lines, bad


def raw_for_rejects(line: str) -> str:
    if len(line) <= RAW_KEEP_CHARS:
        return line
    return line[:RAW_KEEP_CHARS] + f"... [{len(line):,} characters; cut]"
