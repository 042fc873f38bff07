"""Card outcomes (accepted / overridden) from the CDS client, kept in SQLite for rule review.

Rows hold the card and rule, the outcome and the override reason; no patient identifier is
stored (the feedback body carries none, and the card map below keeps only rule ids).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .hooks import RequestError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    received_at TEXT NOT NULL,
    service_id TEXT NOT NULL,
    card TEXT NOT NULL,
    rule_id TEXT,
    indicator TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    outcome_timestamp TEXT NOT NULL,
    accepted_suggestions TEXT NOT NULL,
    override_system TEXT,
    override_code TEXT,
    override_display TEXT,
    user_comment TEXT
)
"""
ISSUED_CARDS_KEPT = 50_000


class FeedbackStore:
    """One SQLite file; writes are serialised (SQLite allows one writer at a time anyway)."""

    def __init__(self, path: Path | str | None):
        self.path = ":memory:" if path is None else str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        # card uuid -> (rule id, indicator), for cards this process issued: feedback names only
        # the card, and a reviewer wants the rule.
        self._issued: OrderedDict[str, tuple[str | None, str]] = OrderedDict()

    def issued(self, card_uuid: str, rule_id: str | None, indicator: str) -> None:
        with self._lock:
            self._issued[card_uuid] = (rule_id, indicator)
            if len(self._issued) > ISSUED_CARDS_KEPT:
                self._issued.popitem(last=False)

    def record(self, service_id: str, body: Any) -> int:
        """Validate a feedback body (CDS Hooks 2.0) and store each entry; returns the count."""
        rows = [self._row(service_id, n, entry) for n, entry in enumerate(_entries(body))]
        with self._lock:
            self._db.executemany("INSERT INTO feedback VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        return len(rows)

    def rows(self) -> list[dict]:
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feedback ORDER BY rowid")
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, service_id: str, n: int, entry: Any) -> tuple:
        where = f"feedback[{n}]"
        if not isinstance(entry, dict):
            raise RequestError("invalid-feedback", f"{where} must be an object")
        card, outcome, stamp = entry.get("card"), entry.get("outcome"), entry.get("outcomeTimestamp")
        if not isinstance(card, str) or not card:
            raise RequestError("invalid-feedback", f"{where}.card (the card's uuid) is required")
        if outcome not in ("accepted", "overridden"):
            raise RequestError("invalid-feedback",
                               f"{where}.outcome must be 'accepted' or 'overridden', got {outcome!r}")
        if not isinstance(stamp, str) or not _is_timestamp(stamp):
            raise RequestError("invalid-feedback", f"{where}.outcomeTimestamp must be an ISO 8601 "
                                                   "date-time, e.g. 2026-12-03T10:05:31Z")
        accepted = entry.get("acceptedSuggestions") or []
        if not isinstance(accepted, list) or not all(
                isinstance(a, dict) and isinstance(a.get("id"), str) for a in accepted):
            raise RequestError("invalid-feedback",
                               f"{where}.acceptedSuggestions must be a list of {{\"id\": ...}}")
        if outcome == "accepted" and not accepted:
            raise RequestError("invalid-feedback",
                               f"{where}: an 'accepted' outcome needs acceptedSuggestions")
        reason = entry.get("overrideReason") or {}
        if not isinstance(reason, dict):
            raise RequestError("invalid-feedback", f"{where}.overrideReason must be an object")
        coding = reason.get("reason") or {}
        if not isinstance(coding, dict):
            raise RequestError("invalid-feedback", f"{where}.overrideReason.reason must be a Coding")
        comment = reason.get("userComment")
        rule_id, indicator = self._issued.get(card, (None, None))
        return (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), service_id, card,
                rule_id, indicator, outcome, stamp, json.dumps([a["id"] for a in accepted]),
                _str(coding.get("system")), _str(coding.get("code")), _str(coding.get("display")),
                _str(comment))


def _entries(body: Any) -> list:
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise RequestError("invalid-feedback",
                           "the feedback body must be an object with a 'feedback' array")
    if not body["feedback"]:
        raise RequestError("invalid-feedback", "the 'feedback' array is empty")
    return body["feedback"]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_timestamp(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
