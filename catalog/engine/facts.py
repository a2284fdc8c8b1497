"""The engine's public value types: what goes in (facts) and what comes out (matches)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256
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
    likelihood: int = 3  # the threat's default, moved by the adjustments that hold here
    impact: int = 3
    score_why: tuple[str, ...] = ()  # "Likelihood −2: Requests are rate limited and capped ...", in catalog order
    in_place: tuple[tuple[str, str], ...] = ()  # ((control ref, the answer that shows it), ...)
    group_basis: str = field(default="", repr=False, compare=False)

    @property
    def group_key(self) -> str:
        """Equal for matches of one threat that apply the same way to several components: same
        threat, same facts (the component's own answers compared by value, not by component),
        same score. Stable across evaluations and releases while those facts stay the same."""
        basis = self.group_basis
        if self.component_id is not None:  # the component's own identity and its flows' ids are not "the way"
            own = re.escape(str(self.component_id))
            subjects = r"component|inflow|outflow|upstream-\w+|downstream-\w+|reached_from-\w+|reaches-\w+"
            basis = re.sub(rf"(?:{subjects}):{own}:", "self:", basis)
            basis = re.sub(r"flow:\d+:", "flow:", basis)
        digest = sha256(f"{self.threat_ref}\x1f{self.likelihood}\x1f{self.impact}\x1f{basis}".encode())
        return f"{self.threat_ref}:{digest.hexdigest()[:16]}"


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
    phase: str = ""
