"""Whole-catalog checks run after every file validated on its own.

- Every question is read by at least one rule (a threat's `when`, an adjustment or an `in_place`
  entry): an answer nothing reads would change nothing, and the workshop would ask it for nothing.
- A threat mapped to an item of a generative-only framework (OWASP LLM, agentic, NIST AI 600-1)
  must not be able to match a system whose models are all non-generative. The rule is evaluated
  three-valued in that "non-generative world" (every model answers generative = no, is not an LLM,
  produces no generated modality and has no agent features such as tools or memory; no input is a
  prompt); any other answer is unknown. If
  the rule is not certainly false there, the mapping is refused.
"""

from collections.abc import Iterable, Mapping

from ..engine.rules import NEIGHBOUR_SUBJECTS, All, Cond, Node, Not, leaves, parse_rule

MAYBE = None
GENERATIVE_MODEL_TYPES = frozenset({"llm"})
# Agent features: a model that plans tool calls, keeps memory or talks to agents is a generative one.
AGENT_FEATURES = frozenset({"tool_access", "executes_code", "persistent_memory", "multi_agent"})


def _rules_of(threat: Mapping) -> Iterable[tuple[str, object]]:
    yield "when", threat["rule"]
    for i, adjustment in enumerate(threat.get("adjust") or ()):
        yield f"adjust[{i}]", adjustment["when"]
    for i, entry in enumerate(threat.get("in_place") or ()):
        yield f"in_place[{i}]", entry["when"]


def _read_questions(cond: Cond, scope: str) -> tuple[str, str]:
    if cond.subject == "own":
        return scope, cond.key
    if cond.subject == "system":
        return "system", cond.key
    if cond.subject in ("inflow", "outflow"):
        return "flow", cond.key
    return cond.kind, cond.key


def questions_read(threats: Mapping[str, Mapping], questions) -> set[tuple[str, str]]:
    read: set[tuple[str, str]] = set()
    for threat in threats.values():
        for _, tree in _rules_of(threat):
            nodes, _ = parse_rule(tree, threat["applies_to"], questions)
            for scope, node in nodes.items():
                read.update(_read_questions(cond, scope) for cond in leaves(node))
    return read


def _world(kind: str, cond: Cond) -> bool | None:
    """A condition on a `kind` component's answer in the non-generative world: True, False or MAYBE."""
    key, test, value = cond.key, cond.test, cond.value
    if kind == "model" and key == "generative" and test == "is":
        return value is False
    if kind == "model" and key in ("generative", "model_type") and test == "exists":
        return value is True  # the world's models say what they are
    if kind == "model" and key in AGENT_FEATURES and test == "is":
        return value is False
    if kind == "model" and key == "tool_protocols" and test in ("contains", "in"):
        return False
    if kind == "model" and key == "model_type" and test in ("is", "in"):
        wanted = {value} if test == "is" else set(value)
        return MAYBE if wanted - GENERATIVE_MODEL_TYPES else False
    if kind == "model" and key == "output_modalities" and test in ("contains", "in"):
        wanted = {value} if test == "contains" else set(value)
        return MAYBE if "structured" in wanted else False
    if kind == "input" and key == "purpose" and test in ("contains", "in"):
        wanted = {value} if test == "contains" else set(value)
        return MAYBE if wanted - {"prompt"} else False
    return MAYBE


def _kleene(node: Node, scope: str) -> bool | None:
    if isinstance(node, Cond):
        if node.subject == "own":
            return _world(scope, node)
        if node.subject in NEIGHBOUR_SUBJECTS:
            return _world(node.kind, node)
        return MAYBE
    if isinstance(node, Not):
        inner = _kleene(node.child, scope)
        return MAYBE if inner is MAYBE else not inner
    is_all = isinstance(node, All)
    result: bool | None = is_all
    for child in node.children:
        value = _kleene(child, scope)
        if value is (not is_all):
            return value
        if value is MAYBE:
            result = MAYBE
    return result


def can_match_non_generative(threat: Mapping, questions) -> bool:
    nodes, _ = parse_rule(threat["rule"], threat["applies_to"], questions)
    return any(_kleene(node, scope) is not False for scope, node in nodes.items())


def catalog_checks(v) -> list[str]:
    """Errors of the whole catalog, as "file: entry: message"; `v` is the loader's Validator."""
    errors = []
    read = questions_read(v.threats, v.questions)
    for (scope, key), _question in v.questions.items():
        if (scope, key) not in read:
            errors.append(f"questions.yaml: {scope}.{key}: no rule reads this question (every answer must be able "
                          "to change the result)")
    generative = {key for key, fw in v.frameworks.items() if fw.get("generative_only")}
    for ref, threat in v.threats.items():
        gen_items = [f"{fw} {item}" for fw, item in threat["mappings"] if fw in generative]
        if gen_items and can_match_non_generative(threat, v.questions):
            errors.append(f"{threat['source']}: {ref}: mappings: {', '.join(gen_items)} only concern generative "
                          "AI, but the rule can match a system whose models are not generative (add a condition "
                          "on generative, model_type or a prompt input, or drop the mapping)")
    return errors
