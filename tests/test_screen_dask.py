"""The Dask adapter on a local two-worker cluster: screen_frame's findings, row for row (wide);
`screen --sort`'s, patient by patient (long)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import polars as pl
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from interactions.screen import ScreenOptions, screen_file, screen_frame  # noqa: E402
from interactions.screen.dask import screen  # noqa: E402
from interactions.screen.parquet import SCHEMAS  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from awkward_long import awkward_long  # noqa: E402
from generate_patients import write as generate  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_dask_on_a_local_cluster_equals_screen_frame(client):
    out = io.StringIO()
    generate(2000, out, "wide", 7)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    frame.loc[3, "egfr"] = "abc"          # malformed rows, in different partitions
    frame.loc[1500, "medications"] = ""
    frame.loc[777, "egfr"] = "-5"
    expected = screen_frame(frame)
    found = screen(dd.from_pandas(frame, npartitions=5))
    findings, summary, rejects = client.compute(list(found), sync=True)
    workers = client.run(_cached)
    assert len(expected.findings) > 500 and len(expected.rejects) >= 2
    for got, want in zip((findings, summary, rejects), expected):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    assert sorted(rejects["line"]) == sorted(expected.rejects["line"])
    assert len(workers) == 2
    assert all(cached == [""] for cached in workers.values())  # rules compiled once per worker


def test_columns_are_found_by_their_names_or_named(client):
    out = io.StringIO()
    generate(200, out, "wide", 11)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    expected = screen_frame(frame)
    renamed = frame.rename(columns={"patient_id": "mrn", "medications": "drugs"}).assign(
        drugs=frame["medications"].str.replace(";", "#"),
        conditions=frame["conditions"].str.replace(";", "#"), notes="x")
    found = screen(dd.from_pandas(renamed, npartitions=3), columns={"patient": "mrn"},
                   item_separator="#")
    findings, summary, _rejects = client.compute(list(found), sync=True)
    assert len(expected.findings) > 20
    pd.testing.assert_frame_equal(findings.reset_index(drop=True), expected.findings)
    pd.testing.assert_frame_equal(summary.reset_index(drop=True), expected.summary)


def test_long_is_grouped_by_patient_and_equals_screen_sort(client, tmp_path):
    frame = awkward_long()
    source = tmp_path / "claims.csv"
    frame.write_csv(source)
    outs = [tmp_path / f"{name}.parquet" for name in SCHEMAS]
    screen_file(source, outs[0], summary=outs[1], rejects=outs[2],
                options=ScreenOptions(sort=True))
    # A CSV file numbers its lines from 1, the header first; a frame numbers rows from 0.
    expected = [pl.read_parquet(path).with_columns(pl.col("line") - 2) if "line" in columns
                else pl.read_parquet(path) for path, columns in zip(outs, SCHEMAS.values())]
    found = screen(dd.from_pandas(frame.to_pandas(), npartitions=4))
    assert found.rejects.npartitions == 4
    findings, summary, rejects = (pl.from_pandas(part).cast(schema) for part, schema in zip(
        client.compute(list(found), sync=True), SCHEMAS.values()))
    assert expected[0].height > 100 and expected[2].height == 3
    # Patients come partition by partition, not in id order: compared by patient, each
    # patient's findings in check's order.
    assert findings.sort("patient_id", maintain_order=True).equals(
        expected[0].sort("patient_id", maintain_order=True))
    assert summary.sort("line").equals(expected[1].sort("line"))
    assert rejects.sort("line").equals(expected[2].sort("line"))
    rows_of_9 = [k for k, pid in enumerate(frame.get_column("patient_id")) if pid.strip() == "9"]
    assert rows_of_9[1] - rows_of_9[0] > 1  # not adjacent in the frame
    nine = summary.filter(pl.col("patient_id") == "9")
    assert nine.get_column("items").to_list() == [2] and nine["line"][0] == rows_of_9[0]


def _cached() -> list[str]:
    from interactions.screen import partitions as adapter

    return list(adapter._CHECKERS)
