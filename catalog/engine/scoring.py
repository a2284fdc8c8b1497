"""Scores that depend on context, and answers that put a control in place.

A threat's `adjust` entries (its own and the context adjustments of scoring.yaml the loader folded
in) move its default likelihood and impact when their rule holds; `in_place` entries say which of
its controls an answer shows to be in place already. Both are compiled once per release next to
the threat's rule and only evaluated for matches, never for the pairs that do not match.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .compiler import Pred, compile_node
from .rules import Node, leaves, parse_rule


@dataclass(frozen=True, eq=False)
class Adjustment:
    pred: Pred
    likelihood: int
    impact: int
    reason: str
    system_only: bool = False  # reads system answers only: decided once per evaluation
    text: str = ""  # "Likelihood −2: <reason>", as shown next to the score

    def __post_init__(self):
        parts = [f"likelihood {_signed(self.likelihood)}" if self.likelihood else "",
                 f"impact {_signed(self.impact)}" if self.impact else ""]
        object.__setattr__(self, "text", f"{' and '.join(p for p in parts if p).capitalize()}: {self.reason}")


@dataclass(frozen=True)
class InPlace:
    pred: Pred
    control: str
    reason: str
    system_only: bool = False


def _reads_system_only(node: Node) -> bool:
    """True when the rule reads system answers only (the same for every component of a system)."""
    return all(cond.subject == "system" for cond in leaves(node))


def _compiled(tree: Any, applies_to: Sequence[str], questions: Mapping) -> dict[str, tuple[Pred, bool]]:
    """{scope: (predicate, reads system answers only)}."""
    nodes, problems = parse_rule(tree, applies_to, questions)
    if problems:
        raise ValueError("; ".join(problems))
    return {scope: (compile_node(node), _reads_system_only(node)) for scope, node in nodes.items()}


def compile_extras(raw: Mapping, questions: Mapping) -> dict[str, tuple[tuple, tuple]]:
    """{scope: (adjustments, in_place)} for one threat (dict as the loader normalises it)."""
    applies_to = list(raw.get("applies_to") or [])
    out: dict[str, tuple[list, list]] = {scope: ([], []) for scope in applies_to}
    for entry in raw.get("adjust") or ():
        for scope, (pred, system_only) in _compiled(entry["when"], applies_to, questions).items():
            out[scope][0].append(Adjustment(pred, int(entry.get("likelihood", 0)), int(entry.get("impact", 0)),
                                            str(entry["reason"]), system_only or bool(entry.get("context"))))
    for entry in raw.get("in_place") or ():
        for scope, (pred, system_only) in _compiled(entry["when"], applies_to, questions).items():
            out[scope][1].append(InPlace(pred, str(entry["control"]), str(entry["reason"]), system_only))
    return {scope: (tuple(a), tuple(p)) for scope, (a, p) in out.items()}


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"−{-n}"


def score(likelihood: int, impact: int, adjustments: tuple, ctx) -> tuple[int, int, tuple[str, ...]]:
    """(likelihood, impact, reasons): the defaults moved by every adjustment whose rule holds, kept in 1..5."""
    if not adjustments:
        return likelihood, impact, ()
    why = []
    shared = ctx.shared
    for a in adjustments:
        if a.system_only:
            holds = shared.get(a)
            if holds is None:
                holds = shared[a] = a.pred(ctx)
        else:
            holds = a.pred(ctx)
        if holds:
            likelihood += a.likelihood
            impact += a.impact
            why.append(a.text)
    return min(5, max(1, likelihood)), min(5, max(1, impact)), tuple(why)


def in_place(entries: tuple, ctx) -> tuple[tuple[str, str], ...]:
    shared = ctx.shared
    found = []
    for e in entries:
        if e.system_only:
            holds = shared.get(e)
            if holds is None:
                holds = shared[e] = e.pred(ctx)
        else:
            holds = e.pred(ctx)
        if holds:
            found.append((e.control, e.reason))
    return tuple(found)
