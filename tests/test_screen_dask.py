"""The Dask adapter on a local two-worker cluster: screen_frame's findings, row for row."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from interactions.screen import screen_frame  # noqa: E402
from interactions.screen.dask import screen  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_patients import write as generate  # noqa: E402


def test_dask_on_a_local_cluster_equals_screen_frame():
    out = io.StringIO()
    generate(2000, out, "wide", 7)
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    frame.loc[3, "egfr"] = "abc"          # malformed rows, in different partitions
    frame.loc[1500, "medications"] = ""
    frame.loc[777, "egfr"] = "-5"
    expected = screen_frame(frame)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        found = screen(dd.from_pandas(frame, npartitions=5))
        findings, summary, rejects = client.compute(list(found), sync=True)
        workers = client.run(_cached)
    assert len(expected.findings) > 500 and len(expected.rejects) >= 2
    for got, want in zip((findings, summary, rejects), expected):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    assert sorted(rejects["line"]) == sorted(expected.rejects["line"])
    assert len(workers) == 2
    assert all(cached == [""] for cached in workers.values())  # rules compiled once per worker


def _cached() -> list[str]:
    from interactions.screen import dask as adapter

    return list(adapter._CHECKERS)
