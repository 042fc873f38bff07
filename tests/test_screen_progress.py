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
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("progress")
    made = {}
    for layout in ("wide", "long"):
        made[layout] = folder / f"{layout}.csv"
        with made[layout].open("w", encoding="utf-8", newline="") as fh:
            generate(PATIENTS, fh, layout, seed=11)
    return made


@pytest.mark.parametrize("layout, options", [
    ("wide", {"jobs": 1}), ("wide", {"jobs": 2}), ("long", {"sort": True}),
])
def test_the_callback_hears_growing_patient_counts_ending_at_the_files(files, tmp_path, layout,
                                                                       options):
    calls = []
    result = screen_file(files[layout], tmp_path / "f.csv",
                         options=ScreenOptions(block_bytes=20_000, sorted_block_lines=2_000,
                                               **options),
                         progress=lambda done, size, screened: calls.append((done, size, screened)))
    counts = [c[2] for c in calls]
    assert result.patients == PATIENTS
    assert counts == sorted(counts) and counts[-1] == PATIENTS
    assert len(set(counts)) > 3  # block by block, not once at the end
    done = [c[0] for c in calls]
    assert done == sorted(done) and done[-1] == calls[-1][1] == files[layout].stat().st_size


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
