"""Evaluate a compiled catalog against one system's facts: which threats apply, and why.

Pure Python over plain values (no Django). Per component only the rules of its scope are
tried, and of those only the rules whose gate (a condition on the component's own answers
that must hold, see compiler.gate_of) its answers pass; each tried rule is one closure call.
"""

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from hashlib import sha256
from operator import attrgetter
from typing import Any

from .compiled import CompiledCatalog, CompiledRule, ScopeIndex
from .facts import ComponentFacts, FlowFacts, Match
from .scoring import in_place, score

_EMPTY: Mapping[str, Any] = {}
_by_position = attrgetter("position")


class _Context:
    """What a rule can read while one component (or the system) is evaluated."""

    __slots__ = ("id", "kind", "label", "own", "system", "inflows", "outflows", "up", "down", "cache", "shared",
                 "names", "graph", "canon_head", "has_head")

    def __init__(self, id, kind, label, own, system, inflows, outflows, up, down, names, shared, graph=None):
        self.id = id
        self.kind = kind
        self.label = label
        # How every fact about this component's own answers starts (explain.py): canonical, in words.
        self.canon_head = f"component:{id}:"
        self.has_head = f"{label} has "
        self.own = own
        self.system = system
        self.inflows = inflows
        self.outflows = outflows
        self.up = up
        self.down = down
        self.names = names
        # Per component: facts by question key or explainer slot, flow/neighbour results by "?..." key.
        self.cache: dict = {}
        self.shared = shared  # facts that do not depend on the component (the system's answers)
        self.graph = graph  # (successors, predecessors): id -> [ComponentFacts]; None for the system

    def neighbours(self, subject: str, kind: str):
        """Components of `kind` next to this one (upstream / downstream) or on any path of flows
        into it (reached_from) or out of it (reaches). The system sees every component of a kind."""
        if subject == "upstream":
            return self.up.get(kind, ())
        if subject == "downstream" or self.graph is None:
            return self.down.get(kind, ())
        memo = ("?reach", subject)
        found = self.cache.get(memo)
        if found is None:
            found = self.cache[memo] = _reachable(self.id, self.graph[0 if subject == "reaches" else 1])
        return found.get(kind, ())

    def flow_label(self, flow: FlowFacts) -> str:
        names = self.names
        return f"flow '{names.get(flow.source_id, flow.source_id)}' -> '{names.get(flow.target_id, flow.target_id)}'"


def _reachable(start, edges) -> dict[str, list[ComponentFacts]]:
    """Components reachable from `start` along `edges` (one or more hops, cycles safe), by kind."""
    seen = {start}
    out: dict[str, list[ComponentFacts]] = {}
    stack = list(edges.get(start, ()))
    while stack:
        comp = stack.pop()
        if comp.id in seen:
            continue
        seen.add(comp.id)
        out.setdefault(comp.kind, []).append(comp)
        stack.extend(edges.get(comp.id, ()))
    return out


def contexts(system_answers: Mapping, components: Sequence[ComponentFacts], flows: Sequence[FlowFacts]):
    """The system context, then one context per component (in the given order)."""
    system_answers = system_answers if system_answers is not None else _EMPTY
    by_id = {c.id: c for c in components}
    names = {c.id: c.name for c in components}
    inflows: dict[int, list[FlowFacts]] = {}
    outflows: dict[int, list[FlowFacts]] = {}
    up: dict[int, dict[str, list[ComponentFacts]]] = {}
    down: dict[int, dict[str, list[ComponentFacts]]] = {}
    succ: dict[int, list[ComponentFacts]] = {}
    pred: dict[int, list[ComponentFacts]] = {}
    for flow in flows:
        source, target = by_id.get(flow.source_id), by_id.get(flow.target_id)
        outflows.setdefault(flow.source_id, []).append(flow)
        inflows.setdefault(flow.target_id, []).append(flow)
        if source is not None and target is not None:
            up.setdefault(target.id, {}).setdefault(source.kind, []).append(source)
            down.setdefault(source.id, {}).setdefault(target.kind, []).append(target)
            succ.setdefault(source.id, []).append(target)
            pred.setdefault(target.id, []).append(source)
    graph = (succ, pred)
    # A system-wide threat reads every flow as in/outflow and every component of a kind as up/downstream.
    every: dict[str, list[ComponentFacts]] = {}
    for c in components:
        every.setdefault(c.kind, []).append(c)
    all_flows = list(flows)
    shared: dict = {}
    system_ctx = _Context(None, "system", "system", system_answers, system_answers, all_flows, all_flows,
                          every, every, names, shared)
    none: list = []
    nobody: dict = {}
    component_ctxs = [
        _Context(c.id, c.kind, f"{c.kind} '{c.name}'", c.answers if c.answers is not None else _EMPTY,
                 system_answers, inflows.get(c.id, none), outflows.get(c.id, none), up.get(c.id, nobody),
                 down.get(c.id, nobody), names, shared, graph)
        for c in components
    ]
    return system_ctx, component_ctxs


