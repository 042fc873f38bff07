"""Time `plan`: real lists, then adversarial ones (30 items that each need separating from
magnesium, tight frequencies, short days), then random 30-item lists; prints the worst case.

Every request must answer within the search bound of PlanOptions (work_limit, time_limit): a
best plan, a proof that none exists, or an honest "no plan found within the search bound".

Run from the repository root: PYTHONPATH=. python benchmarks/plan_speed.py [--random N]
"""

import argparse
import random
import time

from interactions.check.engine import Checker
from interactions.plan import PlanOptions, plan

# Drugs with a timed separation from oral magnesium in the bundled rules (no on-waking ones).
SEPARATED = ["doxycycline", "minocycline", "tetracycline", "ciprofloxacin", "levofloxacin",
             "moxifloxacin", "ofloxacin", "norfloxacin", "gemifloxacin", "delafloxacin",
             "dolutegravir", "bictegravir", "elvitegravir", "cabotegravir", "rilpivirine",
             "atazanavir", "ledipasvir", "cefpodoxime", "ketoconazole", "itraconazole", "cefdinir",
             "hydroxychloroquine", "chloroquine", "nitrofurantoin", "gabapentin", "eltrombopag",
             "deferiprone", "penicillamine", "digoxin", "mycophenolate", "fexofenadine",
             "dasatinib", "erlotinib", "levothyroxine", "ferrous sulfate"]
MAGNESIUM = ["magnesium oxide", "magnesium citrate", "Milk of Magnesia", "magnesium glycinate"]
ON_WAKING = ["alendronate", "risedronate", "ibandronate"]
SHORT_DAY = PlanOptions.from_text("07:00", "12:00", "08:00")


def each(suffix, names):
    return [f"{name}{suffix}" for name in names]


LISTS = {
    "issue example (6 doses)": (["levothyroxine", "alendronate", "doxycycline",
                                 "magnesium citrate 200 mg BID", "calcium"], None),
    "no plan: two on-waking bisphosphonates": (["ibandronate", "alendronate", "magnesium oxide"], None),
    "tight day (12 doses)": (["calcium BID", "ferrous sulfate BID", "furosemide",
                              "Milk of Magnesia TID", "moxifloxacin", "magnesium oxide TID"], None),
    "one-way gap (issue 16)": (["dolutegravir 50 mg", "magnesium citrate 200 mg BID",
                                "gabapentin 300 mg TID"], None),
    "30 daily + magnesium daily": (SEPARATED[:30] + ["magnesium oxide"], None),
    "30 BID + magnesium TID": (each(" BID", SEPARATED[:30]) + ["magnesium oxide TID"], None),
    "30 TID + magnesium TID": (each(" TID", SEPARATED[:30]) + ["magnesium oxide TID"], None),
    "29 TID + 2 magnesium TID": (each(" TID", SEPARATED[:29])
                                 + ["magnesium oxide TID", "Milk of Magnesia TID"], None),
    "28 QID + 2 magnesium QID": (each(" QID", SEPARATED[:28])
                                 + ["magnesium oxide QID", "magnesium citrate QID"], None),
    "2 on-waking + 28 + magnesium": (ON_WAKING[:2] + SEPARATED[:28] + ["magnesium oxide"], None),
    "30 BID + magnesium BID, 07:00-12:00": (each(" BID", SEPARATED[:30]) + ["magnesium oxide BID"],
                                           SHORT_DAY),
    "15 BID + 15 daily + 2 magnesium BID": (each(" BID", SEPARATED[:15]) + SEPARATED[15:30]
                                            + ["magnesium oxide BID", "Milk of Magnesia BID"], None),
    "30 BID + 2 magnesium TID, 5-minute grid": (each(" BID", SEPARATED[:30])
                                                + ["magnesium oxide TID", "Milk of Magnesia TID"],
                                                PlanOptions(step=5)),
    "20 QID + 2 magnesium QID, 1-minute grid": (each(" QID", SEPARATED[:20])
                                                + ["magnesium oxide QID", "magnesium citrate QID"],
                                                PlanOptions(step=1)),
}


def random_lists(count: int, seed: int = 16):
    rng = random.Random(seed)
    for n in range(count):
        drugs = rng.sample(SEPARATED + ON_WAKING, 28)
        items = [d + rng.choice(["", "", " BID", " TID"]) for d in drugs]
        items += [m + rng.choice(["", " BID", " TID", " QID"]) for m in rng.sample(MAGNESIUM, 2)]
        wake = rng.choice([6, 7, 8])
        sleep = rng.choice([12, 14, 18, 22, 23])
        meals = ",".join(f"{h:02d}:00" for h in range(wake + 1, sleep + 1, 5))
        yield f"random #{n + 1}", (items, PlanOptions.from_text(f"{wake:02d}:00", f"{sleep:02d}:00",
                                                                meals))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--random", type=int, default=40, help="random 30-item lists to try")
    args = parser.parse_args()
    checker = Checker()
    worst = (0.0, "", None)
    statuses: dict[str, int] = {}
    for label, (items, options) in [*LISTS.items(), *random_lists(args.random)]:
        runs = []
        for _ in range(3 if not label.startswith("random") else 1):
            start = time.perf_counter()
            result = plan(checker, items, options)
            runs.append(time.perf_counter() - start)
        best = min(runs)
        statuses[result.search.status] = statuses.get(result.search.status, 0) + 1
        if max(runs) > worst[0]:
            worst = (max(runs), label, result)
        if not label.startswith("random"):
            print(f"{label}: {len(items)} items, {result.search.status}, "
                  f"{result.search.work} units of work, best of 3: {best * 1000:.1f} ms")
    print(f"{len(LISTS)} lists above and {args.random} random 30-item lists: {statuses}")
    seconds, label, result = worst
    print(f"worst case: {label}: {seconds * 1000:.0f} ms, {result.search.status}, "
          f"{result.search.work} units of work (bound {result.search.work_limit} or "
          f"{result.search.time_limit_seconds:g} s of search)")


if __name__ == "__main__":
    main()
