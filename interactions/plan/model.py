"""What a plan request says (the patient's day) and what a plan answers, as data.

Clock times are minutes after midnight inside the library and "HH:MM" in the Plan (the JSON
contract). Meal names live here so the plan's notes and every renderer call a meal the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from ..errors import InputError
from ..models import ItemRef, Reference, Unrecognized

DAY = 24 * 60
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MEAL_NAMES = ("breakfast", "lunch", "dinner")


def parse_clock(text: str, what: str = "time") -> int:
    """'07:30' -> 450 minutes after midnight."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise InputError(f"{what} {text!r} is not a 24-hour clock time; write it as HH:MM, e.g. 07:00")
    return int(match.group(1)) * 60 + int(match.group(2))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_taken(text: str) -> tuple[str, int]:
    """'zinc 50 mg 10:15' -> ('zinc 50 mg', 615): a dose taken today, the time written last."""
    item, _, time = text.strip().rpartition(" ")
    if not item.strip() or not _CLOCK.match(time):
        raise InputError(f"taken dose {text!r} is not an item and a clock time; write it as "
                         "'ITEM HH:MM', e.g. 'zinc 10:15'")
    return item.strip(), parse_clock(time, "taken time")


def meal_names(count: int) -> tuple[str, ...]:
    """Breakfast, lunch and dinner for the usual three meals; otherwise 'meal 1', 'meal 2'..."""
    return MEAL_NAMES if count == 3 else tuple(f"meal {n + 1}" for n in range(count))


@dataclass(frozen=True)
class PlanOptions:
    """The patient's day, in minutes after midnight. Meals are sorted; the first is breakfast.
    A meal outside the waking window is left out (listed in dropped_meals; the plan says so).

    The search bound: at most `work_limit` units of search work (a dose time tried, or tested
    against a linked dose) and `time_limit` seconds for all the searching of one request (the
    plan, the conflict, the options). The work limit keeps answers the same on every machine and
    is used up in about 1 s here (2 shared cores); the time limit is the backstop on a busy
    machine, so that with the check itself a 30-item `plan` answers within 2 s
    (benchmarks/plan_speed.py)."""

    wake: int = 7 * 60
    sleep: int = 23 * 60
    meals: tuple[int, ...] = (8 * 60, 13 * 60, 19 * 60)
    step: int = 15
    work_limit: int = 1_000_000
    time_limit: float = 1.5
    slots: bool = False  # Universal Medication Schedule: morning, noon, evening, bedtime
    taken: tuple[tuple[str, int], ...] = ()  # (item as written, minutes): doses taken today
    now: int | None = None  # doses not yet taken go no earlier; default: the latest taken
    dropped_meals: tuple[int, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self):
        if not 1 <= self.step <= 120:
            raise InputError(f"grid step {self.step} minutes is out of range; use 1 to 120")
        if self.sleep <= self.wake:
            raise InputError(f"sleep time {clock(self.sleep)} is not after wake time "
                             f"{clock(self.wake)}; plans cover one waking day")
        if not self.meals:
            raise InputError("at least one meal time is needed, e.g. --meals 08:00,13:00,19:00")
        if list(self.meals) != sorted(set(self.meals)):
            raise InputError("meal times must be in order and different, e.g. 08:00,13:00,19:00")
        if self.work_limit < 1 or not self.time_limit > 0:
            raise InputError("the search bound must be at least 1 unit of work and more than 0 seconds")
        inside = tuple(m for m in self.meals if self.wake <= m <= self.sleep)
        if not inside:
            raise InputError(f"no meal time is inside the waking window {clock(self.wake)}-"
                             f"{clock(self.sleep)}; give one with --meals, e.g. --meals "
                             f"{clock(self.wake + (self.sleep - self.wake) // 4)}")
        object.__setattr__(self, "dropped_meals", tuple(m for m in self.meals if m not in inside))
        object.__setattr__(self, "meals", inside)

    @classmethod
    def from_text(cls, wake: str = "07:00", sleep: str = "23:00",
                  meals: str = "08:00,13:00,19:00", step: int = 15,
                  taken: list[str] | tuple[str, ...] = (), **more) -> PlanOptions:
        times = tuple(parse_clock(m, "meal time") for m in meals.split(",") if m.strip())
        return cls(parse_clock(wake, "wake time"), parse_clock(sleep, "sleep time"), times, step,
                   taken=tuple(parse_taken(t) for t in taken), **more)

    def slot_times(self) -> dict[str, int]:
        """The four Universal Medication Schedule slots on this patient's day: morning at
        breakfast, noon at the later meal nearest 12:00 (else 12:00), evening at the last meal
        when it comes after noon (else 18:00), bedtime at sleep; a slot outside the waking day,
        or on another slot's time, is left out."""
        later = self.meals[1:]
        noon = min(later, key=lambda m: abs(m - 12 * 60)) if later else 12 * 60
        evening = self.meals[-1] if self.meals[-1] > noon else 18 * 60
        slots: dict[str, int] = {}
        for name, t in (("morning", self.meals[0]), ("noon", noon), ("evening", evening),
                        ("bedtime", self.sleep)):
            if self.wake <= t <= self.sleep and t not in slots.values():
                slots[name] = t
        return slots

    @property
    def breakfast(self) -> int:
        return self.meals[0]

    def grid(self) -> list[int]:
        return list(range(self.wake, self.sleep + 1, self.step))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanDose(_Model):
    item: ItemRef
    time: str
    note: str
    dose: int = 1  # which dose of the item this is ...
    of: int = 1  # ... out of how many in the day


