"""The Spark adapter on this machine: local[1] against local[2], start-up apart from the job.

    python benchmarks/screen_spark.py --sizes 1000000 [--layouts wide long]

For each size the seeded files of screen_engines.py (generate_patients.py, the same seed) are
read as a Parquet folder of 50,000-row files (long layout: the same patients, a row per
medication), one Spark partition per file. Each run is a fresh process with a session of its
own (spark.pyspark.python this interpreter, polars threads shared out among the workers):
- start-up: the session up, and a Python worker per core started with the rules compiled;
- numbering: the job that counts each partition's rows (screen numbers rows with it);
- screening: read the folder, screen every partition, count the rows of the three outputs in
  one job (nothing big comes back to the driver; the long layout's shuffle is in it);
- peak RSS of each Python worker and of the JVM (driver and executor in one, in local mode).
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def prepare(count: int, folder: Path, layout: str) -> Path:
    """The Parquet folder of ``count`` patients in ``layout``, every column as text."""
    import polars as pl
    from generate_patients import write

    parts = folder / f"{layout}-{count}-parts"
    if parts.exists():
        return parts
    source = folder / f"{layout}-{count}.csv"
    if not source.exists():
        with open(source, "w", newline="") as out:
            write(count, out, layout, 5)
    frame = pl.read_csv(source, infer_schema_length=0)
    parts.mkdir()
    rows = 50_000 if layout == "wide" else 50_000 * frame.height // count
    for i, start in enumerate(range(0, frame.height, rows)):
        frame.slice(start, rows).write_parquet(parts / f"part-{i:04d}.parquet")
    return parts


def _hwm_mb(pid: str = "self") -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _each_worker(spark, workers: int, task) -> list:
    """``task()`` in every Python worker: as many partitions as cores, each held long enough
    that they run side by side (one worker each)."""
    import pyarrow as pa

    def run(batches):
        for _ in batches:
            time.sleep(1.0)
            yield pa.RecordBatch.from_pydict({"value": [json.dumps(task())]})

    rows = spark.range(workers, numPartitions=workers).mapInArrow(run, "value string").collect()
    return [json.loads(row.value) for row in rows]


def _warm() -> int:
    """The rules compiled, and what the resolver loads on first use (the ICD-10-CM titles)."""
    from interactions.screen import spark as adapter

    found = adapter.screener(None, (";", "|"))
    found.item("dialysis")
    found.context_id("hypertension", "", "")
    return os.getpid()


def _peak() -> tuple[int, float]:
    return os.getpid(), _hwm_mb()


def run(parts: Path, workers: int, layout: str) -> dict:
    """One run, in this process (see main: a fresh process each)."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from interactions.screen.spark import screen

    start = time.perf_counter()
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    spark = (SparkSession.builder.master(f"local[{workers}]").appName("screen-spark-bench")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.memory", "2g")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.sql.files.maxPartitionBytes", str(4 << 20))  # a file per partition
             .config("spark.pyspark.python", sys.executable)
             .config("spark.executorEnv.PYTHONPATH", str(ROOT))
             .config("spark.executorEnv.POLARS_MAX_THREADS", threads)
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    warmed = _each_worker(spark, workers, _warm)
    started = time.perf_counter() - start
    try:
        start = time.perf_counter()
        found = screen(spark.read.parquet(str(parts)))
        numbered = time.perf_counter() - start
        start = time.perf_counter()
        rows = found.screened.select(*(F.count(name).alias(name) for name in
                                       ("findings", "summary", "rejects"))).collect()[0]
        job = time.perf_counter() - start
        peaks = dict(map(tuple, _each_worker(spark, workers, _peak)))
        jvm = _hwm_mb(str(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()))
        partitions = spark.read.parquet(str(parts)).rdd.getNumPartitions()
    finally:
        spark.stop()
    return {"start": started, "numbering": numbered, "job": job, "rows": list(rows),
            "workers_warmed": len(set(warmed)), "peaks": sorted(peaks.values()), "jvm": jvm,
            "partitions": partitions}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--layouts", nargs="+", choices=("wide", "long"), default=["wide"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", type=Path, default=Path("/tmp/screen-engines"))
    parser.add_argument("--one", nargs=3, metavar=("PARTS", "WORKERS", "LAYOUT"),
                        help=argparse.SUPPRESS)  # a single run, in the child process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run(Path(args.one[0]), int(args.one[1]), args.one[2])))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    print("| patients | layout | Spark | start-up | numbering | screening | speed-up "
          "| patients/s per worker | peak RSS per Python worker | JVM peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPARK_LOCAL_IP="127.0.0.1")
    for count in args.sizes:
        for layout in args.layouts:
            parts = prepare(count, args.data, layout)
            first = None
            for workers in args.workers:
                child = subprocess.run([sys.executable, __file__, "--one", str(parts),
                                        str(workers), layout], env=env, capture_output=True,
                                       text=True)
                if child.returncode:
                    raise SystemExit(f"local[{workers}] failed:\n{child.stderr[-3000:]}")
                got = json.loads(child.stdout.strip().splitlines()[-1])
                screening = got["numbering"] + got["job"]
                first = first or screening
                speed = f"{first / screening:.2f}x" if workers != args.workers[0] else ""
                peaks = ", ".join(f"{p:.0f}" for p in got["peaks"])
                print(f"| {count:,} | {layout} | local[{workers}] | {got['start']:.1f} s "
                      f"| {got['numbering']:.1f} s | {got['job']:.1f} s | {speed} "
                      f"| {count / screening / workers:,.0f} | {peaks} MB | {got['jvm']:.0f} MB |",
                      flush=True)
                print(f"<!-- findings, summary, rejects rows: {got['rows']}; "
                      f"{got['partitions']} partitions; {got['workers_warmed']} workers warmed -->",
                      flush=True)


if __name__ == "__main__":
    main()
