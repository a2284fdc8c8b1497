"""Framework coverage as CSV: every framework item, what in the catalog maps to it, and per system its state.

One row per framework item (retired ones left out), in the frameworks' order. Columns: the item, its
parent, the catalog threats and controls mapped to it, then for each system two columns: its state and
why. The state follows the assurance report's rule (``assessments.reports.coverage``): *covered* when
every risk mapped to the item (or to an item below it) is covered (a verified mitigation with evidence
and a verifier, or closed with evidence), *accepted*, *planned* (a mitigation not yet verified) or a
*gap*; *not_assessed* when no risk of the system maps to it. Dismissed risks do not count.

Reads in a fixed number of queries, whatever the number of systems, risks or items.
"""

import csv
from collections import defaultdict
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import ControlTemplate, FrameworkItem, ThreatTemplate

from ..exports import escape_cell
from ..models import Mitigation, Risk
from ..reports.coverage import MitigationFacts, RiskFacts, item_coverage

FIXED_HEADERS = ["Framework", "Ref", "Title", "Kind", "Parent", "Threats mapped", "Controls mapped"]


class _Echo:
    def write(self, value):
        return value


def _items(framework_keys: list[str] | None):
    qs = FrameworkItem.objects.filter(retired=False).select_related("framework", "parent")
    if framework_keys:
        qs = qs.filter(framework__key__in=framework_keys)
    return list(qs.order_by("framework__position", "framework__key", "position", "ref"))


def _catalog_links(model, through_field: str) -> dict[int, list[str]]:
    through = model.mappings.through
    rows = through.objects.filter(**{f"{through_field}__retired": False}).values_list(
        "frameworkitem_id", f"{through_field}__ref")
    out: dict[int, list[str]] = defaultdict(list)
    for item_id, ref in rows:
        out[item_id].append(ref)
    return {k: sorted(v) for k, v in out.items()}


def _risk_facts(systems, items) -> dict[int, list[RiskFacts]]:
    """{system id: [RiskFacts]} with each risk's items expanded to their ancestors (coverage rolls up)."""
    by_id = {i.pk: i for i in items}
    ancestors: dict[int, list[tuple[str, str]]] = {}
    for item in items:
        chain, seen, current = [], set(), item
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            chain.append((current.framework.key, current.ref))
            current = by_id.get(current.parent_id)
        ancestors[item.pk] = chain
    risks = list(Risk.objects.filter(system__in=systems).values_list("id", "system_id", "status", "treatment",
                                                                     "template_id", "status_reason"))
    template_items: dict[int, set[int]] = defaultdict(set)
    for template_id, item_id in ThreatTemplate.mappings.through.objects.filter(
            threattemplate_id__in={r[4] for r in risks if r[4]}).values_list("threattemplate_id", "frameworkitem_id"):
        template_items[template_id].add(item_id)
    custom_items: dict[int, set[int]] = defaultdict(set)
    for risk_id, item_id in Risk.custom_mappings.through.objects.filter(
            risk_id__in=[r[0] for r in risks]).values_list("risk_id", "frameworkitem_id"):
        custom_items[risk_id].add(item_id)
    facts = {pk: MitigationFacts(status, bool(evidence or links), str(verifier or "")) for pk, status, evidence, links,
             verifier in Mitigation.objects.filter(system__in=systems).values_list(
                 "id", "status", "evidence", "evidence_links", "verified_by_id")}
    mitigation_facts: dict[int, list[MitigationFacts]] = defaultdict(list)
    for mitigation_id, risk_id in Mitigation.risks.through.objects.filter(
            mitigation_id__in=list(facts)).values_list("mitigation_id", "risk_id"):
        mitigation_facts[risk_id].append(facts[mitigation_id])
    out: dict[int, list[RiskFacts]] = defaultdict(list)
    for risk_id, system_id, status, treatment, template_id, reason in risks:
        item_ids = template_items.get(template_id, set()) if template_id else custom_items.get(risk_id, set())
        expanded = frozenset(pair for item_id in item_ids for pair in ancestors.get(item_id, ()))
        out[system_id].append(RiskFacts(risk_id, status, treatment, expanded,
                                        tuple(mitigation_facts.get(risk_id, ())), closing_evidence=reason or ""))
    return out


def coverage_rows(systems: list, framework_keys: list[str] | None = None) -> Iterator[list]:
    items = _items(framework_keys)
    threats = _catalog_links(ThreatTemplate, "threattemplate")
    controls = _catalog_links(ControlTemplate, "controltemplate")
    facts = _risk_facts(systems, items)
    by_framework: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_framework[item.framework.key].append(item.ref)
    states = {s.pk: {key: item_coverage(facts.get(s.pk, []), key, refs) for key, refs in by_framework.items()}
              for s in systems}
    yield FIXED_HEADERS + [h for s in systems for h in (f"{s.name}: state", f"{s.name}: why")]
    for item in items:
        row = [item.framework.key, item.ref, item.title, item.kind, item.parent.ref if item.parent_id else "",
               "; ".join(threats.get(item.pk, [])), "; ".join(controls.get(item.pk, []))]
        for system in systems:
            state = states[system.pk][item.framework.key][item.ref]
            row += [state["status"], state["reason"]]
        yield row


def coverage_csv_response(systems: list, label: str, framework_keys: list[str] | None = None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        for row in coverage_rows(systems, framework_keys):
            yield writer.writerow([escape_cell(v) if isinstance(v, str) else v for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    filename = f"coverage-{slugify(label)[:60] or 'export'}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
