"""The register part of the workshop page: the risks as rows with their framework tags (HTML rendered
once per template), their mitigations, the four lists, the heat maps and the counts.

The page is built from a fixed number of queries whatever the size of the system: risks, the
templates they come from (with their framework mappings), custom mappings, mitigations and
mitigation links. Per-row data is joined in Python.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.safestring import SafeString

from catalog.models import FrameworkItem, ThreatTemplate
from threatmodel.models import AISystem

from ... import scoring
from ... import selectors as register_selectors
from ...fields import RISK_CARD_ROW
from ...models import RISK_TRANSITIONS, Mitigation, Risk, RiskStatus
from .. import cards, heatmap
from ..selectors import IN_REGISTER

# What a risk card, the heat maps and the progress read (the rest stays in the database).
CARD_FIELDS = RISK_CARD_ROW
FRAMEWORK_SHORT = {
    "OWASP-LLM-2025": "OWASP LLM", "MITRE-ATLAS": "ATLAS", "NIST-AI-RMF": "NIST AI RMF",
    "OWASP-ML-2023": "OWASP ML", "NIST-AI-600-1": "NIST AI 600-1", "CAF-AI-SEC": "CAF AI security",
}
FRAMEWORK_ORDER = list(FRAMEWORK_SHORT)
TAGS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Tag:
    framework: str
    ref: str
    position: int


def tags_of(items) -> list[Tag]:
    return [Tag(i.framework.key, i.ref, i.position) for i in items]


def _tags_html(tags, ref: str = "") -> str:
    """Framework tags of one template (rendered once per template, shared by its risks): the first few,
    then a link to the threat's catalog page for the rest."""
    tags = sorted(tags, key=lambda t: (FRAMEWORK_ORDER.index(t.framework) if t.framework in FRAMEWORK_ORDER else 99,
                                       t.position, t.ref))
    if not tags:
        return ""
    e = cards.e
    chips = "".join(f'<li class="tag"><span class="tag-fw">{e(FRAMEWORK_SHORT.get(t.framework, t.framework))}'
                    f"</span> {e(t.ref)}</li>" for t in tags[:TAGS_SHOWN])
    rest = len(tags) - TAGS_SHOWN
    if rest > 0:
        chips += (f'<li><a class="tags-more" href="{cards.url_ref("catalog:threat_detail", ref)}">{rest} more</a></li>'
                  if ref else f'<li class="tag">+{rest}</li>')
    return SafeString(f'<ul class="tags" aria-label="Framework mappings">{chips}</ul>')  # nosec B703 - reviewed: every chip is escaped


@dataclass
class RiskFilter:
    """A heat map cell chosen on the page: ?heat=inherent&l=4&i=3."""

    scope: str = ""
    likelihood: int = 0
    impact: int = 0

    @classmethod
    def from_query(cls, params) -> "RiskFilter":
        scope = params.get("heat", "")
        try:
            li, im = int(params.get("l", 0)), int(params.get("i", 0))
        except (TypeError, ValueError):
            return cls()
        if scope not in ("inherent", "residual") or li not in scoring.LEVELS or im not in scoring.LEVELS:
            return cls()
        return cls(scope, li, im)

    @property
    def active(self) -> bool:
        return bool(self.scope)

    def matches(self, risk) -> bool:
        if not self.active:
            return True
        if self.scope == "inherent":
            return (risk.likelihood, risk.impact) == (self.likelihood, self.impact)
        return (risk.residual_likelihood, risk.residual_impact) == (self.likelihood, self.impact)

    @property
    def label(self) -> str:
        return (f"{self.scope} likelihood {self.likelihood} ({scoring.LIKELIHOOD_LABELS[self.likelihood]}) × "
                f"impact {self.impact} ({scoring.IMPACT_LABELS[self.impact]})") if self.active else ""


@dataclass
class RegisterPart:
    risks: list
    suggestions: list
    register: list
    dismissed: list
    closed: list
    mitigations: list
    inherent: heatmap.HeatMap
    residual: heatmap.HeatMap
    filter: RiskFilter
    team: object = None
    new_threats: int = 0
    counts: dict = field(default_factory=dict)

    @property
    def shown_register(self) -> list:
        return [r for r in self.register if self.filter.matches(r)]


def _items_by_owner(links) -> tuple[dict[int, list[int]], set[int]]:
    by_owner: dict[int, list[int]] = {}
    item_ids = set()
    for owner_id, item_id in links:
        by_owner.setdefault(owner_id, []).append(item_id)
        item_ids.add(item_id)
    return by_owner, item_ids


@dataclass(frozen=True, slots=True)
class TemplateRef:
    ref: str


