"""The optimised evaluate() (index by scope and gate question, per-component and per-evaluation caches,
reachability worked out once, scores decided once where they read system answers only) returns exactly
what a straightforward path returns: every rule of the scope tried in catalog order with a freshly compiled
predicate, reasons gathered by a plain recursive reading of the rule with nothing cached, every adjustment
and in-place entry evaluated for every match. Every field of every match is compared, in order."""

import random
from hashlib import sha256

import pytest

from catalog.engine import evaluate
from catalog.engine.compiler import compile_node, value_test
from catalog.engine.evaluate import contexts
from catalog.engine.explain import _flows_fact, _neighbours_fact, _value_fact
from catalog.engine.rules import All, Cond, Not
from tests.bench import bench_catalog


def _facts(node, ctx, holds=True):
    """The facts that make `node` evaluate to `holds` (docs/catalog-format.md, "why")."""
    if isinstance(node, Cond):
        if node.subject == "own":
            return [_value_fact(ctx.label, "component", ctx.id, node, ctx.own, holds)]
        if node.subject == "system":
            return [_value_fact("system", "system", None, node, ctx.system, holds)]
        if node.subject in ("inflow", "outflow"):
            return [_flows_fact(node, ctx, value_test(node), holds)]
        return [_neighbours_fact(node, ctx, value_test(node), holds)]
    if isinstance(node, Not):
        return _facts(node.child, ctx, not holds)
    if isinstance(node, All) == holds:  # a true `all` or a false `any`: every child's facts
        return [fact for child in node.children for fact in _facts(child, ctx, holds)]
    decider = next(child for child in node.children if compile_node(child)(ctx) is holds)
    return _facts(decider, ctx, holds)


def _reference_match(rule, ctx):
    facts = dict(_facts(rule.node, ctx))  # canonical fact -> sentence, first seen first
    canon = "\x1f".join(facts)
    likelihood, impact, score_why = rule.likelihood, rule.impact, []
    for adjustment in rule.adjust:
        if adjustment.pred(ctx):
            likelihood += adjustment.likelihood
            impact += adjustment.impact
            score_why.append(adjustment.text)
    return (rule.ref, ctx.id, tuple(facts.values()),
            sha256(f"{rule.ref}\x1f{ctx.id}\x1f{canon}".encode()).hexdigest(),
            min(5, max(1, likelihood)), min(5, max(1, impact)), tuple(score_why),
            tuple((e.control, e.reason) for e in rule.in_place if e.pred(ctx)), canon)


def _reference(catalog, system, components, flows):
    system_ctx, component_ctxs = contexts(system, components, flows)
    out = []
    for ctx in [system_ctx, *component_ctxs]:
        scope = catalog.index.get(ctx.kind)
        for rule in scope.rules if scope else ():  # all of them, in catalog order
            ctx.cache.clear()
            ctx.shared.clear()
            if compile_node(rule.node)(ctx):
                ctx.cache.clear()
                ctx.shared.clear()
                out.append(_reference_match(rule, ctx))
    return out


def _fields(m):
    return (m.threat_ref, m.component_id, m.why, m.fingerprint, m.likelihood, m.impact, m.score_why, m.in_place,
            m.group_basis)


@pytest.mark.parametrize(("seed", "answered"), [(1, 0.75), (2, 0.75), (3, 0.3), (4, 1.0)])
def test_evaluate_equals_the_straightforward_path(compiled, monkeypatch, seed, answered):
    real = bench_catalog.random_answers
    monkeypatch.setattr(bench_catalog, "random_answers",
                        lambda rng, questions, answered=answered: real(rng, questions, answered))
    system, components, flows = bench_catalog.synthetic_system(compiled, n=120, seed=seed)
    got = [_fields(m) for m in evaluate(compiled, system, components, flows)]
    assert got == _reference(compiled, system, components, flows)
    assert len(got) > 200  # the seeded systems match many threats in every scope
    assert {m[1] is None for m in got} == {True, False}
    assert any(m[6] for m in got) and any(m[7] for m in got)  # adjusted scores and controls in place


def test_evaluate_is_the_same_twice_and_in_any_component_order(compiled):
    """Nothing leaks between evaluations (caches are per evaluation) or between components. (A system-wide
    threat names the first component that shows it, so only component matches keep across orders.)"""
    system, components, flows = bench_catalog.synthetic_system(compiled, n=80, seed=9)
    first = [_fields(m) for m in evaluate(compiled, system, components, flows)]
    assert [_fields(m) for m in evaluate(compiled, system, components, flows)] == first
    shuffled = components[:]
    random.Random(3).shuffle(shuffled)
    again = [_fields(m) for m in evaluate(compiled, system, shuffled, flows) if m.component_id is not None]
    assert sorted(again, key=repr) == sorted((m for m in first if m[1] is not None), key=repr)
