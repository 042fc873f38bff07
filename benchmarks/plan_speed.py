"""Time `plan` on real lists, from the issue's example to a tight 12-dose day. Prints figures.

Run from the repository root: PYTHONPATH=. python benchmarks/plan_speed.py
"""

import time

from interactions.check.engine import Checker
from interactions.plan import plan

LISTS = {
    "issue example (6 doses)": ["levothyroxine", "alendronate", "doxycycline",
                                "magnesium citrate 200 mg BID", "calcium"],
    "no plan: two on-waking bisphosphonates": ["ibandronate", "alendronate", "magnesium oxide"],
    "tight day (12 doses)": ["calcium BID", "ferrous sulfate BID", "furosemide",
                             "Milk of Magnesia TID", "moxifloxacin", "magnesium oxide TID"],
}


def main() -> None:
    checker = Checker()
    for label, items in LISTS.items():
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            result = plan(checker, items)
            runs.append(time.perf_counter() - start)
        print(f"{label}: feasible={result.feasible}, best of 3: {min(runs) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
