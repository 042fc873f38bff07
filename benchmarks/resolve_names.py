"""How fast names resolve: uncached (first sight) and cached (repeat rows in a batch).

Prints resolutions per second for the real-world table in tests/fixtures and for misspellings that
go through the approximate matcher (and, when unmatched, the suggestions).
Run from the checkout root: PYTHONPATH=. python benchmarks/resolve_names.py
"""

import time
from pathlib import Path

from interactions.check.resolve import Resolver
from interactions.knowledge.index import load_index

TABLE = Path(__file__).parents[1] / "tests" / "fixtures" / "real_world_items.tsv"


def rate(resolve, texts, rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            resolve(text)
    return rounds * len(texts) / (time.perf_counter() - start)


def main():
    index = load_index()
    rows = [ln.split("\t")[0] for ln in TABLE.read_text().splitlines()
            if ln and not ln.startswith(("#", "input\t"))]
    typos = [text[:-1] + "x" for text in rows if len(text) > 6]
    resolver = Resolver(index)
    rate(resolver._resolve, rows, 1)  # warm-up: first-call costs of regex and rapidfuzz
    cold = rate(resolver._resolve, rows, 5)  # the uncached path
    fuzzy = rate(resolver._resolve, typos, 5)
    rate(resolver.resolve, rows, 1)
    warm = rate(resolver.resolve, rows, 200)
    print(f"{len(rows)} real-world strings, {len(index.names)} known names")
    print(f"uncached:            {cold:12,.0f} resolutions/s")
    print(f"uncached misspelt:   {fuzzy:12,.0f} resolutions/s (approximate matching)")
    print(f"cached (batch rows): {warm:12,.0f} resolutions/s ({warm / cold:,.0f}x uncached)")


if __name__ == "__main__":
    main()
