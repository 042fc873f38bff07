"""screen's progress: the callback hears patients screened as well as bytes read, and the bar
shows patients done and the rate, not only bytes."""

import io
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from interactions.cli.screen_command import _progress, progress_columns
from interactions.screen import ScreenOptions, screen_file

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_patients import write as generate  # noqa: E402

PATIENTS = 3000


@pytest.fixture(scope="module")
def patients(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "wide.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        generate(PATIENTS, fh, "wide", seed=11)
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_callback_hears_growing_patient_counts_ending_at_the_files(patients, tmp_path, jobs):
    calls = []
    result = screen_file(patients, tmp_path / "f.csv",
                         options=ScreenOptions(block_bytes=20_000, jobs=jobs),
                         progress=lambda done, size, screened: calls.append((done, size, screened)))
    counts = [c[2] for c in calls]
    assert result.patients == PATIENTS
    assert counts == sorted(counts) and counts[-1] == PATIENTS
    assert len(set(counts)) > 3  # block by block, not once at the end
    done = [c[0] for c in calls]
    assert done == sorted(done) and done[-1] == calls[-1][1] == patients.stat().st_size


def rendered(progress: Progress) -> str:
    console = Console(file=io.StringIO(), width=160, force_terminal=True, record=True)
    console.print(progress.make_tasks_table(progress.tasks))
    return console.export_text()


def test_the_bar_shows_patients_done_and_their_rate():
    progress = Progress(*progress_columns(), console=Console(file=io.StringIO()))
    task = progress.add_task("screen", total=4_000_000, patients=0)
    progress.update(task, completed=1_000_000, patients=12_345)
    progress.tasks[0].start_time = progress.get_time() - 5.0  # five seconds in
    text = rendered(progress)
    assert "12,345 patients" in text
    rate = re.search(r"([\d,]+) patients/s", text)
    assert rate and 2_300 <= int(rate.group(1).replace(",", "")) <= 2_470  # 12,345 / 5 s
    assert "1.0/4.0 MB" in text  # bytes still shown


def test_the_cli_bar_takes_the_patient_count_from_the_callback():
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    bar = _progress(False, console)
    with bar as callback:
        callback(500, 1_000, 42)
        assert bar.bar.tasks[0].fields["patients"] == 42
        assert bar.bar.tasks[0].completed == 500
    assert _progress(True, console).bar is None  # --quiet
