"""Why a rule matched: the facts that decided it, as (canonical fact, sentence) pairs.

Compiled once per release next to the predicates. The explainer of a node knows whether the
node holds (the predicates decided it), so it only gathers facts: a true `all` needs every
child's facts, a true `any` the first true child's (found with the children's predicates), a
false `all` the first false child's, a false `any` every child's, and `not` flips. Facts are
cached per component, keyed by question where the sentence only depends on the answer, so an
answer becomes a sentence once however many threats read it.
"""

from collections.abc import Callable, Mapping
from typing import Any

from .compiler import Pred, compile_node, per_context, value_test
from .rules import All, Cond, Node, Not, fmt, test_text

Fact = tuple[str, str]  # (canonical fact, sentence)
Facts = tuple[Fact, ...]
Explainer = Callable[[Any], Facts]
_NEIGHBOUR = object()  # marks per-evaluation cache keys of neighbour facts


def _canon(tag: str, ident: Any, key: str, value: Any) -> str:
    """A canonical, order-free text for one fact (what the fingerprint hashes)."""
    return f"{tag}:{ident}:{_canon_tail(key, value)}"


def _canon_tail(key: str, value: Any) -> str:
    if type(value) is list:
        value = sorted(map(str, value))
    return f"{key}={value!r}"


def _sentence(who: str, key: str, value: Any) -> str:
    return f"{who} has {_answer_words(key, value)}"


def _answer_words(key: str, value: Any) -> str:
    if value is None:
        return f"no answer for {key}"
    if value is True:
        return f"{key} = true"
    if value is False:
        return f"{key} = false"
    return f"{key} = {fmt(value)}"


def _value_fact(who: str, tag: str, ident: Any, cond: Cond, answers: Mapping, holds: bool) -> Fact:
    key = cond.key
    value = answers.get(key)
    if holds and type(value) is list and cond.test in ("in", "contains"):
        wanted = (cond.value,) if cond.test == "contains" else cond.value
        return _canon(tag, ident, key, value), f"{who} has {key} including {fmt([v for v in value if v in wanted])}"
    return _canon(tag, ident, key, value), _sentence(who, key, value)


def _flows_fact(cond: Cond, ctx, t, holds: bool) -> Fact:
    flows = ctx.inflows if cond.subject == "inflow" else ctx.outflows
    if holds:
        flow = next(f for f in flows if t(f.answers))
        return _value_fact(ctx.flow_label(flow), "flow", flow.id, cond, flow.answers, True)
    direction = "into" if cond.subject == "inflow" else "out of"
    canon = _canon(cond.subject, ctx.id, cond.key, [f"{f.id}:{f.answers.get(cond.key)!r}" for f in flows])
    if not flows:
        return canon, f"no data flows {direction} {ctx.label}"
    return canon, f"no flow {direction} {ctx.label} has {test_text(cond)}"


def _neighbours_fact(cond: Cond, ctx, t, holds: bool) -> Fact:
    neighbours = ctx.neighbours(cond.subject, cond.kind)
    if holds:
        comp = next(c for c in neighbours if t(c.answers))
        return _value_fact(f"{comp.kind} '{comp.name}'", "component", comp.id, cond, comp.answers, True)
    canon = _canon(f"{cond.subject}-{cond.kind}", ctx.id, cond.key,
                   [f"{c.id}:{c.answers.get(cond.key)!r}" for c in neighbours])
    where = {"upstream": "upstream of", "downstream": "downstream of", "reached_from": "on a path into",
             "reaches": "on a path out of"}[cond.subject]
    if not neighbours:
        return canon, f"no {cond.kind} is {where} {ctx.label}"
    return canon, f"no {cond.kind} {where} {ctx.label} has {test_text(cond)}"