class PlanConstraint(_Model):
    """One requirement the timetable meets. Separations read like findings: take the first item
    at least before_minutes before, or after_minutes after, the second. A null side: the source
    gives no gap in that direction and none is applied (never at the same time, though)."""

    id: str
    kind: str
    source: str  # the rule id or administration id it comes from
    items: list[str]
    text: str
    before_minutes: int | None = None
    after_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    references: list[Reference] = []


class Conflict(_Model):
    kind: str  # "no-plan-on-grid" | "no-plan-within-bound"
    constraints: list[str]  # constraint ids
    message: str


class NotPlaced(_Model):
    """An item a finding says not to take (action avoid, or contraindicated): never timed, and
    listed apart so that nobody reads the timetable as leave to take it."""

    item: ItemRef
    rule_id: str
    severity: str
    action: str
    reason: str


class Search(_Model):
    """How the search ended: optimal (the best plan on the grid), best-found (the bound was
    reached after a plan was found; a better one may exist), infeasible (proven: no plan on the
    grid), bound-reached (no plan found within the bound, none proven impossible)."""

    status: str
    work: int  # units of search work done (see PlanOptions)
    work_limit: int
    time_limit_seconds: float


class Alternative(_Model):
    option: str
    basis: str
    references: list[Reference]
    doses: list[PlanDose]


class Plan(_Model):
    feasible: bool
    doses: list[PlanDose]
    constraints: list[PlanConstraint]
    conflicts: list[Conflict]
    alternatives: list[Alternative]
    not_checked: list[str]
    unrecognized: list[Unrecognized]
    wake: str
    sleep: str
    meals: list[str]
    step_minutes: int
    not_placed: list[NotPlaced] = []
    taken: list[PlanDose] = []  # doses already taken today (PlanOptions.taken), also in `doses`
    slots: dict[str, str] = {}  # the UMS slots the doses are in (PlanOptions.slots), if they fit
    notes: list[str] = []  # how the plan was made: gaps not given, meals left out, the bound
    search: Search | None = None

    @property
    def exit_code(self) -> int:
        """0 a plan for everything recognised; 1 no plan, an item held back or unrecognised."""
        return 0 if self.feasible and not self.unrecognized and not self.not_placed else 1
