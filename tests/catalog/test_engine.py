"""The rule engine: compiled rules agree with a plain reference evaluation (hypothesis), the
index never drops a match, reasons and fingerprints behave, open questions are sound."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.engine import ComponentFacts, FlowFacts, compile_catalog, evaluate, open_questions
from catalog.engine.evaluate import contexts
from catalog.engine.unknowns import MAYBE, kleene
from catalog.questions import parse_questions

# --- a small questionnaire with every type in every scope ------------------------------------------

CHOICES = ["a", "b", "c"]
TAGS = ["x", "y", "z"]


def _questions_raw():
    raw = []
    for scope in ("system", "input", "model", "output"):
        raw += [
            {"scope": scope, "key": "flag", "label": "Flag?", "type": "bool"},
            {"scope": scope, "key": "kind", "label": "Kind?", "type": "choice",
             "choices": [{"value": v, "label": v.upper()} for v in CHOICES]},
            {"scope": scope, "key": "tags", "label": "Tags?", "type": "multi",
             "choices": [{"value": v, "label": v.upper()} for v in TAGS]},
        ]
    raw += [
        {"scope": "flow", "key": "flag", "label": "Flow flag?", "type": "bool"},
        {"scope": "flow", "key": "kind", "label": "Flow kind?", "type": "choice",
         "choices": [{"value": v, "label": v} for v in CHOICES]},
    ]
    return raw


QUESTIONS = parse_questions(_questions_raw())
TYPES = {"flag": "bool", "kind": "choice", "tags": "multi"}
FLOW_KEYS = ["flag", "kind"]


def condition_tests(qtype):
    if qtype == "bool":
        return st.sampled_from([{"is": True}, {"is": False}, {"exists": True}, {"exists": False}])
    if qtype == "choice":
        return st.one_of(st.sampled_from(CHOICES).map(lambda v: {"is": v}),
                         st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3, unique=True).map(
                             lambda vs: {"in": vs}),
                         st.booleans().map(lambda b: {"exists": b}))
    return st.one_of(st.sampled_from(TAGS).map(lambda v: {"contains": v}),
                     st.lists(st.sampled_from(TAGS), min_size=1, max_size=3, unique=True).map(lambda vs: {"in": vs}),
                     st.booleans().map(lambda b: {"exists": b}))


@st.composite
def conditions(draw):
    subject = draw(st.sampled_from(["answer", "system", "inflow", "outflow", "upstream", "downstream"]))
    if subject in ("inflow", "outflow"):
        key = draw(st.sampled_from(FLOW_KEYS))
        qtype = TYPES[key]
        name = key
    else:
        key = draw(st.sampled_from(list(TYPES)))
        qtype = TYPES[key]
        name = key
        if subject in ("upstream", "downstream"):
            name = f"{draw(st.sampled_from(['input', 'model', 'output']))}.{key}"
    return {subject: name, **draw(condition_tests(qtype))}


rules = st.recursive(
    conditions(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4).map(lambda cs: {"all": cs}),
        st.lists(children, min_size=1, max_size=4).map(lambda cs: {"any": cs}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=10,
)


def answers_for(keys):
    def one(key):
        qtype = TYPES[key]
        if qtype == "bool":
            return st.booleans()
        if qtype == "choice":
            return st.sampled_from(CHOICES)
        return st.lists(st.sampled_from(TAGS), max_size=3, unique=True)
    # each question answered, explicitly unanswered (None) or absent
    return st.fixed_dictionaries({}, optional={k: st.one_of(one(k), st.none()) for k in keys})


@st.composite
def systems(draw):
    """One input component under test (id 1) with random neighbours and flows."""
    system = draw(answers_for(list(TYPES)))
    me = ComponentFacts(1, "input", "Me", draw(answers_for(list(TYPES))))
    others = [ComponentFacts(i, draw(st.sampled_from(["input", "model", "output"])), f"c{i}",
                             draw(answers_for(list(TYPES)))) for i in range(2, 2 + draw(st.integers(0, 4)))]
    flows = []
    for n, other in enumerate(others):
        direction = draw(st.sampled_from(["in", "out", "both", "none"]))
        for source, target in {"in": [(other, me)], "out": [(me, other)], "both": [(other, me), (me, other)],
                               "none": []}[direction]:
            flows.append(FlowFacts(100 + 2 * n + len(flows), source.id, target.id, draw(answers_for(FLOW_KEYS))))
    return system, [me, *others], flows


# --- the reference: a direct reading of docs/catalog-format.md ----------------------------------------

def ref_test(answers, key, cond):
    value = answers.get(key)
    if "exists" in cond:
        return (value is not None) == cond["exists"]
    if value is None:
        return False
    if "is" in cond:
        return type(value) is type(cond["is"]) and value == cond["is"]
    if "contains" in cond:
        return cond["contains"] in value
    if isinstance(value, list):
        return bool(set(value) & set(cond["in"]))
    return value in cond["in"]


def ref_eval(tree, me, system, components, flows):
    if "all" in tree:
        return all(ref_eval(c, me, system, components, flows) for c in tree["all"])
    if "any" in tree:
        return any(ref_eval(c, me, system, components, flows) for c in tree["any"])
    if "not" in tree:
        return not ref_eval(tree["not"], me, system, components, flows)
    by_id = {c.id: c for c in components}
    if "answer" in tree:
        return ref_test(me.answers, tree["answer"], tree)
    if "system" in tree:
        return ref_test(system, tree["system"], tree)
    if "inflow" in tree:
        return any(ref_test(f.answers, tree["inflow"], tree) for f in flows if f.target_id == me.id)
    if "outflow" in tree:
        return any(ref_test(f.answers, tree["outflow"], tree) for f in flows if f.source_id == me.id)
    subject = next(s for s in ("upstream", "downstream", "reached_from", "reaches") if s in tree)
    kind, key = tree[subject].split(".")
    if subject in ("reached_from", "reaches"):
        ends = _paths(me, flows, by_id, backwards=subject == "reached_from")
    else:
        ends = ([by_id[f.source_id] for f in flows if f.target_id == me.id] if subject == "upstream"
                else [by_id[f.target_id] for f in flows if f.source_id == me.id])
    return any(ref_test(c.answers, key, tree) for c in ends if c.kind == kind)


def _paths(me, flows, by_id, backwards):
    """Every component on a path of one or more flows out of `me` (or into it), `me` excluded."""
    found, frontier = set(), {me.id}
    while frontier:
        step = {(f.source_id if backwards else f.target_id) for f in flows
                if (f.target_id if backwards else f.source_id) in frontier}
        frontier = step - found - {me.id}
        found |= frontier
    return [by_id[i] for i in found]


def one_threat(rule, applies_to=("input",)):
    return compile_catalog(QUESTIONS, [{"ref": "AI-IN-001", "title": "t", "applies_to": list(applies_to),
                                        "when": rule, "controls": ["CTL-001"]}])


# --- properties ------------------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules, world=systems())
def test_compiled_rules_agree_with_the_reference(rule, world):
    system, components, flows = world
    catalog = one_threat(rule)
    expected = ref_eval(rule, components[0], system, components, flows)
    matches = [m for m in evaluate(catalog, system, components, flows) if m.component_id == 1]
    assert bool(matches) == expected
    if matches:
        assert matches[0].why, "a match always says why"
        assert len(matches[0].fingerprint) == 64


@settings(max_examples=200, deadline=None)
@given(rule=rules, world=systems())
def test_three_valued_evaluation_is_sound(rule, world):
    """A definite Kleene answer is the actual answer whatever the unanswered questions become."""
    system, components, flows = world
    catalog = one_threat(rule)
    _, ctxs = contexts(system, components, flows)
    node = catalog.rules["AI-IN-001"]["input"]
    verdict = kleene(node, ctxs[0], [])
    if verdict is MAYBE:
        return
    me = components[0]
    unknown_own = [k for k in TYPES if me.answers.get(k) is None]
    unknown_sys = [k for k in TYPES if system.get(k) is None]
    domains = {"flag": [True, False], "kind": CHOICES, "tags": [[], ["x"], ["y", "z"], TAGS]}
    for own_values in itertools.product(*(domains[k] for k in unknown_own)):
        for sys_values in itertools.product(*(domains[k] for k in unknown_sys[:2])):
            me2 = ComponentFacts(1, "input", "Me", {**me.answers, **dict(zip(unknown_own, own_values, strict=True))})
            sys2 = {**system, **dict(zip(unknown_sys[:2], sys_values, strict=True))}
            assert ref_eval(rule, me2, sys2, [me2, *components[1:]], flows) == verdict


def test_open_questions_name_the_question_that_would_add_the_threat():
    catalog = one_threat({"all": [{"answer": "flag", "is": True}, {"system": "kind", "is": "a"}]})
    me = ComponentFacts(1, "input", "Me", {"flag": True})
    found = open_questions(catalog, {}, [me], [])
    assert [(q.scope, q.component_id, q.key, q.threat_refs) for q in found] == [
        ("system", None, "kind", ("AI-IN-001",))]
    # answered the wrong way: the threat cannot match any more, nothing is open
    assert open_questions(catalog, {"kind": "b"}, [me], []) == []
    # the gate question answered the wrong way prunes the threat whatever else is open
    assert open_questions(catalog, {}, [ComponentFacts(1, "input", "Me", {"flag": False})], []) == []


def test_open_questions_reach_neighbouring_components():
    catalog = one_threat({"upstream": "model.kind", "is": "b"})
    me, model = ComponentFacts(1, "input", "Me", {}), ComponentFacts(2, "model", "LLM", {})
    found = open_questions(catalog, {}, [me, model], [FlowFacts(9, 2, 1, {})])
    assert [(q.scope, q.component_id, q.key) for q in found] == [("model", 2, "kind")]


def test_open_questions_skip_branches_already_decided():
    rule = {"all": [{"answer": "flag", "exists": False},
                    {"any": [{"answer": "kind", "is": "a"}, {"system": "flag", "is": True}]}]}
    catalog = one_threat(rule)
    # `any` is already true through the system: nothing about `kind` is open; `flag` is answered
    me = ComponentFacts(1, "input", "Me", {"flag": True})
    assert open_questions(catalog, {"flag": True}, [me], []) == []


# --- semantics spelled out ---------------------------------------------------------------------------------

def _match(rule, answers, system=None, flows=(), others=()):
    catalog = one_threat(rule)
    me = ComponentFacts(1, "input", "Customer chat", answers)
    return next((m for m in evaluate(catalog, system or {}, [me, *others], list(flows)) if m.component_id == 1),
                None)


def test_unknown_is_false_for_every_test_but_exists():
    assert _match({"answer": "flag", "is": False}, {}) is None
    assert _match({"answer": "kind", "in": ["a", "b", "c"]}, {}) is None
    assert _match({"answer": "tags", "contains": "x"}, {"tags": None}) is None
    assert _match({"answer": "flag", "exists": False}, {}) is not None
    assert _match({"not": {"answer": "flag", "is": True}}, {}) is not None
    assert _match({"not": {"answer": "flag", "is": True}}, {"flag": False}) is not None
    assert _match({"not": {"answer": "flag", "is": True}}, {"flag": True}) is None


def test_reasons_name_component_question_and_value():
    match = _match({"all": [{"answer": "flag", "is": True}, {"answer": "tags", "contains": "x"},
                            {"system": "kind", "is": "a"}]},
                   {"flag": True, "tags": ["y", "x"]}, system={"kind": "a"})
    assert match.why == ("input 'Customer chat' has flag = true", "input 'Customer chat' has tags including x",
                         "system has kind = a")


def test_reasons_of_a_negation_give_the_actual_value():
    assert _match({"not": {"answer": "flag", "is": True}}, {}).why == ("input 'Customer chat' has no answer for flag",)
    assert _match({"not": {"answer": "flag", "is": True}}, {"flag": False}).why == (
        "input 'Customer chat' has flag = false",)


def test_reasons_of_any_give_the_branch_that_holds():
    match = _match({"any": [{"answer": "flag", "is": True}, {"answer": "kind", "is": "b"}]},
                   {"flag": False, "kind": "b"})
    assert match.why == ("input 'Customer chat' has kind = b",)


def test_flow_and_neighbour_reasons():
    model = ComponentFacts(2, "model", "Support LLM", {"kind": "a"})
    flows = [FlowFacts(7, 1, 2, {"flag": True})]
    match = _match({"all": [{"outflow": "flag", "is": True}, {"downstream": "model.kind", "is": "a"}]}, {},
                   flows=flows, others=[model])
    assert match.why == ("flow 'Customer chat' -> 'Support LLM' has flag = true", "model 'Support LLM' has kind = a")
    lonely = _match({"not": {"downstream": "model.kind", "exists": True}}, {})
    assert lonely.why == ("no model is downstream of input 'Customer chat'",)


def test_fingerprint_changes_iff_the_facts_behind_the_match_change():
    rule = {"all": [{"answer": "flag", "is": True}, {"any": [{"answer": "kind", "is": "a"},
                                                            {"answer": "kind", "is": "b"}]}]}
    base = _match(rule, {"flag": True, "kind": "a", "tags": ["x"]})
    assert _match(rule, {"flag": True, "kind": "a", "tags": ["y"]}).fingerprint == base.fingerprint  # unused answer
    renamed = next(m for m in evaluate(one_threat(rule), {}, [ComponentFacts(1, "input", "Renamed", {
        "flag": True, "kind": "a"})], []))
    assert renamed.fingerprint == base.fingerprint and renamed.why != base.why
    assert _match(rule, {"flag": True, "kind": "b"}).fingerprint != base.fingerprint


def test_system_threats_are_evaluated_once_without_a_component():
    catalog = compile_catalog(QUESTIONS, [{"ref": "AI-SYS-001", "title": "t", "applies_to": ["system"],
                                           "when": {"all": [{"answer": "flag", "is": True},
                                                            {"downstream": "model.kind", "exists": True}]}}])
    components = [ComponentFacts(1, "input", "In", {}), ComponentFacts(2, "model", "M", {"kind": "c"})]
    matches = evaluate(catalog, {"flag": True}, components, [])
    assert [(m.threat_ref, m.component_id) for m in matches] == [("AI-SYS-001", None)]
    assert matches[0].why == ("system has flag = true", "model 'M' has kind = c")


def test_a_threat_for_several_scopes_reads_each_components_own_questions():
    raw = [q for q in _questions_raw() if not (q["scope"] == "output" and q["key"] == "kind")]
    threat = {"ref": "AI-IN-001", "title": "t", "applies_to": ["input", "output"],
              "when": {"answer": "kind", "exists": False}}
    catalog = compile_catalog(parse_questions(raw), [threat])
    components = [ComponentFacts(1, "input", "In", {"kind": "a"}), ComponentFacts(2, "output", "Out", {})]
    assert [m.component_id for m in evaluate(catalog, {}, components, [])] == [2]


# --- the real catalog: the index drops nothing ----------------------------------------------------------------

def test_indexed_evaluation_equals_trying_every_rule(compiled, real_catalog):
    from tests.bench.bench_catalog import synthetic_system

    for seed in (1, 2, 3):
        system, components, flows = synthetic_system(compiled, n=150, seed=seed)
        got = {(m.threat_ref, m.component_id) for m in evaluate(compiled, system, components, flows)}
        expected = set()
        for threat in real_catalog.threats.values():
            scopes = threat["applies_to"]
            if scopes == ["system"]:
                # a system rule reads the system's answers and every component / flow
                if _ref_system(threat["rule"], system, components, flows):
                    expected.add((threat["ref"], None))
                continue
            for c in components:
                if c.kind in scopes and ref_eval(threat["rule"], c, system, components, flows):
                    expected.add((threat["ref"], c.id))
        assert got == expected, seed


def _ref_system(tree, system, components, flows):
    if "all" in tree:
        return all(_ref_system(c, system, components, flows) for c in tree["all"])
    if "any" in tree:
        return any(_ref_system(c, system, components, flows) for c in tree["any"])
    if "not" in tree:
        return not _ref_system(tree["not"], system, components, flows)
    if "answer" in tree or "system" in tree:
        return ref_test(system, tree.get("answer") or tree.get("system"), tree)
    if "inflow" in tree or "outflow" in tree:
        return any(ref_test(f.answers, tree.get("inflow") or tree.get("outflow"), tree) for f in flows)
    kind, key = (tree.get("upstream") or tree.get("downstream") or tree.get("reached_from")
                 or tree.get("reaches")).split(".")
    return any(ref_test(c.answers, key, tree) for c in components if c.kind == kind)
