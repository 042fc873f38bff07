"""A daily timetable in which every separation from the findings and every label instruction
holds. This is the package's one public door."""

from .constraints import separation_ok
from .model import (
                    Alternative,
                    Conflict,
                    Plan,
                    PlanConstraint,
                    PlanDose,
                    PlanOptions,
                    clock,
                    meal_names,
                    parse_clock,
)
from .planning import check_and_plan, plan, plan_entries

__all__ = ["Alternative", "Conflict", "Plan", "PlanConstraint", "PlanDose", "PlanOptions",
           "check_and_plan", "clock", "meal_names", "parse_clock", "plan", "plan_entries",
           "separation_ok"]
