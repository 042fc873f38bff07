"""Start-up cost of a one-off `interactions check`, against the import time of its dependencies.

Prints the median wall time of whole processes (same machine, same run), and the ratios:
- deps:  python -c "import pydantic, networkx, typer, rich, rapidfuzz"
- warm:  interactions check ... (compiled rules cached)
- cold:  interactions check ... with INTERACTIONS_NO_CACHE=1 (parse, validate, build graph, compile)

Usage: python benchmarks/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHECK = [sys.executable, "-m", "interactions", "check", "doxycycline", "magnesium citrate 400 mg",
         "--format", "json"]
DEPS = [sys.executable, "-c", "import pydantic, networkx, typer, rich, rapidfuzz"]
BARE = [sys.executable, "-c", "pass"]


def median_seconds(cmd: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, INTERACTIONS_CACHE_DIR=cache)
        subprocess.run(CHECK, env=env, stdout=subprocess.DEVNULL, check=False)  # fill the cache
        bare = median_seconds(BARE, env, runs)
        deps = median_seconds(DEPS, env, runs)
        warm = median_seconds(CHECK, env, runs)
        cold = median_seconds(CHECK, dict(env, INTERACTIONS_NO_CACHE="1"), runs)
    print(f"median of {runs} runs, whole processes")
    print(f"  python startup                 {bare * 1000:7.0f} ms")
    print(f"  import the dependencies        {deps * 1000:7.0f} ms")
    print(f"  check, compiled rules cached   {warm * 1000:7.0f} ms   {warm / deps:4.2f} x deps")
    print(f"  check, rules compiled afresh   {cold * 1000:7.0f} ms   {cold / deps:4.2f} x deps")


if __name__ == "__main__":
    main()
