"""A damaged rules cache is a cache miss: rebuilt and overwritten, never served altered."""

import random
from pathlib import Path

import pytest

from interactions.check import Checker
from interactions.knowledge import index as index_module
from interactions.knowledge.index import MAGIC, load_index

ITEMS = ["doxycycline", "magnesium citrate 400 mg", "levothyroxine", "furosemide"]


def finding_text(index) -> list[tuple[str, str, str, str]]:
    report = Checker(index).check(ITEMS)
    return [(f.rule_id, f.message, f.mechanism, f.management) for f in report.findings]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """A fresh cache folder holding one good cache file of the bundled rules."""
    monkeypatch.setenv("INTERACTIONS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("INTERACTIONS_NO_CACHE", raising=False)
    expected = finding_text(load_index())
    (path,) = tmp_path.glob("index-*.pickle")
    return path, path.read_bytes(), expected


def corrupt(data: bytes, rng: random.Random) -> bytes:
    """One random damage: flipped bytes, a truncation, or garbage appended."""
    damage = rng.choice(["flip", "truncate", "append", "zero"])
    buf = bytearray(data)
    if damage == "flip":
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(buf))
            buf[pos] ^= rng.randint(1, 255)
    elif damage == "truncate":
        del buf[rng.randrange(len(buf)):]
    elif damage == "append":
        buf += rng.randbytes(rng.randint(1, 64))
    else:
        start = rng.randrange(len(buf))
        buf[start:start + rng.randint(1, 512)] = bytes(min(512, len(buf) - start))
    return bytes(buf)


def test_the_cache_file_carries_a_checksum_header(cache):
    path, data, _ = cache
    assert data.startswith(MAGIC)


def test_200_seeded_corruptions_are_never_read_as_knowledge(cache):
    path, data, _ = cache
    rng = random.Random(19)
    for _ in range(200):
        damaged = corrupt(data, rng)
        if damaged == data:
            continue
        path.write_bytes(damaged)
        assert index_module._read_cache(path) is None


def test_damaged_caches_each_give_the_same_findings_and_are_overwritten(cache, monkeypatch):
    """End to end through load_index and Checker; the rebuild itself is stubbed with the good
    index (compiling each time would take a minute: the next test compiles for real). The 200
    seeded corruptions above go through the reader alone; 25 here go through every layer."""
    import pickle

    path, data, expected = cache
    good = data[len(MAGIC) + 32:]
    rebuilt = []
    monkeypatch.setattr(index_module, "compile_index",
                        lambda kb: rebuilt.append(1) or pickle.loads(good))
    monkeypatch.setattr("interactions.knowledge.loader.load_knowledge", lambda root: None)
    rng = random.Random(200)
    damaged_count = 0
    for n in range(25):
        damaged = corrupt(data, rng)
        damaged_count += damaged != data
        path.write_bytes(damaged)
        assert finding_text(load_index()) == expected, n
        assert index_module._read_cache(path) is not None, n  # replaced by a good file
    assert len(rebuilt) == damaged_count > 20  # every damaged file was a miss


def test_a_damaged_cache_is_rebuilt_with_the_same_findings_and_overwritten(cache):
    path, data, expected = cache
    rng = random.Random(5)
    for _ in range(12):
        path.write_bytes(corrupt(data, rng))
        assert finding_text(load_index()) == expected
        assert path.read_bytes()[:len(MAGIC) + 32] == data[:len(MAGIC) + 32]


def test_an_old_cache_without_the_header_is_a_miss(cache):
    import hashlib
    import pickle

    path, data, expected = cache
    body = data[len(MAGIC) + 32:]
    path.write_bytes(body)  # the layout before checksums
    assert finding_text(load_index()) == expected
    # A verified pickle of the wrong type is a miss too.
    other = pickle.dumps({"not": "an index"})
    path.write_bytes(MAGIC + hashlib.sha256(other).digest() + other)
    assert finding_text(load_index()) == expected


def test_a_pickle_that_raises_anything_on_load_is_a_miss(cache):
    """A checksum that matches but a payload whose unpickling raises (any exception type)."""
    import hashlib

    path, _data, expected = cache
    evil = b"\x80\x05\x95"  # a truncated frame: pickle raises, whatever the type
    path.write_bytes(MAGIC + hashlib.sha256(evil).digest() + evil)
    assert index_module._read_cache(path) is None
    assert finding_text(load_index()) == expected


def test_every_command_works_after_the_cache_is_damaged(cache):
    from typer.testing import CliRunner

    from interactions.cli.app import app

    path, data, _ = cache
    runner = CliRunner()
    before = runner.invoke(app, ["check", *ITEMS], env={"COLUMNS": "200"}).stdout
    path.write_bytes(data[: len(data) // 2])
    for args in (["lookup", "doxycycline"], ["rules", "list"], ["explain", "doxycycline", "Mag-Ox"]):
        path.write_bytes(corrupt(data, random.Random(len(args))))
        result = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code in (0, 1), result.output
        assert "internal error" not in result.output
    path.write_bytes(b"\x00" * 100)
    assert runner.invoke(app, ["check", *ITEMS], env={"COLUMNS": "200"}).stdout == before
    assert not [p for p in Path(path.parent).iterdir() if p.name.startswith(".index-")]


def test_temporaries_left_by_a_killed_run_are_removed_and_nothing_else(cache):
    import os
    import time

    path, data, expected = cache
    folder = path.parent
    stale, fresh, other = folder / ".index-killed", folder / ".index-writing", folder / ".keep"
    for leftover in (stale, fresh, other):
        leftover.write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    path.write_bytes(b"damaged")  # a miss: the rebuild writes the cache again
    assert finding_text(load_index()) == expected
    assert not stale.exists() and fresh.exists() and other.exists()
