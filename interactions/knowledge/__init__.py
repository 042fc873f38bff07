"""What the rule folder knows: the file schema, loading into a networkx graph, the compiled index
that checking reads, and the one normalising function every name goes through."""

from .index import Index, Node, compile_index, load_index
from .loader import KnowledgeBase, load_knowledge
from .names import normalize, slug
from .paths import bundled_rules_dir, rule_files

__all__ = [
    "Index", "KnowledgeBase", "Node", "bundled_rules_dir", "compile_index", "load_index",
    "load_knowledge", "normalize", "rule_files", "slug",
]
