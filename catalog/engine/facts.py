"""The engine's public value types: what goes in (facts) and what comes out (matches)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ComponentFacts:
    id: int
    kind: str  # input | model | output
    name: str
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class FlowFacts:
    id: int
    source_id: int
    target_id: int
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Match:
    threat_ref: str
    component_id: int | None  # None for system-scope threats (applies_to: [system])
    why: tuple[str, ...]  # "input 'Customer chat' has untrusted_content = true", ...
    fingerprint: str  # sha256 hex over the canonical facts behind the match


@dataclass(frozen=True)
class OpenQuestion:
    """An unanswered question whose answer could make currently unmatched threats match."""

    scope: str  # system | input | model | output
    component_id: int | None  # None for a system question
    key: str
    threat_refs: tuple[str, ...]


@dataclass(frozen=True)
class ThreatInfo:
    ref: str
    title: str
    applies_to: tuple[str, ...]
    default_likelihood: int
    default_impact: int
    privacy_relevant: bool
    category: str
    mappings: tuple[tuple[str, str], ...]  # ((framework_key, item_ref), ...)
    controls: tuple[str, ...]  # control refs
