"""The rule engine: which catalog threats apply to a system, and why.

Pure Python over plain values; only `current_catalog` reads the database. Rules are data,
compiled once per catalog release into closures and indexed by scope and by the question
they test first. See docs/catalog-format.md for the rule semantics.
"""

from ..exceptions import CatalogError
from .compiled import CompiledCatalog, compile_catalog
from .current import catalog_from_files, current_catalog
from .evaluate import evaluate, group_matches
from .facts import ComponentFacts, FlowFacts, Match, OpenQuestion, ThreatInfo
from .unknowns import open_questions

__all__ = [
    "CatalogError",
    "CompiledCatalog",
    "ComponentFacts",
    "FlowFacts",
    "Match",
    "OpenQuestion",
    "ThreatInfo",
    "catalog_from_files",
    "compile_catalog",
    "current_catalog",
    "evaluate",
    "group_matches",
    "open_questions",
]
