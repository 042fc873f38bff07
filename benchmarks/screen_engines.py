"""Screening engines compared: the CSV path, the Parquet path, and Dask with 1 and 2 workers.

    python benchmarks/screen_engines.py --sizes 100000 1000000

For each size a seeded wide file (generate_patients.py) is written as CSV, as one Parquet file
(row groups of 50,000) and as a Parquet folder of 50,000-row files (Dask's partitions).
- CSV and Parquet: `interactions screen IN -o findings --summary summary` as a whole process
  (start-up included), outputs in the input's format; wall time and the process's peak RSS.
- Dask: a LocalCluster of N worker processes (1 thread each) on 127.0.0.1. Start-up (cluster up
  and the rules compiled on every worker) is reported apart from the screening job: read the
  Parquet folder, screen every partition, count the rows of the three outputs (the outputs
  stay on the workers; nothing big comes back). Peak RSS per worker process.
Not a test: timings depend on the machine. Same seed, same files.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def prepare(count: int, folder: Path) -> tuple[Path, Path, Path]:
    import polars as pl
    from generate_patients import write

    csv_path = folder / f"wide-{count}.csv"
    pq_path = folder / f"wide-{count}.parquet"
    parts = folder / f"wide-{count}-parts"
    if not csv_path.exists():
        with open(csv_path, "w", newline="") as out:
            write(count, out, "wide", 5)
    if not pq_path.exists() or not parts.exists():
        frame = pl.read_csv(csv_path, infer_schema_length=0)  # every column as text, as a CSV
        frame.write_parquet(pq_path, row_group_size=50_000)
        parts.mkdir(exist_ok=True)
        for i, start in enumerate(range(0, frame.height, 50_000)):
            frame.slice(start, 50_000).write_parquet(parts / f"part-{i:04d}.parquet")
    return csv_path, pq_path, parts


def run_cli(source: Path, out: Path, suffix: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `interactions screen` process."""
    for old in out.glob("*"):
        old.unlink()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    args = [sys.executable, "-m", "interactions", "screen", str(source), "-o",
            str(out / f"findings{suffix}"), "--summary", str(out / f"summary{suffix}"),
            "--rejects", str(out / f"rejects{suffix}"), "--quiet", "--exit-zero"]
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status:
        raise SystemExit(f"screen failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm() -> int:
    from interactions.screen.dask import checker

    checker()
    return os.getpid()


def run_dask(parts: Path, workers: int) -> dict:
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from interactions.screen.dask import screen

    start = time.perf_counter()
    # polars would give every worker all the machine's cores: share them out instead
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           env={"POLARS_MAX_THREADS": threads})
    client = Client(cluster)
    client.run(_warm)  # rules compiled on every worker: part of the start-up
    started = time.perf_counter() - start
    try:
        start = time.perf_counter()
        ddf = dd.read_parquet(str(parts))
        found = screen(ddf)
        rows = dask.compute(*(frame.map_partitions(len).sum() for frame in found))
        job = time.perf_counter() - start
        peaks = client.run(_peak_mb)
    finally:
        client.close()
        cluster.close()
    return {"start": started, "job": job, "rows": rows, "peaks": sorted(peaks.values())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/screen-engines"))
    parser.add_argument("--out", type=Path, default=None, help="outputs folder (default: DATA/out)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    out = args.out or args.data / "out"
    out.mkdir(parents=True, exist_ok=True)
    print("| patients | engine | start-up | screening | total | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for count in args.sizes:
        csv_path, pq_path, parts = prepare(count, args.data)
        for name, source, suffix in (("CSV in/out", csv_path, ".csv"),
                                     ("Parquet in/out", pq_path, ".parquet")):
            wall, peak = run_cli(source, out, suffix)
            print(f"| {count:,} | {name} (`screen`, one process) | in total | | {wall:.2f} s "
                  f"| {peak:.0f} MB |", flush=True)
        jobs = {}
        for workers in args.workers:
            got = run_dask(parts, workers)
            jobs[workers] = got["job"]
            speed = (f" ({jobs[args.workers[0]] / got['job']:.2f}x)"
                     if workers != args.workers[0] else "")
            peaks = ", ".join(f"{p:.0f}" for p in got["peaks"])
            print(f"| {count:,} | Dask, {workers} worker{'s' if workers > 1 else ''} "
                  f"| {got['start']:.2f} s | {got['job']:.2f} s{speed} "
                  f"| {got['start'] + got['job']:.2f} s | {peaks} MB per worker |", flush=True)
            print(f"<!-- findings, summary, rejects rows: {got['rows']} -->", flush=True)


if __name__ == "__main__":
    main()
