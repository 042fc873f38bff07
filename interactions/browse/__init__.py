"""Reading the knowledge base: rules by class and severity, look-ups, the coverage document and
graph exports."""

from .browser import Browser, Lookup, RuleUse
from .coverage import coverage_markdown
from .explain import Explanation, explain
from .graph_export import render_graph

__all__ = ["Browser", "Explanation", "Lookup", "RuleUse", "coverage_markdown", "explain",
           "render_graph"]
