"""What the rule folder knows: the file schema, loading into a networkx graph, the compiled index
that checking reads, and the one normalising function every name goes through.

The loader (and networkx with it) is imported on first use only: a check whose compiled index is
cached never needs it.
"""

from .index import Edge, Index, Node, compile_index, load_index
from .names import normalize, slug
from .paths import bundled_rules_dir, rule_files

__all__ = [
    "Edge", "Index", "KnowledgeBase", "Node", "bundled_rules_dir", "compile_index", "load_index",
    "load_knowledge", "normalize", "rule_files", "slug",
]


def __getattr__(name: str):
    if name in ("KnowledgeBase", "load_knowledge"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