class ExplainerCompiler:
    """Builds explainer closures for rule trees; leaf cache keys are shared across all rules."""

    def __init__(self, repeated: Mapping[Node, str] | None = None):
        self.slots: dict[tuple[Node, bool], int] = {}
        # all / any subtrees found in several rules (CompiledCatalog.repeated): their facts are cached
        # too, and their predicates share the rules' memo
        self.repeated = repeated or {}

    def compile(self, node: Node, holds: bool = True) -> Explainer:
        """The explainer of `node`, to be called only when it evaluates to `holds`."""
        if isinstance(node, Cond):
            return self._leaf(node, holds)
        if isinstance(node, Not):
            return self.compile(node.child, not holds)
        if node in self.repeated:  # "the model it feeds is an LLM" in eight rules: worked out once per component
            slot = self.slots.setdefault((node, holds), len(self.slots))
            return per_context(slot, self._composite(node, holds))
        return self._composite(node, holds)

    def _composite(self, node: Node, holds: bool) -> Explainer:
        gathers_all = isinstance(node, All) == holds  # true all / false any: every child's facts
        if gathers_all:
            parts = tuple(self.compile(child, holds) for child in node.children)
            if len(parts) == 2:
                a, b = parts
                return lambda ctx: a(ctx) + b(ctx)

            def every(ctx):
                facts: Facts = ()
                for part in parts:
                    facts += part(ctx)
                return facts
            return every
        # true any / false all: the facts of the first child that decides it
        deciders: tuple[tuple[Pred, Explainer], ...] = tuple(
            (compile_node(child, self.repeated), self.compile(child, holds)) for child in node.children)

        def first(ctx):
            for pred, explain in deciders:
                if pred(ctx) is holds:
                    return explain(ctx)
            raise AssertionError("explainer called on a node that does not evaluate as expected")
        return first

    def _leaf(self, cond: Cond, holds: bool) -> Explainer:
        t = value_test(cond)
        key = cond.key
        subject = cond.subject
        specific = holds and cond.qtype == "multi" and cond.test in ("in", "contains")
        if subject == "own":
            return self._own_leaf(cond, holds, specific)
        if subject == "system" and not specific:  # the same for every component: shared per evaluation
            shared_key = ("system", key)

            def system_fact(ctx):
                cache = ctx.shared
                facts = cache.get(shared_key)
                if facts is None:
                    value = ctx.system.get(key)
                    facts = cache[shared_key] = ((_canon("system", None, key, value), _sentence("system", key, value)),)
                return facts
            return system_fact
        slot = self.slots.setdefault((cond, holds), len(self.slots))
        if subject == "system":
            def build(ctx):
                return _value_fact("system", "system", None, cond, ctx.system, holds)
        elif subject in ("inflow", "outflow"):
            def build(ctx):
                return _flows_fact(cond, ctx, t, holds)
        elif holds:  # the neighbour that makes it true: the same fact for every component that reaches it
            def build(ctx):
                comp = next(c for c in ctx.neighbours(subject, cond.kind) if t(c.answers))
                shared = ctx.shared
                memo = (_NEIGHBOUR, slot, comp.id)
                fact = shared.get(memo)
                if fact is None:
                    fact = shared[memo] = _value_fact(f"{comp.kind} '{comp.name}'", "component", comp.id, cond,
                                                      comp.answers, True)
                return fact
        else:
            def build(ctx):
                return _neighbours_fact(cond, ctx, t, holds)

        def leaf(ctx):
            cache = ctx.cache
            facts = cache.get(slot)
            if facts is None:
                facts = cache[slot] = (build(ctx),)
            return facts
        return leaf

    def _own_leaf(self, cond: Cond, holds: bool, specific: bool) -> Explainer:
        """A fact about the component's own answer: `canon_head` / `has_head` of the component and the
        answer in words, which is the same for every component with that answer (found once per
        evaluation). A sentence that only depends on the answer is cached per component by question
        key, so an answer becomes a sentence once however many threats read it; a `specific` one
        (which of a multi answer's values made the condition true) per condition."""
        key = cond.key
        ckey: Any = self.slots.setdefault((cond, holds), len(self.slots)) if specific else key
        on_true = (f"{key}=True", f"{key} = true")
        on_false = (f"{key}=False", f"{key} = false")
        on_none = (f"{key}=None", f"no answer for {key}")

        def words(value) -> tuple[str, str]:
            if specific and type(value) is list:
                wanted = (cond.value,) if cond.test == "contains" else cond.value
                return _canon_tail(key, value), f"{key} including {fmt([v for v in value if v in wanted])}"
            return _canon_tail(key, value), _answer_words(key, value)

        def own_fact(ctx):
            cache = ctx.cache
            facts = cache.get(ckey)
            if facts is None:
                value = ctx.own.get(key)
                if value is True:
                    said = on_true
                elif value is False:
                    said = on_false
                elif value is None:
                    said = on_none
                elif type(value) is str and not specific:
                    said = (f"{key}={value!r}", f"{key} = {value}")
                elif type(value) is list:
                    shared = ctx.shared
                    memo = (ckey, tuple(value))
                    said = shared.get(memo)
                    if said is None:
                        said = shared[memo] = words(value)
                else:
                    said = words(value)
                facts = cache[ckey] = ((ctx.canon_head + said[0], ctx.has_head + said[1]),)
            return facts
        return own_fact
