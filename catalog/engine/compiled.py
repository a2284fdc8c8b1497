"""A catalog compiled for evaluation: rules turned into closures once per release, indexed by scope
and by the question each rule tests first."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..exceptions import CatalogError
from ..questions import Question, parse_questions
from .compiler import Pred, compile_node, gate_of, value_test
from .explain import Explainer, ExplainerCompiler
from .facts import ThreatInfo
from .rules import All, Any_, Cond, Node, Not, parse_rule
from .scoring import compile_extras


@dataclass(frozen=True, eq=False)
class CompiledRule:
    ref: str
    scope: str
    position: int  # order in the catalog: matches come out in this order
    node: Node
    pred: Pred
    explain: Explainer
    likelihood: int = 3
    impact: int = 3
    adjust: tuple = ()  # scoring.Adjustment
    in_place: tuple = ()  # scoring.InPlace
    # Likelihood, impact and controls in place read system answers only (or nothing): the same
    # for every component the rule matches, so worked out once per evaluation.
    fixed_extras: bool = True

    def __post_init__(self):
        object.__setattr__(self, "fixed_extras", all(e.system_only for e in (*self.adjust, *self.in_place)))


@dataclass(eq=False)
class ScopeIndex:
    """The rules of one scope. `ungated` are tried for every component; a gated rule only when
    the component's answer to its gate question can pass the gate: looked up by answer value
    (`by_value`), or by the question being answered at all (`by_key`). A rule gated on a multi
    answer including any of several values is listed under each value (`spread` keys): a
    component whose answer includes two of them finds it twice and keeps it once."""

    rules: list[CompiledRule] = field(default_factory=list)
    ungated: list[CompiledRule] = field(default_factory=list)
    by_value: dict[str, dict[Any, list[CompiledRule]]] = field(default_factory=dict)
    by_key: dict[str, list[CompiledRule]] = field(default_factory=dict)
    spread: set[str] = field(default_factory=set)
    repeated: Mapping[Node, str] = field(default_factory=dict)  # shared subtrees: CompiledCatalog.repeated
    gates: dict[str, tuple[str, Callable[[Mapping], bool]]] = field(default_factory=dict)  # ref -> (key, test)

    @property
    def gate_keys(self) -> list[tuple[str, list[CompiledRule], dict[Any, list[CompiledRule]], bool]]:
        """[(question key, rules gated on it being answered, rules by answer value, spread)], built once."""
        keys = self.__dict__.get("_gate_keys")
        if keys is None:
            keys = self.__dict__["_gate_keys"] = [
                (k, self.by_key.get(k, []), self.by_value.get(k, {}), k in self.spread)
                for k in dict.fromkeys([*self.by_value, *self.by_key])]
        return keys

    def add(self, rule: CompiledRule) -> None:
        self.__dict__.pop("_gate_keys", None)
        self.rules.append(rule)
        gate = gate_of(rule.node)
        if not gate:
            self.ungated.append(rule)
            return
        key, tests = gate[0].key, [value_test(cond) for cond in gate]
        self.gates[rule.ref] = (key, tests[0] if len(tests) == 1 else lambda a: any(t(a) for t in tests))
        values: list | None = []
        for cond in gate:
            if cond.test == "exists":
                values = None  # any answer passes: gate on having an answer
                break
            values.extend(sorted(cond.value) if cond.test == "in" else [cond.value])
        if values is None:
            self.by_key.setdefault(key, []).append(rule)
            return
        values = list(dict.fromkeys(values))
        if gate[0].qtype == "multi" and len(values) > 1:
            self.spread.add(key)
        # Found by value, a gate that is the rule or one of its top-level `all` conditions already
        # holds: the rule is tried without it (the same rule, a residual predicate).
        residual = _without(rule.node, gate[0], self.repeated) if len(gate) == 1 else None
        if residual is not None:
            rule = replace(rule, pred=residual)
        table = self.by_value.setdefault(key, {})
        for value in values:
            table.setdefault(value, []).append(rule)


def _always(ctx) -> bool:
    return True


def _without(node: Node, gate: Cond, repeated: Mapping[Node, str]) -> Pred | None:
    """The predicate of `node` once `gate` is known to hold, if `gate` is the node or a conjunct."""
    if node is gate:
        return _always
    if isinstance(node, All) and any(child is gate for child in node.children):
        rest = tuple(child for child in node.children if child is not gate)
        return compile_node(rest[0] if len(rest) == 1 else All(rest), repeated)
    return None


class CompiledCatalog:
    """Threat rules compiled for one catalog release. Build it with `compile_catalog`."""

    def __init__(self, *, release_id: int | None, version: str, checksum: str,
                 threats: dict[str, ThreatInfo], questions: Mapping[tuple[str, str], Question],
                 rules: dict[str, dict[str, Node]], extras: dict[str, dict[str, tuple]] | None = None):
        self.release_id = release_id
        self.version = version
        self.checksum = checksum
        self.threats = threats
        self.questions = dict(questions)
        self.rules = rules  # ref -> {scope: AST}
        self.index: dict[str, ScopeIndex] = {}
        # all / any subtrees that several rules share: decided and explained once per component
        repeated = _repeated_subtrees(node for nodes in rules.values() for node in nodes.values())
        self.repeated = {node: f"?node{i}" for i, node in enumerate(repeated)}
        explainers = ExplainerCompiler(self.repeated)
        extras = extras or {}
        for position, (ref, by_scope) in enumerate(rules.items()):
            info = threats[ref]
            for scope, node in by_scope.items():
                adjust, in_place = extras.get(ref, {}).get(scope, ((), ()))
                rule = CompiledRule(ref, scope, position, node, compile_node(node, self.repeated),
                                    explainers.compile(node),
                                    info.default_likelihood, info.default_impact, adjust, in_place)
                self.index.setdefault(scope, ScopeIndex(repeated=self.repeated)).add(rule)

    def __repr__(self) -> str:
        return f"<CompiledCatalog {self.version or '(files)'} {len(self.threats)} threats>"


def _repeated_subtrees(trees: Iterable[Node]) -> frozenset:
    """The all / any nodes that occur more than once across `trees` (equal nodes read the same)."""
    seen: set = set()
    repeated: set = set()
    stack = list(trees)
    while stack:
        node = stack.pop()
        if isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, (All, Any_)):
            (repeated if node in seen else seen).add(node)
            stack.extend(node.children)
    return frozenset(repeated)


def _mappings(raw: Any) -> tuple[tuple[str, str], ...]:
    """YAML form {framework: [refs]} or a list of {"framework", "ref"} / (framework, ref)."""
    out: list[tuple[str, str]] = []
    if isinstance(raw, Mapping):
        for fw, refs in raw.items():
            out.extend((str(fw), str(r)) for r in refs or ())
    else:
        for m in raw or ():
            out.append((str(m["framework"]), str(m["ref"])) if isinstance(m, Mapping) else (str(m[0]), str(m[1])))
    return tuple(out)


def compile_catalog(questions: Mapping[tuple[str, str], Question] | list, threats_raw: Iterable[Mapping], *,
                    release_id: int | None = None, version: str = "", checksum: str = "",
                    source: str = "threats") -> CompiledCatalog:
    """Compile threats (dicts as in the YAML: ref, title, applies_to, when (or rule), likelihood
    (or default_likelihood), ..., mappings, controls) against the questionnaire.

    `questions` is the dict of `catalog.questions.parse_questions` or the raw YAML list.
    Raises CatalogError listing every invalid rule. Other checks (mappings, controls) are the
    loader's job (catalog.loader); this only needs what evaluation needs.
    """
    if not isinstance(questions, Mapping):
        questions = parse_questions(questions)
    threats: dict[str, ThreatInfo] = {}
    rules: dict[str, dict[str, Node]] = {}
    extras: dict[str, dict[str, tuple]] = {}
    errors: list[str] = []
    for raw in threats_raw:
        ref = str(raw.get("ref"))
        if ref in threats:
            errors.append(f"{source}: {ref}: duplicate ref")
            continue
        applies_to = raw.get("applies_to") or []
        tree = raw.get("when", raw.get("rule"))
        nodes, problems = parse_rule(tree, applies_to, questions)
        if problems:
            errors.extend(f"{source}: {ref}: {p}" for p in problems)
            continue
        try:
            extras[ref] = compile_extras(raw, questions)
        except ValueError as exc:
            errors.append(f"{source}: {ref}: adjust/in_place: {exc}")
            continue
        rules[ref] = nodes
        threats[ref] = ThreatInfo(
            ref=ref,
            title=str(raw.get("title", "")),
            applies_to=tuple(applies_to),
            default_likelihood=int(raw.get("default_likelihood", raw.get("likelihood", 3))),
            default_impact=int(raw.get("default_impact", raw.get("impact", 3))),
            privacy_relevant=bool(raw.get("privacy_relevant", False)),
            category=str(raw.get("category", "")),
            mappings=_mappings(raw.get("mappings")),
            controls=tuple(str(c) for c in raw.get("controls") or ()),
            phase=str(raw.get("phase", "")),
        )
    if errors:
        raise CatalogError(errors)
    return CompiledCatalog(release_id=release_id, version=version, checksum=checksum, threats=threats,
                           questions=questions, rules=rules, extras=extras)
