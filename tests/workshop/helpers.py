"""Builders for the workshop tests (and the workshop benchmark)."""

import random
from html.parser import HTMLParser

from assessments import services
from assessments.models import Risk, RiskStatus
from assessments.reconcile import reconcile_system
from catalog.questions import questions_for
from threatmodel.models import AISystem, Component, DataFlow

HX = {"HTTP_HX_REQUEST": "true"}


def suggestion(system, ref: str, component_name: str | None = None) -> Risk:
    qs = Risk.objects.filter(system=system, template__ref=ref)
    if component_name:
        qs = qs.filter(component__name=component_name)
    return qs.order_by("id").first()


def _answers(rng: random.Random, scope: str, answered: float = 0.8) -> dict:
    out = {}
    for q in questions_for(scope):
        if rng.random() > answered:
            continue
        if q.type == "bool":
            out[q.key] = rng.random() < 0.6
        elif q.type == "choice":
            out[q.key] = rng.choice(q.choices)[0]
        else:
            out[q.key] = [v for v, _ in rng.sample(q.choices, k=rng.randint(1, min(3, len(q.choices))))]
    return out


def big_system(team, actor, *, components: int = 60, seed: int = 7, name: str = "Big system",
               accept: int = 40, dismiss: int = 10, mitigate: int = 10, custom: int = 5) -> AISystem:
    """A system with `components` components, flows between them, the engine's suggestions, and a register
    with accepted, dismissed, mitigated and custom risks. Bulk writes for the model (fast), the register's
    services for the decisions (realistic versions, links and audit)."""
    rng = random.Random(seed)
    system = AISystem.objects.create(team=team, name=name, slug=f"big-{seed}-{components}",
                                     answers=_answers(rng, "system"))
    kinds = ["input", "model", "output"]
    comps = Component.objects.bulk_create([
        Component(system=system, kind=kinds[i % 3] if i >= 3 else kinds[i], name=f"{kinds[i % 3]} {i}",
                  answers=_answers(rng, kinds[i % 3]), position=i)
        for i in range(components)])
    models = [c for c in comps if c.kind == "model"]
    flows = []
    for c in comps:
        if c.kind == "input":
            flows.append(DataFlow(system=system, source=c, target=rng.choice(models), label="data",
                                  answers=_answers(rng, "flow")))
        elif c.kind == "output":
            flows.append(DataFlow(system=system, source=rng.choice(models), target=c, label="answer",
                                  answers=_answers(rng, "flow")))
    DataFlow.objects.bulk_create(flows)
    reconcile_system(system.pk)
    risks = list(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).order_by("id"))
    rng.shuffle(risks)
    accepted = risks[:accept]
    for risk in accepted:
        services.risk_transition(actor=actor, risk=risk, status="open")
    for risk in risks[accept:accept + dismiss]:
        services.risk_transition(actor=actor, risk=risk, status="dismissed", reason="Not in scope")
    for i, risk in enumerate(accepted[:mitigate]):
        services.mitigation_create(actor=actor, system=system, title=f"Mitigation {i}", owner=actor,
                                   risks=[risk.pk, accepted[-1 - i].pk])
    for i in range(custom):
        services.risk_create(actor=actor, system=system, title=f"Custom risk {i}", component=comps[i].pk,
                             likelihood=1 + i % 5, impact=1 + (i * 2) % 5, owner=actor)
    return system


class _FormParser(HTMLParser):
    """The values a browser would submit for the first form in some HTML (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._option_value = None
        self._textarea = None
        self._form_seen = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form_seen += 1
        if self._form_seen != 1:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data.lstrip("\n") if not self.data[self._textarea][0] else data


def form_data(html: str) -> dict[str, list[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.data
