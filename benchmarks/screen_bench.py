"""How fast `interactions screen` is against a bare csv.reader pass over the same file.

Both are whole processes (start-up included), run alternately in one run of this script; the best
of --repeat runs counts. Peak memory is the child's own maximum resident set (os.wait4). Data files
are generated (seeded) under benchmarks/data/, which git ignores: by default the realistic long
tail of generate_patients.py (about 80,000 distinct medication texts and 260,000 distinct
(conditions, eGFR) pairs per million patients; each file's own counts are printed), with --simple
the earlier short-tailed data, for comparison.

    python benchmarks/screen_bench.py                    # 100,000 and 1,000,000 patients
    python benchmarks/screen_bench.py --simple           # the earlier generator's data
    python benchmarks/screen_bench.py --sizes 100000 --layouts wide long
    python benchmarks/screen_bench.py --out /dev/shm/screen-bench   # outputs in memory
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
BARE = ("import csv, sys\n"
        "for row in csv.reader(open(sys.argv[1], newline='', encoding='utf-8')):\n"
        "    pass\n")
FLAT = 1.10  # peak memory may grow by at most this factor between the two largest files


def measure(command: list[str], outputs: list[Path] = ()) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process. Before the clock starts, the
    outputs of the run before are removed and the disk cache is written out, so that one run's
    writing does not land in the next run's time."""
    for path in outputs:
        path.unlink(missing_ok=True)
    os.sync()
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode()
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return seconds, usage.ru_maxrss / 1024


def data_file(patients: int, layout: str, simple: bool = False) -> Path:
    path = DATA / f"{layout}-{patients}{'-simple' if simple else '-realistic'}.csv"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "generate_patients.py"), str(patients),
                        str(path), "--layout", layout, *(["--simple"] if simple else [])],
                       check=True)
    return path


def distinct_values(path: Path) -> tuple[int, int]:
    """Distinct medication texts (each piece of a cell) and distinct (conditions, eGFR) cell
    pairs: what the screen has to answer once each, whatever the file's size."""
    texts, contexts = set(), set()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        egfr, conditions = header.index("egfr"), header.index("conditions")
        meds = [i for i, name in enumerate(header) if name in ("medications", "medication", "dose")]
        for row in rows:
            contexts.add((row[conditions], row[egfr]))
            cell = " ".join(row[i] for i in meds).strip()
            texts.update(piece.strip() for piece in cell.replace("|", ";").split(";") if piece.strip())
    return len(texts), len(contexts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--layouts", nargs="+", default=["wide"], choices=["wide", "long"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--simple", action="store_true",
                        help="the earlier short-tailed generator (few distinct texts)")
    parser.add_argument("--out", type=Path, default=DATA / "out",
                        help="folder for screen's outputs (e.g. /dev/shm: memory, not disk)")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    warm = [sys.executable, "-m", "interactions", "screen", str(ROOT / "examples" / "patients.csv"),
            "-o", os.devnull, "--quiet"]
    subprocess.run(warm, cwd=ROOT, capture_output=True)  # compile and cache the rules once
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; best of {args.repeat}; "
          f"screen --jobs {args.jobs}, outputs in {out}; "
          f"{'simple (--simple)' if args.simple else 'realistic long-tail'} data")
    print(f"{'file':>22} {'MB':>6} {'csv.reader':>12} {'screen':>12} {'ratio':>6} "
          f"{'screen peak':>12} {'reader peak':>12}")
    for layout in args.layouts:
        peaks = []
        for size in args.sizes:
            path = data_file(size, layout, args.simple)
            texts, contexts = distinct_values(path)
            print(f"{path.name:>22}: {texts:,} distinct medication texts, {contexts:,} distinct "
                  "(conditions, eGFR) pairs")
            bare = [sys.executable, "-c", BARE, str(path)]
            outputs = [out / "findings.csv", out / "summary.csv", out / "rejects.csv"]
            screen = [sys.executable, "-m", "interactions", "screen", str(path), "-o",
                      str(outputs[0]), "--summary", str(outputs[1]), "--rejects", str(outputs[2]),
                      "--jobs", str(args.jobs), "--quiet"]
            bare_runs, screen_runs = [], []
            for _ in range(args.repeat):
                bare_runs.append(measure(bare))
                screen_runs.append(measure(screen, outputs))
            bare_s, bare_mb = min(r[0] for r in bare_runs), max(r[1] for r in bare_runs)
            screen_s, screen_mb = min(r[0] for r in screen_runs), max(r[1] for r in screen_runs)
            peaks.append(screen_mb)
            print(f"{path.name:>22} {path.stat().st_size / 1e6:6.0f} "
                  f"{size / bare_s:>9,.0f}/s {size / screen_s:>9,.0f}/s "
                  f"{screen_s / bare_s:5.1f}x {screen_mb:>9.0f} MB {bare_mb:>9.0f} MB"
                  f"   ({bare_s:.2f} s vs {screen_s:.2f} s)")
        if len(peaks) > 1:
            # Memory rises until the file fills the pipeline (a few blocks in flight at once),
            # so flatness is judged between the two largest files; every figure is printed.
            growth = peaks[-1] / peaks[-2]
            verdict = "flat" if growth <= FLAT else "NOT flat"
            print(f"{layout}: peak memory {' -> '.join(f'{p:.0f}' for p in peaks)} MB; "
                  f"{args.sizes[-2]:,} -> {args.sizes[-1]:,} patients: x{growth:.2f}, {verdict}")


if __name__ == "__main__":
    main()