def _candidates(index: ScopeIndex, own: Mapping) -> list[CompiledRule]:
    """The rules of a scope worth trying for these answers (their gate can pass), each once."""
    found = list(index.ungated)
    for key, by_key, table, spread in index.gate_keys:
        value = own.get(key)
        if value is None:
            continue
        if by_key:
            found += by_key
        if table:
            if type(value) is list:
                if spread and len(value) > 1:  # a rule listed under two of the values: keep it once
                    found += dict.fromkeys(rule for item in value for rule in table.get(item, ()))
                    continue
                for item in value:  # answers are validated: a multi answer lists a choice once
                    rules = table.get(item)
                    if rules:
                        found += rules
            else:
                rules = table.get(value)
                if rules:
                    found += rules
    return found


_new = object.__new__


def _matches(rules: list[CompiledRule], ctx: _Context) -> list[Match]:
    """The matches of `rules` (all true here) with their reasons; a fingerprint hashes the threat,
    the component and the canonical facts (in explanation order, which is fixed for given facts)."""
    out = []
    shared = ctx.shared
    component_id = ctx.id
    between = f"\x1f{component_id}\x1f"
    for rule in rules:
        facts = rule.explain(ctx)
        n = len(facts)
        if n == 1:
            canon, sentence = facts[0]
            why = (sentence,)
        elif n == 2 and facts[0][0] != facts[1][0]:  # the common case, without the dict
            (first, said), (second, also) = facts
            canon = f"{first}\x1f{second}"
            why = (said, also)
        else:
            seen = dict(facts)  # canonical fact -> sentence, first-seen order, duplicates dropped
            canon = "\x1f".join(seen)
            why = tuple(seen.values())
        if rule.fixed_extras:
            extras = shared.get(rule)
            if extras is None:
                extras = shared[rule] = _extras(rule, ctx)
        else:
            extras = _extras(rule, ctx)
        # Match(...) without the generated frozen __init__ (one object.__setattr__ call per field):
        # the same instance, built in half the time; matches are built by the thousand.
        match = _new(Match)
        match.__dict__.update(threat_ref=rule.ref, component_id=component_id, why=why,
                              fingerprint=sha256(f"{rule.ref}{between}{canon}".encode()).hexdigest(),
                              likelihood=extras[0], impact=extras[1], score_why=extras[2], in_place=extras[3],
                              group_basis=canon)
        out.append(match)
    return out


def _extras(rule: CompiledRule, ctx: _Context) -> tuple:
    """(likelihood, impact, score reasons, controls in place) of a match of `rule` here."""
    likelihood, impact, score_why = score(rule.likelihood, rule.impact, rule.adjust, ctx) if rule.adjust else (
        rule.likelihood, rule.impact, ())
    return likelihood, impact, score_why, in_place(rule.in_place, ctx) if rule.in_place else ()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while matches are built.

    Evaluation allocates many small objects and no reference cycles (so the collector can
    reclaim nothing); left running it would also sweep the whole long-lived heap each time the
    young matches get promoted, which costs more than the evaluation itself. Plain refcounting
    still frees everything; the collector's previous state is restored.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def group_matches(matches: Sequence[Match]) -> dict[str, list[Match]]:
    """Matches by `group_key`, in the order given: a threat that applies the same way to several
    components forms one group listing them (a triage view shows it once)."""
    groups: dict[str, list[Match]] = {}
    for match in matches:
        groups.setdefault(match.group_key, []).append(match)
    return groups


def evaluate(catalog: CompiledCatalog, system_answers: Mapping, components: Sequence[ComponentFacts],
             flows: Sequence[FlowFacts]) -> list[Match]:
    """Every (threat, component) match, system-wide threats first (component_id None), then per
    component in the order given, each in catalog order; each with the facts that made it true."""
    with _collector_paused():
        return _evaluate(catalog, system_answers, components, flows)


def _evaluate(catalog: CompiledCatalog, system_answers: Mapping, components: Sequence[ComponentFacts],
              flows: Sequence[FlowFacts]) -> list[Match]:
    system_ctx, component_ctxs = contexts(system_answers, components, flows)
    matches: list[Match] = []
    index = catalog.index
    system_index = index.get("system")
    if system_index is not None:
        matches += _matches([rule for rule in system_index.rules if rule.pred(system_ctx)], system_ctx)
    for ctx in component_ctxs:
        scope_index = index.get(ctx.kind)
        if scope_index is None:
            continue
        hits = [rule for rule in _candidates(scope_index, ctx.own) if rule.pred(ctx)]
        if hits:
            if len(hits) > 1:
                hits.sort(key=_by_position)
            matches += _matches(hits, ctx)
    return matches
