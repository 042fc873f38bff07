"""The Spark adapter on a local two-core session: `screen`'s findings, summary and rejects, row for row."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from interactions.screen import ScreenOptions, screen_file
from interactions.screen.parquet import SCHEMAS

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from awkward_long import awkward_long  # noqa: E402
from generate_patients import write as generate  # noqa: E402


def test_the_core_import_does_not_pull_pyspark():
    code = ("import sys, interactions.screen as s; s.spark; import interactions.screen.spark; "
            "assert 'pyspark' not in sys.modules, 'pyspark imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (java on PATH or JAVA_HOME)")
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # the session's JVM binds there too
        # The Python workers: this interpreter, importing interactions from where the tests do.
        session = (SparkSession.builder.master("local[2]").appName("interactions-tests")
                   .config("spark.ui.enabled", "false")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", "3")
                   .config("spark.sql.execution.arrow.maxRecordsPerBatch", "128")  # blocks span batches
                   .config("spark.pyspark.python", sys.executable)
                   .config("spark.executorEnv.PYTHONPATH", os.pathsep.join(sys.path))
                   .getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def _wide() -> pl.DataFrame:
    out = io.StringIO()
    generate(2000, out, "wide", 7)
    frame = pl.read_csv(io.StringIO(out.getvalue()), infer_schema_length=0)
    for k, column, value in ((3, "egfr", "abc"), (1500, "medications", ""), (777, "egfr", "-5"),
                             (1999, "patient_id", "  ")):  # malformed rows, in both partitions
        frame[k, column] = value
    return frame


def _long() -> pl.DataFrame:
    """awkward_long, with an id holding a line break beside one that looks alike."""
    return awkward_long([("Q\n7", "60", "F", "", "", "doxycycline", ""),
                         ("Q 7", "", "", "", "", "Maalox", "")])


def _expected(tmp: Path, frame: pl.DataFrame, **options) -> list[pl.DataFrame]:
    """`screen` on the same table as a Parquet file, outputs in Parquet (line: the row index)."""
    source = tmp / "claims.parquet"
    frame.write_parquet(source)
    outs = [tmp / f"{name}.parquet" for name in SCHEMAS]
    screen_file(source, outs[0], summary=outs[1], rejects=outs[2], options=ScreenOptions(**options))
    return [pl.read_parquet(path) for path in outs]


def _screened(spark, frame: pl.DataFrame, **options) -> list[pl.DataFrame]:
    from interactions.screen.spark import screen

    schema = ", ".join(f"`{name}` string" for name in frame.columns)
    found = screen(spark.createDataFrame(frame.rows(), schema), **options).persist()
    try:
        return [pl.DataFrame([tuple(row) for row in part.collect()], schema=SCHEMAS[name],
                             orient="row") for name, part in zip(SCHEMAS, found)]
    finally:
        found.unpersist()


def test_wide_equals_screen_row_for_row(spark, tmp_path):
    frame = _wide()
    expected = _expected(tmp_path, frame)
    found = _screened(spark, frame, block_rows=500)
    assert expected[0].height > 500 and expected[2].height == 4
    for got, want in zip(found, expected):
        assert got.columns == want.columns
        assert got.equals(want)  # in input order: the partitions are read in order
    assert sorted(found[2].get_column("line").to_list()) == [3, 777, 1500, 1999]
    assert _cached(spark) == {""}  # rules compiled in the executors' processes, once each


def test_long_is_grouped_by_patient_and_equals_screen_sort(spark, tmp_path):
    frame = _long()
    expected = _expected(tmp_path, frame, sort=True)
    found = _screened(spark, frame, block_rows=200)
    assert expected[0].height > 100 and expected[2].height == 3
    findings, summary, rejects = found
    # Patients come partition by partition, not in id order: compared by patient, each
    # patient's findings in check's order.
    assert findings.sort("patient_id", maintain_order=True).equals(
        expected[0].sort("patient_id", maintain_order=True))
    assert summary.sort("line").equals(expected[1].sort("line"))
    assert rejects.sort("line").equals(expected[2].sort("line"))
    for pid in ("9", "Q 7"):  # written two ways, one patient
        assert summary.filter(pl.col("patient_id") == pid).get_column("items").to_list() == [2]


def test_an_empty_frame_gives_empty_outputs(spark):
    from interactions.screen.spark import screen

    found = screen(spark.createDataFrame([], "patient_id string, medications string"))
    assert [part.count() for part in found] == [0, 0, 0]
    assert [part.columns for part in found] == [list(columns) for columns in SCHEMAS.values()]


def _cached(spark) -> set[str]:
    """The rules folders whose Checker the executors' Python workers (those mapInArrow runs)
    hold."""
    def rules(batches):
        import pyarrow as pa

        from interactions.screen import partitions as adapter

        for _ in batches:
            yield pa.RecordBatch.from_pydict({"rules": list(adapter._CHECKERS)}, schema=pa.schema(
                [("rules", pa.string())]))

    return {row.rules for row in spark.range(4, numPartitions=4).mapInArrow(rules, "rules string")
            .collect()}
