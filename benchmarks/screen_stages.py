"""Where `interactions screen` spends its time on a wide file: start-up, then per stage.

Runs the same steps as `screen --jobs 1` in this process, block by block, and times each stage
(output is rendered but not written). The data file is made by generate_patients.py if missing.

    python benchmarks/screen_stages.py                  # 1,000,000 wide patients
    python benchmarks/screen_stages.py --patients 100000
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    args = parser.parse_args()
    path = HERE / "data" / f"wide-{args.patients}.csv"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "generate_patients.py"), str(args.patients),
                        str(path)], check=True)
    start = time.perf_counter()
    from interactions.screen import columnar, formats, tabular, tune_process, wide
    from interactions.screen.options import ScreenOptions
    from interactions.screen.workers import Worker

    tune_process()  # as the command line does
    stream, _ = tabular.open_input(path)
    header, _ = tabular.read_header(stream, "utf-8")
    layout = tabular.detect_layout(header)
    options = ScreenOptions()
    worker = Worker.make(layout, options, inline=True)
    screener, rows = worker.screener, worker.rows
    times = {"start-up (imports, rules)": time.perf_counter() - start}
    line = 2
    for block in tabular.read_blocks(stream, options.block_bytes):
        if screener.full():
            screener.reset()
        for stage, step in (("read (lines, fields, pieces, items)",
                             lambda: wide.resolve_wide(wide.parse_wide(block, line, layout, "utf-8"),
                                                       screener)),
                            ("match and count", lambda: columnar.screen_block(
                                screener, tables.patients, tables.pieces)),
                            ("render lines", lambda: [formats.write_lines(lines, io.BytesIO())
                                                      for lines in rows.block(screened)])):
            began = time.perf_counter()
            result = step()
            times[stage] = times.get(stage, 0.0) + time.perf_counter() - began
            if stage.startswith("read"):
                tables = result
            elif stage.startswith("match"):
                screened = result
        line += block.count(b"\n")
    for stage, seconds in times.items():
        print(f"{stage:38} {seconds:6.2f} s")
    print(f"{'total':38} {sum(times.values()):6.2f} s for {args.patients:,} patients")


if __name__ == "__main__":
    main()
