"""Benchmark of the CDS Hooks service over loopback (not a test: run it by hand).

    python benchmarks/service_bench.py [--rate 100] [--seconds 10] [--malformed 10000]

Starts `serve` on 127.0.0.1 on a free port in a subprocess, then:
1. latency at a fixed arrival rate (open loop: each request is timed from when it was due, so
   queueing counts): a 10-medication order-select, p50/p90/p99/max;
2. throughput with 4 connections sending back to back for a few seconds;
3. malformed requests of 8 kinds, counted by status: none may be a 5xx, the server must still
   answer afterwards, and its resident memory is read before and after (it should stay flat).
Every loop is bounded in count and in time; only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

PATH = "/cds-services/magnesium-interactions-order-select"
SERVE = "import typer; from interactions.cli.serve import serve; typer.run(serve)"
HARD_LIMIT_SECONDS = 300
APP_MS: list[float] = []  # Server-Timing of each answered request: time inside the service  # the whole run stops by itself after this, whatever happens

MEDICATIONS = [
    ("MedicationStatement", "magnesium citrate 400 mg"), ("MedicationRequest", "Levothyroxine Sodium 0.075 MG Oral Tablet"),
    ("MedicationRequest", "Furosemide 40 MG Oral Tablet"), ("MedicationRequest", "Lisinopril 10 MG Oral Tablet"),
    ("MedicationRequest", "alendronate 70 mg weekly"), ("MedicationRequest", "omeprazole 20 mg"),
    ("MedicationRequest", "atorvastatin 40 mg"), ("MedicationRequest", "metformin 500 mg BID"),
    ("MedicationStatement", "Maalox"),
]


def order_select(n_records: int = 9) -> dict:
    draft = {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
             "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                       "code": "1649988", "display": "doxycycline hyclate 100 MG Oral Capsule"}]},
             "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}]}
    record = [{"resource": {"resourceType": kind, "id": f"m{i}", "status": "active",
                            "medicationCodeableConcept": {"text": text}}}
              for i, (kind, text) in enumerate(MEDICATIONS[:n_records])]
    return {
        "hookInstance": "b3d5f8a2-1c4e-4f6a-9b0d-2e7c8a1f3d55", "hook": "order-select",
        "context": {"userId": "Practitioner/1", "patientId": "p1", "selections": ["MedicationRequest/draft-1"],
                    "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"},
            "medicationRequests": {"resourceType": "Bundle", "type": "searchset",
                                   "entry": [e for e in record if e["resource"]["resourceType"] == "MedicationRequest"]},
            "medicationStatements": {"resourceType": "Bundle", "type": "searchset",
                                     "entry": [e for e in record if e["resource"]["resourceType"] == "MedicationStatement"]},
            "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [
                {"resource": {"resourceType": "Condition", "id": "c1", "code": {"coding": [
                    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "N18.32"}]}}}]},
            "egfr": {"resourceType": "Bundle", "type": "searchset", "entry": [
                {"resource": {"resourceType": "Observation", "id": "o1", "status": "final",
                              "code": {"coding": [{"system": "http://loinc.org", "code": "98979-8"}]},
                              "effectiveDateTime": "2026-11-01",
                              "valueQuantity": {"value": 38, "code": "mL/min/{1.73_m2}"}}}]},
        },
    }


def malformed_bodies(good: bytes) -> list[tuple[str, bytes]]:
    doc = json.loads(good)
    wrong_hook = dict(doc, hook="patient-view")
    no_context = {k: v for k, v in doc.items() if k != "context"}
    unknown_type = json.loads(good)
    unknown_type["prefetch"]["conditions"]["entry"].append({"resource": {"resourceType": "Nope"}})
    return [
        ("truncated JSON", good[: len(good) // 2]),
        ("not UTF-8", b'{"hook": "\xff\xfe"}'),
        ("JSON list", b"[1,2,3]"),
        ("wrong hook", json.dumps(wrong_hook).encode()),
        ("missing context", json.dumps(no_context).encode()),
        ("unknown resource type", json.dumps(unknown_type).encode()),
        ("deep nesting", b"[" * 5000 + b"]" * 5000),
        ("over the size limit", b" " * (2 * 1024 * 1024 + 1)),
    ]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


class Client:
    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.app_ms: list[float] = APP_MS

    def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("POST", PATH, body, {"content-type": "application/json"})
                response = self.conn.getresponse()
                data = response.read()
                timing = response.getheader("server-timing", "")
                if timing.startswith("app;dur="):
                    self.app_ms.append(float(timing[len("app;dur="):]))
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def latency(port: int, body: bytes, rate: float, seconds: float, workers: int = 4) -> list[float]:
    """Open loop: request k is due at start + k/rate; its latency counts from then."""
    count = int(rate * seconds)
    start = time.perf_counter() + 0.2
    results: list[float] = []
    lock = threading.Lock()
    next_k = iter(range(count))
    statuses = Counter()

    def work():
        client = Client(port)
        while True:
            with lock:
                k = next(next_k, None)
            if k is None or time.perf_counter() - start > seconds * 3:
                return
            due = start + k / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status, _ = client.post(body)
            took = time.perf_counter() - due
            with lock:
                statuses[status] += 1
                results.append(took * 1000)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) == {200}, statuses
    return results


def throughput(port: int, body: bytes, seconds: float, workers: int = 4) -> float:
    stop = time.perf_counter() + seconds
    counts = [0] * workers

    def work(i):
        client = Client(port)
        while time.perf_counter() < stop:
            status, _ = client.post(body)
            assert status == 200
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


def malformed(port: int, good: bytes, total: int, seconds: float) -> Counter:
    kinds = malformed_bodies(good)
    client = Client(port)
    found: Counter = Counter()
    stop = time.perf_counter() + seconds
    for n in range(total):
        if time.perf_counter() > stop:
            found["(stopped: time limit)"] += total - n
            break
        name, body = kinds[n % len(kinds)]
        status, data = client.post(body)
        found[(name, status, json.loads(data)["error"])] += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second (latency phase)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency phase")
    parser.add_argument("--malformed", type=int, default=10_000, help="malformed requests to send")
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="service-bench-")
    proc = subprocess.Popen([sys.executable, "-c", SERVE, "--host", "127.0.0.1", "--port", str(port),
                             "--feedback", os.path.join(tmp, "feedback.sqlite3")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def give_up():
        print(f"stopped: over {HARD_LIMIT_SECONDS} s", file=sys.stderr)
        proc.kill()
        os._exit(3)

    timer = threading.Timer(HARD_LIMIT_SECONDS, give_up)
    timer.daemon = True
    timer.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    print("the server did not start", file=sys.stderr)
                    return 2
                time.sleep(0.1)
        body = json.dumps(order_select()).encode()
        status, data = Client(port).post(body)
        cards = json.loads(data)["cards"]
        print(f"request: 10-medication order-select, {len(body)} bytes -> {status}, {len(cards)} cards")
        for _ in range(200):  # warm-up: resolver caches, first-call costs
            Client(port).post(body)

        print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
              "(client and server share them)")
        APP_MS.clear()
        took = sorted(latency(port, body, args.rate, args.seconds))
        q = statistics.quantiles(took, n=100)
        inside = statistics.quantiles(sorted(APP_MS), n=100)
        print(f"latency at {args.rate:g} req/s for {args.seconds:g} s ({len(took)} requests, 4 connections): "
              f"p50 {q[49]:.1f} ms, p90 {q[89]:.1f} ms, p99 {q[98]:.1f} ms, max {took[-1]:.1f} ms")
        print(f"  of which inside the service (Server-Timing): p50 {inside[49]:.1f} ms, "
              f"p99 {inside[98]:.1f} ms")
        print(f"throughput, 4 connections back to back for 5 s: {throughput(port, body, 5.0):.0f} req/s")

        before = rss_kib(proc.pid)
        found = malformed(port, body, args.malformed, seconds=180)
        after = rss_kib(proc.pid)
        fives = sum(n for key, n in found.items() if isinstance(key, tuple) and key[1] >= 500)
        print(f"malformed: {sum(found.values())} requests, {fives} answered 5xx")
        for key, n in sorted(found.items(), key=str):
            print(f"  {n:6d}  {key}")
        alive = Client(port).post(body)[0]
        print(f"server RSS before/after the malformed phase: {before / 1024:.1f} / {after / 1024:.1f} MiB; "
              f"a good request afterwards: {alive}")
        return 0 if fives == 0 and alive == 200 else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