class RiskRow:
    """A risk as the page shows it: the card's fields, read with values_list.

    A few hundred full model instances cost more than the rest of the page (Model.__init__ per row);
    these rows carry the same attribute names, so the card renderer (cards.py), the heat maps and the
    progress read either. Writes never use them: actions load the risk through the register's selectors.
    """

    __slots__ = (*CARD_FIELDS, "system", "template", "owner_name", "tags_html", "mitigation_list", "component_obj",
                 "filtered_out")
    STATUS_ORDER = list(RiskStatus.values)

    def __init__(self, values, system):
        for name, value in zip(CARD_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.system = system
        self.template = None
        self.owner_name = None
        self.tags_html = ""
        self.mitigation_list = []
        self.component_obj = None
        self.filtered_out = False

    @property
    def pk(self) -> int:
        return self.id

    def allowed_transitions(self) -> list[str]:
        return sorted(RISK_TRANSITIONS.get(self.status, ()), key=self.STATUS_ORDER.index)

    def __repr__(self) -> str:
        return f"<RiskRow {self.id} {self.status}>"


def risks_for_page(system: AISystem) -> list[RiskRow]:
    """Every risk of the system with what its card shows, in a constant number of queries.

    Mappings are read through the link tables as plain values (no prefetch_related, no model instances):
    the page stays in the tens of milliseconds with several hundred risks.
    """
    risks = [RiskRow(values, system) for values in
             Risk.objects.filter(system=system).order_by("id").values_list(*CARD_FIELDS)]
    owner_ids = {r.owner_id for r in risks if r.owner_id}
    owners = dict(get_user_model().objects.filter(pk__in=owner_ids).values_list("pk", "username")) if owner_ids else {}
    template_ids = {r.template_id for r in risks if r.template_id}
    custom_ids = [r.id for r in risks if not r.template_id]
    refs = dict(ThreatTemplate.objects.filter(pk__in=template_ids).values_list("pk", "ref")) if template_ids else {}
    template_links, ids_a = _items_by_owner(
        ThreatTemplate.mappings.through.objects.filter(threattemplate_id__in=template_ids)
        .values_list("threattemplate_id", "frameworkitem_id") if template_ids else [])
    custom_links, ids_b = _items_by_owner(
        Risk.custom_mappings.through.objects.filter(risk_id__in=custom_ids).values_list("risk_id", "frameworkitem_id")
        if custom_ids else [])
    item_ids = ids_a | ids_b
    items = ({pk: Tag(key, ref, position) for pk, key, ref, position in FrameworkItem.objects.filter(pk__in=item_ids)
              .values_list("pk", "framework__key", "ref", "position")} if item_ids else {})
    tags = {pk: _tags_html([items[i] for i in template_links.get(pk, []) if i in items], ref)
            for pk, ref in refs.items()}
    templates = {pk: TemplateRef(ref) for pk, ref in refs.items()}
    for r in risks:
        r.owner_name = owners.get(r.owner_id)
        if r.template_id:
            r.template = templates.get(r.template_id)
            r.tags_html = tags.get(r.template_id, "")
        else:
            r.tags_html = _tags_html([items[i] for i in custom_links.get(r.id, []) if i in items])
    return risks


def risk_for_card(risk: Risk) -> Risk:
    """One risk with what its card shows (after an action on it)."""
    if risk.template_id:
        items = risk.template.mappings.select_related("framework")
    else:
        items = risk.custom_mappings.select_related("framework")
    risk.tags_html = _tags_html(tags_of(items), risk.template.ref if risk.template_id else "")
    risk.mitigation_list = list(risk.mitigations.select_related("owner", "control").order_by("id"))
    risk.owner_name = risk.owner.get_username() if risk.owner_id else None
    risk.component_obj = risk.component
    return risk


def mitigation_for_card(mitigation: Mitigation) -> Mitigation:
    mitigation.risk_list = list(mitigation.risks.order_by("id"))
    return mitigation


def _order_key(components_order: dict):
    def key(r):
        return (components_order.get(r.component_id, -1), -(r.likelihood * r.impact), r.pk)
    return key


def register_part(system: AISystem, risks: list[Risk], components: list, risk_filter: RiskFilter | None = None
                  ) -> RegisterPart:
    order = {c.pk: i for i, c in enumerate(components)}
    by_id = {c.pk: c for c in components}
    for r in risks:
        r.component_obj = by_id.get(r.component_id)
    risk_by_id = {r.pk: r for r in risks}
    mitigations = list(Mitigation.objects.filter(system=system).select_related("owner", "control").order_by("id"))
    links = Mitigation.risks.through.objects.filter(mitigation__system=system).values_list("mitigation_id", "risk_id")
    mit_by_id = {m.pk: m for m in mitigations}
    for m in mitigations:
        m.risk_list = []
    for mid, rid in links:
        m, r = mit_by_id.get(mid), risk_by_id.get(rid)
        if m is not None and r is not None:
            m.risk_list.append(r)
            r.mitigation_list.append(m)
    key = _order_key(order)
    suggestions = sorted((r for r in risks if r.status == RiskStatus.SUGGESTED), key=key)
    register = sorted((r for r in risks if r.status in IN_REGISTER), key=key)
    closed = sorted((r for r in risks if r.status == RiskStatus.CLOSED), key=key)
    dismissed = sorted((r for r in risks if r.status == RiskStatus.DISMISSED), key=key)
    risk_filter = risk_filter or RiskFilter()
    for r in register:
        r.filtered_out = not risk_filter.matches(r)
    matrix = scoring.matrix_for(system.team)
    reviewed = len(risks) - len(suggestions)
    return RegisterPart(
        risks=risks, suggestions=suggestions, register=register, dismissed=dismissed, closed=closed,
        mitigations=mitigations,
        inherent=heatmap.build("inherent", [(r.likelihood, r.impact) for r in register], matrix),
        residual=heatmap.build("residual", [(r.residual_likelihood, r.residual_impact) for r in register], matrix),
        filter=risk_filter, team=system.team,
        new_threats=register_selectors.new_since_review_count(system),
        counts={"suggested": len(suggestions), "reviewed": reviewed, "total": len(risks),
                "register": len(register),
                "scored": sum(1 for r in register if r.owner_id),
                "mitigated": sum(1 for r in register if r.mitigation_list)},
    )
