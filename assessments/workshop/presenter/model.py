"""The model part of the workshop page: the lanes, the diagram in both orientations with each card's
stats, and the open questions (cached by the model's change stamp)."""

from dataclasses import dataclass
from uuid import uuid4

from django.core.cache import cache
from django.utils.safestring import SafeString

from catalog.engine import ComponentFacts, FlowFacts, current_catalog, open_questions
from catalog.questions import questions_for
from threatmodel import selectors as tm_selectors
from threatmodel.models import AISystem, ComponentKind

from ... import scoring
from .. import cards, diagram
from ..diagram_svg import to_svg
from ..selectors import ACTIVE


@dataclass
class OpenQuestionView:
    scope: str
    component_id: int | None
    where: str
    label: str
    threat_count: int
    url: str = ""

    @property
    def threats_text(self) -> str:
        return f"up to {self.threat_count} threat{'' if self.threat_count == 1 else 's'}"


@dataclass
class ModelPart:
    components: list
    flows: list
    lanes: dict
    horizontal: diagram.Diagram
    vertical: diagram.Diagram
    svg: dict
    open_questions: list[OpenQuestionView]
    system_questions: int
    system_answered: int
    questions: int
    answered: int
    # Names the model as drawn (system, components, flows, the viewer's role, the catalog): the templates cache
    # the regions that depend on nothing else under it. Without a change stamp, a key used once.
    cache_key: str = ""

    @property
    def zone_names(self) -> list[str]:
        """The named trust zones, each once, in name order (the diagram's legend)."""
        return sorted({z.name for z in self.horizontal.zones}, key=str.casefold)


def _answered(answers: dict, questions) -> int:
    return sum(1 for q in questions if (answers or {}).get(q.key) is not None)


def card_stats(system: AISystem, components, risks) -> dict[int, diagram.CardStats]:
    """Per component: questions answered, active risks and the highest band among them."""
    per_kind = {kind: questions_for(kind) for kind in ComponentKind.values}
    matrix = scoring.matrix_for(system.team)
    stats = {c.pk: diagram.CardStats(_answered(c.answers, per_kind.get(c.kind, [])), len(per_kind.get(c.kind, [])))
             for c in components}
    for r in risks:
        s = stats.get(r.component_id)
        if s is None or r.status not in ACTIVE:
            continue
        s.risks += 1
        band = scoring.band(r.likelihood, r.impact, matrix)
        if s.top_band is None or scoring.BAND_RANK[band] > scoring.BAND_RANK[s.top_band]:
            s.top_band = band
    return stats


OPEN_QUESTIONS_TTL = 3600


def _open_questions(system, catalog, components, flows, names, model_key: str | None) -> list[OpenQuestionView]:
    """The open questions, cached by the model's change stamp (they depend on nothing else)."""
    key = f"workshop:open-questions:{system.pk}:{model_key}:{catalog.checksum}" if model_key else None
    if key:
        found = cache.get(key)
        if found is not None:
            return found
    facts = [ComponentFacts(c.pk, c.kind, c.name, c.answers or {}) for c in components]
    flow_facts = [FlowFacts(f.pk, f.source_id, f.target_id, f.answers or {}) for f in flows]
    views = []
    for q in open_questions(catalog, system.answers or {}, facts, flow_facts):
        question = catalog.questions.get((q.scope, q.key))
        label = question.label if question else q.key
        where = "System" if q.component_id is None else str(names[q.component_id].name)
        views.append(OpenQuestionView(q.scope, q.component_id, where, label, len(q.threat_refs),
                                      cards.url("workshop_component", q.component_id) if q.component_id else ""))
    if key:
        cache.set(key, views, OPEN_QUESTIONS_TTL)
    return views


def model_part(system: AISystem, risks, model_key: str | None = None) -> ModelPart:
    components, flows = tm_selectors.system_model(system)
    names = {c.pk: c for c in components}
    for f in flows:  # the diagram and the flow list read the ends without a query per flow
        f.source, f.target = names[f.source_id], names[f.target_id]
        f.url = cards.url("workshop_flow", f.pk)
    stats = card_stats(system, components, risks)
    lanes = {kind: [c for c in components if c.kind == kind] for kind in ComponentKind.values}
    catalog = current_catalog()
    views = _open_questions(system, catalog, components, flows, names, model_key)
    system_qs = questions_for("system")
    total = len(system_qs) + sum(s.questions for s in stats.values())
    answered = _answered(system.answers, system_qs) + sum(s.answered for s in stats.values())
    horizontal = diagram.layout(components, flows, stats, orientation="horizontal")
    vertical = diagram.layout(components, flows, stats, orientation="vertical")
    for box in horizontal.boxes + vertical.boxes:
        box.url = cards.url("workshop_component", box.id)
    return ModelPart(
        components=components, flows=flows, lanes=lanes, horizontal=horizontal, vertical=vertical,
        svg={"h": SafeString(to_svg(horizontal, "h", system.name)),  # nosec B703 - reviewed: escaped in to_svg
             "v": SafeString(to_svg(vertical, "v", system.name))},  # nosec B703 - reviewed: escaped in to_svg
        open_questions=views, system_questions=len(system_qs),
        system_answered=_answered(system.answers, system_qs), questions=total, answered=answered,
        cache_key=f"{system.pk}.{model_key}.{catalog.checksum}" if model_key else uuid4().hex,
    )
