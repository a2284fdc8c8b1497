"""Rule ASTs compiled into closures, once per catalog release.

`pred(ctx) -> bool`, short-circuiting, runs for every candidate (component, threat) pair;
the explanation of a match is built by catalog.engine.explain.

`ctx` is evaluate._Context: own / system answers, in/out flows, up/downstream components.
"""

from collections.abc import Callable, Mapping
from typing import Any

from .rules import All, Cond, Node, Not

Pred = Callable[[Any], bool]


def value_test(cond: Cond) -> Callable[[Mapping], bool]:
    """A predicate over one answers mapping. Unknown (absent or None) is false for all but `exists`."""
    key, value, test = cond.key, cond.value, cond.test
    if test == "exists":
        if value:
            return lambda a: a.get(key) is not None
        return lambda a: a.get(key) is None
    if cond.qtype is None:
        return lambda a: False
    if test == "is":
        if value is True:
            return lambda a: a.get(key) is True
        if value is False:
            return lambda a: a.get(key) is False
        return lambda a: a.get(key) == value
    if test == "contains":
        def contains(a):
            x = a.get(key)
            return type(x) is list and value in x
        return contains
    if cond.qtype == "multi":  # in: any overlap
        def overlaps(a):
            x = a.get(key)
            return type(x) is list and not value.isdisjoint(x)
        return overlaps

    def one_of(a):
        x = a.get(key)
        return type(x) is str and x in value
    return one_of


def _own_pred(cond: Cond, attr: str) -> Pred | None:
    """The hot cases inlined: one closure call per condition instead of two."""
    key, value, test = cond.key, cond.value, cond.test
    if attr == "own":
        if test == "is" and value is True:
            return lambda ctx: ctx.own.get(key) is True
        if test == "is" and value is False:
            return lambda ctx: ctx.own.get(key) is False
        if test == "is" and cond.qtype is not None:
            return lambda ctx: ctx.own.get(key) == value
        if test == "exists":
            return (lambda ctx: ctx.own.get(key) is not None) if value else (lambda ctx: ctx.own.get(key) is None)
        if test == "contains" and cond.qtype is not None:
            def contains(ctx):
                x = ctx.own.get(key)
                return type(x) is list and value in x
            return contains
    else:
        if test == "is" and value is True:
            return lambda ctx: ctx.system.get(key) is True
        if test == "is" and value is False:
            return lambda ctx: ctx.system.get(key) is False
    return None


def compile_cond(cond: Cond) -> Pred:
    subject = cond.subject
    if subject in ("own", "system"):
        fast = _own_pred(cond, subject)
        if fast is not None:
            return fast
        t = value_test(cond)
        if subject == "own":
            return lambda ctx: t(ctx.own)
        return lambda ctx: t(ctx.system)
    t = value_test(cond)
    # Flow and neighbour conditions loop, and many rules share them ("the model it feeds is an
    # LLM"): their result is memoised per component under a key naming the condition.
    shown = sorted(map(repr, cond.value)) if cond.test == "in" else repr(cond.value)
    memo = f"?{subject}:{cond.kind}:{cond.key}:{cond.test}:{shown}"
    if subject in ("inflow", "outflow"):
        attr = "inflows" if subject == "inflow" else "outflows"

        def any_flow(ctx):
            cache = ctx.cache
            result = cache.get(memo)
            if result is None:
                result = False
                for flow in getattr(ctx, attr):  # explicit loop: any() over a generator costs more
                    if t(flow.answers):
                        result = True
                        break
                cache[memo] = result
            return result
        return any_flow
    kind = cond.kind
    if subject in ("upstream", "downstream"):  # one hop: read the context's table directly
        attr = "up" if subject == "upstream" else "down"

        def any_next(ctx):
            cache = ctx.cache
            result = cache.get(memo)
            if result is None:
                result = False
                for component in getattr(ctx, attr).get(kind, ()):
                    if t(component.answers):
                        result = True
                        break
                cache[memo] = result
            return result
        return any_next

    def any_neighbour(ctx):
        cache = ctx.cache
        result = cache.get(memo)
        if result is None:
            result = False
            for component in ctx.neighbours(subject, kind):
                if t(component.answers):
                    result = True
                    break
            cache[memo] = result
        return result
    return any_neighbour


def compile_node(node: Node, repeated: Mapping[Node, str] | None = None) -> Pred:
    """A closure `pred(ctx) -> bool`, short-circuiting like the rule reads. An all / any subtree
    found in `repeated` (several rules share it) is decided once per component, memoised under
    its key there."""
    if isinstance(node, Cond):
        return compile_cond(node)
    if isinstance(node, Not):
        inner = compile_node(node.child, repeated)
        return lambda ctx: not inner(ctx)
    pred = _compile_branches(node, tuple(compile_node(c, repeated) for c in node.children))
    memo = repeated.get(node) if repeated else None
    return pred if memo is None else per_context(memo, pred)


def per_context(key, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn(ctx)`` worked out once per evaluation context (per component), kept in ``ctx.cache`` under ``key``."""
    def memoised(ctx):
        cache = ctx.cache
        result = cache.get(key)
        if result is None:
            result = cache[key] = fn(ctx)
        return result
    return memoised


def _compile_branches(node: Node, preds: tuple[Pred, ...]) -> Pred:
    if len(preds) == 1:
        return preds[0]
    if isinstance(node, All):
        if len(preds) == 2:
            a, b = preds
            return lambda ctx: a(ctx) and b(ctx)
        if len(preds) == 3:
            a, b, c = preds
            return lambda ctx: a(ctx) and b(ctx) and c(ctx)

        def all_(ctx):
            for p in preds:  # noqa: SIM110
                if not p(ctx):
                    return False
            return True
        return all_
    if len(preds) == 2:
        a, b = preds
        return lambda ctx: a(ctx) or b(ctx)
    if len(preds) == 3:
        a, b, c = preds
        return lambda ctx: a(ctx) or b(ctx) or c(ctx)

    def any_(ctx):
        for p in preds:  # noqa: SIM110
            if p(ctx):
                return True
        return False
    return any_


def gate_of(node: Node) -> tuple[Cond, ...]:
    """Conditions on one question of the component's own answers, one of which must hold for
    the rule to hold (empty when there are none).

    The engine indexes rules by them ("by the question they test first"), so a component only
    tries the rules whose gate its answers can pass. A condition gates itself; `all` is gated by
    its first gated child; `any` by the union of its children's gates when all are on the same
    question; `not` and `exists: false` (true on a missing answer) never gate.
    """
    if isinstance(node, Cond):
        if node.subject == "own" and node.qtype is not None and not (node.test == "exists" and node.value is False):
            return (node,)
        return ()
    if isinstance(node, Not):
        return ()
    if isinstance(node, All):
        for child in node.children:
            gate = gate_of(child)
            if gate:
                return gate
        return ()
    alternatives: list[Cond] = []
    for child in node.children:
        gate = gate_of(child)
        if not gate or gate[0].key != (alternatives or gate)[0].key:
            return ()
        alternatives.extend(g for g in gate if g not in alternatives)
    return tuple(alternatives)
