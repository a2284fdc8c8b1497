"""Open questions: unanswered questions whose answer could make a currently unmatched threat match.

Three-valued (Kleene) evaluation of the rule AST: every unanswered question a rule reads (the
component's own, the system's, or an up/downstream component's) is MAYBE; the question is open
for a threat when the rule comes out MAYBE and the question is among the conditions still
deciding it. Flow answers are read as they are. Not a hot path: interpreted over the AST.
"""

from collections.abc import Mapping, Sequence

from .compiled import CompiledCatalog
from .compiler import value_test
from .facts import ComponentFacts, FlowFacts, OpenQuestion
from .rules import All, Cond, Node, Not

MAYBE = None  # Kleene's third value: True, False or MAYBE


def kleene(node: Node, ctx, open_leaves: list) -> bool | None:
    """True, False or MAYBE; `open_leaves` receives (cond, owner) for the live MAYBE conditions,
    owner being the context or component whose answer is missing (None for the system)."""
    if isinstance(node, Cond):
        return _kleene_cond(node, ctx, open_leaves)
    if isinstance(node, Not):
        inner = kleene(node.child, ctx, open_leaves)
        return MAYBE if inner is MAYBE else not inner
    is_all = isinstance(node, All)
    result: bool | None = is_all
    pending: list = []
    for child in node.children:
        child_open: list = []
        value = kleene(child, ctx, child_open)
        if value is (not is_all):  # decided: a false child of all, a true child of any
            return value
        if value is MAYBE:
            result = MAYBE
            pending.extend(child_open)
    if result is MAYBE:
        open_leaves.extend(pending)
    return result


def _kleene_cond(cond: Cond, ctx, open_leaves: list) -> bool | None:
    t = value_test(cond)
    subject = cond.subject
    if subject in ("own", "system"):
        answers = ctx.own if subject == "own" else ctx.system
        if cond.qtype is not None and answers.get(cond.key) is None:
            open_leaves.append((cond, ctx if subject == "own" else None))
            return MAYBE
        return t(answers)
    if subject in ("inflow", "outflow"):
        return any(t(f.answers) for f in (ctx.inflows if subject == "inflow" else ctx.outflows))
    neighbours = ctx.neighbours(subject, cond.kind)
    unanswered = []
    for comp in neighbours:
        if comp.answers.get(cond.key) is None:
            unanswered.append(comp)
        elif t(comp.answers):
            return True
    if unanswered:
        open_leaves.extend((cond, comp) for comp in unanswered)
        return MAYBE
    return False


def open_questions(catalog: CompiledCatalog, system_answers: Mapping, components: Sequence[ComponentFacts],
                   flows: Sequence[FlowFacts]) -> list[OpenQuestion]:
    """Each open question with the threats it could add; system questions first, then components
    in the order given, questions in questionnaire order."""
    from .evaluate import contexts

    system_ctx, component_ctxs = contexts(system_answers, components, flows)
    found: dict[tuple[str, int | None, str], set[str]] = {}
    for ctx in [system_ctx, *component_ctxs]:
        scope_index = catalog.index.get(ctx.kind)
        if scope_index is None:
            continue
        for rule in scope_index.rules:
            gate = scope_index.gates.get(rule.ref)
            if gate is not None and ctx.own.get(gate[0]) is not None and not gate[1](ctx.own):
                continue  # the gate is answered and fails: no other answer can make it match
            if rule.pred(ctx):
                continue
            live: list = []
            if kleene(rule.node, ctx, live) is not MAYBE:
                continue
            for cond, owner in live:
                question = ("system", None, cond.key) if owner is None else (owner.kind, owner.id, cond.key)
                found.setdefault(question, set()).add(rule.ref)
    order = {c.id: i for i, c in enumerate(components)}
    positions = {key: i for i, key in enumerate(catalog.questions)}

    def sort_key(item):
        (scope, component_id, key), _ = item
        return (-1 if component_id is None else order.get(component_id, len(order)),
                positions.get((scope, key), len(positions)), key)

    return [OpenQuestion(scope, component_id, key, tuple(sorted(refs)))
            for (scope, component_id, key), refs in sorted(found.items(), key=sort_key)]
