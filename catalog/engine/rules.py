"""Rules: a `when` tree of all / any / not over conditions, as data (docs/catalog-format.md).

`parse_rule` checks a tree against the questionnaire and turns it into a small AST, once per
scope the threat applies to. `catalog.engine.compiler` turns the AST into closures (no eval),
`catalog.engine.unknowns` evaluates it three-valued for open questions, and
`catalog.engine.describe` renders it in plain words for pages.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SUBJECTS = ("answer", "system", "inflow", "outflow", "upstream", "downstream", "reached_from", "reaches")
# Neighbour subjects: one hop (upstream / downstream) or any number of hops along flows.
NEIGHBOUR_SUBJECTS = ("upstream", "downstream", "reached_from", "reaches")
TESTS = ("is", "in", "contains", "exists")
COMPONENT_SCOPES = ("input", "model", "output")
THREAT_SCOPES = ("system", *COMPONENT_SCOPES)


@dataclass(frozen=True)
class Cond:
    """One condition, resolved for one evaluation scope.

    subject: own | system | inflow | outflow | upstream | downstream | reached_from | reaches
    (`answer` becomes `own`, or `system` for a system-wide threat). `kind` is the component kind
    for the neighbour subjects.
    `qtype` is the type of the question read, None when the key is not a question of this scope
    (then the answer is always unknown).
    """

    subject: str
    kind: str
    key: str
    test: str
    value: Any  # is: bool | str; in: frozenset[str]; contains: str; exists: bool
    qtype: str | None


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class Any_:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: Any


Node = Cond | All | Any_ | Not


# --- parsing and validation ------------------------------------------------------------------

class _Parser:
    def __init__(self, questions: Mapping[tuple[str, str], Any], applies_to: Sequence[str]):
        self.questions = questions
        self.applies_to = tuple(applies_to)
        self.errors: dict[str, None] = {}  # ordered set: the same error is found once per scope

    def error(self, path: str, message: str) -> None:
        self.errors[f"{path}: {message}"] = None

    def node(self, tree: Any, scope: str, path: str) -> Node | None:
        if not isinstance(tree, Mapping) or not tree:
            self.error(path, "must be a mapping: all, any, not or a condition")
            return None
        ops = [k for k in ("all", "any", "not") if k in tree]
        if ops:
            if len(tree) != 1:
                self.error(path, f"'{ops[0]}' must be the only key of its mapping (found {', '.join(map(str, tree))})")
                return None
            op = ops[0]
            body = tree[op]
            if op == "not":
                child = self.node(body, scope, f"{path}.not")
                return Not(child) if child is not None else None
            if not isinstance(body, list) or not body:
                self.error(path, f"'{op}' needs a non-empty list of rules")
                return None
            children = [self.node(c, scope, f"{path}.{op}[{i}]") for i, c in enumerate(body)]
            if any(c is None for c in children):
                return None
            return All(tuple(children)) if op == "all" else Any_(tuple(children))
        return self.condition(tree, scope, path)

    def condition(self, tree: Mapping, scope: str, path: str) -> Cond | None:
        subjects = [k for k in SUBJECTS if k in tree]
        tests = [k for k in TESTS if k in tree]
        unknown = [str(k) for k in tree if k not in SUBJECTS and k not in TESTS]
        if unknown:
            self.error(path, f"unknown key {', '.join(repr(k) for k in unknown)} "
                             f"(a condition has one of {', '.join(SUBJECTS)} and one of {', '.join(TESTS)})")
            return None
        if len(subjects) != 1:
            self.error(path, f"a condition needs exactly one subject: {', '.join(SUBJECTS)}")
            return None
        if len(tests) != 1:
            self.error(path, f"a condition needs exactly one test: {', '.join(TESTS)}")
            return None
        subject, test = subjects[0], tests[0]
        raw_key, value = tree[subject], tree[test]
        if not isinstance(raw_key, str) or not raw_key:
            self.error(path, f"'{subject}' needs a question key")
            return None
        kind = ""
        if subject == "answer":
            qscopes = ("system",) if self.applies_to == ("system",) else self.applies_to
            if not any((s, raw_key) in self.questions for s in qscopes):
                self.error(path, f"unknown question '{raw_key}' in scope {'/'.join(qscopes)}")
                return None
            subject = "system" if scope == "system" else "own"
            qscope = scope
        elif subject == "system":
            qscope = "system"
        elif subject in ("inflow", "outflow"):
            qscope = "flow"
        else:  # upstream / downstream / reached_from / reaches
            kind, _, raw_key = raw_key.partition(".")
            if kind not in COMPONENT_SCOPES or not raw_key:
                self.error(path, f"'{subject}' needs SCOPE.KEY with SCOPE one of {', '.join(COMPONENT_SCOPES)}")
                return None
            qscope = kind
        question = self.questions.get((qscope, raw_key))
        if question is None:
            if subject == "own":  # a question of another of the threat's scopes: unknown here
                return Cond(subject, kind, raw_key, test, self._loose_value(test, value), None)
            self.error(path, f"unknown question '{raw_key}' in scope {qscope}")
            return None
        checked = self.value(question, test, value, f"{qscope}.{raw_key}", path)
        if checked is _INVALID:
            return None
        return Cond(subject, kind, raw_key, test, checked, question.type)

    @staticmethod
    def _loose_value(test: str, value: Any) -> Any:
        if test == "in" and isinstance(value, list):
            return frozenset(str(v) for v in value)
        return value

    def value(self, question, test: str, value: Any, name: str, path: str) -> Any:
        qtype = question.type
        allowed = question.values
        if test == "exists":
            if not isinstance(value, bool):
                self.error(path, "'exists' needs true or false")
                return _INVALID
            return value
        if test == "is":
            if qtype == "bool":
                if not isinstance(value, bool):
                    self.error(path, f"{name} is a yes/no question: 'is' needs true or false, not {value!r}")
                    return _INVALID
                return value
            if qtype == "multi":
                self.error(path, f"{name} is a multi question: use 'contains' or 'in', not 'is'")
                return _INVALID
            if not isinstance(value, str) or value not in allowed:
                self.error(path, f"impossible value {value!r} for {name} (choices: {', '.join(sorted(allowed))})")
                return _INVALID
            return value
        if test == "contains":
            if qtype != "multi":
                self.error(path, f"'contains' needs a multi question; {name} is {qtype}")
                return _INVALID
            if not isinstance(value, str) or value not in allowed:
                self.error(path, f"impossible value {value!r} for {name} (choices: {', '.join(sorted(allowed))})")
                return _INVALID
            return value
        # in
        if qtype == "bool":
            self.error(path, f"'in' needs a choice or multi question; {name} is yes/no (use 'is')")
            return _INVALID
        if not isinstance(value, list) or not value:
            self.error(path, "'in' needs a non-empty list of choices")
            return _INVALID
        bad = [v for v in value if not isinstance(v, str) or v not in allowed]
        if bad:
            self.error(path, f"impossible value {bad[0]!r} for {name} (choices: {', '.join(sorted(allowed))})")
            return _INVALID
        return frozenset(value)


_INVALID = object()


def check_applies_to(applies_to: Any) -> str | None:
    """An error message, or None when `applies_to` is a valid list of scopes."""
    if not isinstance(applies_to, list) or not applies_to:
        return f"applies_to must be a non-empty list of {', '.join(THREAT_SCOPES)}"
    bad = [s for s in applies_to if s not in THREAT_SCOPES]
    if bad:
        return f"applies_to: unknown scope {bad[0]!r} (one of {', '.join(THREAT_SCOPES)})"
    if len(set(applies_to)) != len(applies_to):
        return "applies_to lists a scope twice"
    if "system" in applies_to and len(applies_to) > 1:
        return "applies_to: a system-wide threat is evaluated once per system; list system alone"
    return None


def parse_rule(tree: Any, applies_to: Sequence[str], questions: Mapping[tuple[str, str], Any],
               path: str = "rule") -> tuple[dict[str, Node], list[str]]:
    """({scope: AST} for every scope of `applies_to`, errors). Errors are "rule.all[1]: message"."""
    problem = check_applies_to(list(applies_to))
    if problem:
        return {}, [problem]
    parser = _Parser(questions, applies_to)
    nodes: dict[str, Node] = {}
    for scope in applies_to:
        node = parser.node(tree, scope, path)
        if node is not None:
            nodes[scope] = node
    errors = list(parser.errors)
    return ({} if errors else nodes), errors


def leaves(node: Node):
    """Every condition of a tree, depth first."""
    if isinstance(node, Cond):
        yield node
    elif isinstance(node, Not):
        yield from leaves(node.child)
    else:
        for child in node.children:
            yield from leaves(child)


# --- wording shared by explanations and descriptions -------------------------------------------

def fmt(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, tuple, frozenset, set)):
        return ", ".join(sorted(map(str, value))) if value else "(none)"
    return str(value)


def canonical(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(sorted(map(str, value)))
    return value


def test_text(cond: Cond) -> str:
    key, value = cond.key, cond.value
    if cond.test == "exists":
        return f"an answer for {key}" if value else f"no answer for {key}"
    if cond.test == "is":
        return f"{key} = {fmt(value)}"
    if cond.test == "contains":
        return f"{key} including {value}"
    if cond.qtype == "multi":
        return f"{key} including any of {fmt(value)}"
    return f"{key} in {fmt(value)}"
