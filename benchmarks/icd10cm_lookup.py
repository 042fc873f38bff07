"""What recognising every ICD-10-CM code costs: the lazy load, its memory, lookups, and a whole
`check` process with a condition the rules name against one only ICD-10-CM knows.

    PYTHONPATH=. python benchmarks/icd10cm_lookup.py [--runs N]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time


def resident_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 1e6


def process_ms(condition: str, runs: int) -> float:
    command = [sys.executable, "-m", "interactions", "check", "magnesium oxide", "--condition",
               condition, "--format", "json", "--exit-zero"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs

    from interactions import Checker
    from interactions.knowledge import icd10cm

    checker = Checker()
    before = resident_mb()
    start = time.perf_counter()
    vocabulary = icd10cm.vocabulary()
    loaded = time.perf_counter() - start
    gc.collect()
    print(f"load rules/icd10cm.tsv.gz: {loaded * 1000:.0f} ms, {len(vocabulary.titles):,} codes, "
          f"+{resident_mb() - before:.0f} MB resident")

    rng = random.Random(1)
    codes = rng.sample(sorted(vocabulary.titles), 20_000)
    titles = [vocabulary.titles[c] for c in codes]
    for label, texts in (("codes", codes), ("titles", titles)):
        start = time.perf_counter()
        for text in texts:
            checker.resolver.identify(text, conditions=True)  # uncached: the whole tier each time
        seconds = time.perf_counter() - start
        print(f"resolve {len(texts):,} {label} (uncached): {len(texts) / seconds:,.0f}/s")

    print(f"median of {runs} whole `check` processes (compiled rules cached):")
    for condition, what in (("E11.9", "a code the rules name"),
                            ("E11.649", "a code only ICD-10-CM knows (loads the file)")):
        print(f"  --condition {condition:<8} {process_ms(condition, runs):6.0f} ms   {what}")


if __name__ == "__main__":
    main()
