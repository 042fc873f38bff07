"""A daily timetable in which every separation from the findings and every label instruction
holds."""

from .planning import Plan, PlanDose, PlanOptions, check_and_plan, plan

__all__ = ["Plan", "PlanDose", "PlanOptions", "check_and_plan", "plan"]
