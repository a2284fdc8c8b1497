"""The suggestion list for triage, rendered in Python like the risk cards (cards.py).

Suggestions of the same threat on several components are shown once: one card with the threat, its
reasons, and the components listed, each with its own Accept and Dismiss; "Accept all" and "Dismiss
all…" act on every one of them through the bulk triage endpoint. Every suggestion has a checkbox
for the bulk bar (accept, dismiss with one reason, assign an owner) above the list.

The grouping key is the engine's (`risk.group_key` when the catalog provides one), else the threat
template; custom risks are never grouped.
"""

from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString

from threatmodel.models import ComponentKind

from . import cards


def e(value) -> str:
    return escape(str(value), quote=True)


def group_key(risk):
    key = getattr(risk, "group_key", None)
    if key:
        return ("k", key)
    return ("t", risk.template_id) if risk.template_id else ("r", risk.pk)


def groups(risks) -> list[list]:
    """Suggestions grouped by threat, in the order of each group's first member."""
    out: dict = {}
    for r in risks:
        out.setdefault(group_key(r), []).append(r)
    return list(out.values())


def _select(risk) -> str:
    title = e(risk.title)
    component = getattr(risk, "component_obj", None)
    where = f" on {e(component.name)}" if component is not None else ""
    return (f'<label class="select-risk"><input type="checkbox" name="risk" value="{risk.pk}" form="bulk-form" '
            f'data-select-risk><span class="visually-hidden">Select {title}{where}</span></label>')


def _where(component) -> str:
    if component is None:
        return "the whole system"
    return f"{ComponentKind(component.kind).label.lower()} <strong>{e(component.name)}</strong>"


def _member(risk, csrf_input: str, can_edit: bool, triage_url: str) -> str:
    component = getattr(risk, "component_obj", None)
    parts = [f'<li class="group-member" id="risk-{risk.pk}-member">']
    if can_edit:
        parts.append(_select(risk))
    parts.append(f'<span class="member-where">{_where(component)}</span>')
    if can_edit:
        one = f'{csrf_input}<input type="hidden" name="risk" value="{risk.pk}">'
        parts.append(
            f'<form method="post" action="{triage_url}" hx-post="{triage_url}" hx-target="#triage-status" '
            f'class="member-actions">{one}<button type="submit" name="action" value="accept" class="btn btn-small">'
            f'Accept<span class="visually-hidden"> on {e(component.name if component else "the system")}</span>'
            f'</button></form>'
            f'<details class="member-dismiss"><summary class="btn btn-small">Dismiss…</summary>'
            f'<form method="post" action="{triage_url}" hx-post="{triage_url}" hx-target="#triage-status">{one}'
            f'<label for="reason-{risk.pk}">Why it does not apply here</label>'
            f'<input type="text" id="reason-{risk.pk}" name="reason" required maxlength="500">'
            f'<button type="submit" name="action" value="dismiss" class="btn btn-small">Dismiss</button></form>'
            f'</details>')
    parts.append("</li>")
    return "".join(parts)


def group_card(members, matrix, *, can_edit: bool, csrf_input: str, triage_url: str, today=None) -> str:
    first = members[0]
    ids = ",".join(str(r.pk) for r in members)
    n = len(members)
    out = [f'<article id="risk-group-{first.pk}" class="risk-card risk-group status-suggested" tabindex="-1" '
           f'data-risk="{first.pk}" data-group="{ids}" aria-labelledby="risk-{first.pk}-title">',
           cards.card_body(first, matrix, today).replace(
               '<p class="risk-where">', f'<p class="risk-where">on {n} components · first ', 1),
           f'<ul class="group-members" aria-label="The {n} components it applies to">',
           *(_member(r, csrf_input, can_edit, triage_url) for r in members), "</ul>"]
    if can_edit:
        hidden = "".join(f'<input type="hidden" name="risk" value="{r.pk}">' for r in members)
        out.append(
            f'<div class="risk-actions"><form method="post" action="{triage_url}" hx-post="{triage_url}" '
            f'hx-target="#triage-status">{csrf_input}{hidden}'
            f'<button type="submit" name="action" value="accept" class="btn btn-primary" data-action="accept">'
            f'Accept all {n}</button></form>'
            f'<details class="dismiss-all"><summary class="btn">Dismiss all {n}…</summary>'
            f'<form method="post" action="{triage_url}" hx-post="{triage_url}" hx-target="#triage-status">'
            f'{csrf_input}{hidden}<label for="group-reason-{first.pk}">Why it does not apply</label>'
            f'<input type="text" id="group-reason-{first.pk}" name="reason" required maxlength="500">'
            f'<button type="submit" name="action" value="dismiss" class="btn">Dismiss all {n}</button></form>'
            f'</details></div>')
    out.append("</article>")
    return "".join(out)


def _catalog_facts(risks) -> tuple[dict[int, str], dict[int, str]]:
    """({template id: category}, {template id: its framework refs, space separated}): two queries."""
    from catalog.models import ThreatTemplate

    ids = {r.template_id for r in risks if r.template_id}
    if not ids:
        return {}, {}
    categories = dict(ThreatTemplate.objects.filter(pk__in=ids).values_list("pk", "category"))
    refs: dict[int, list[str]] = {}
    for tid, fw, ref in ThreatTemplate.mappings.through.objects.filter(threattemplate_id__in=ids).values_list(
            "threattemplate_id", "frameworkitem__framework__key", "frameworkitem__ref"):
        refs.setdefault(tid, []).append(f"{fw} {ref}")
    return categories, {tid: " | ".join(v) for tid, v in refs.items()}


def _filter_bar(members_list, categories: dict) -> str:
    """Filter and search over the suggestion list (client side, static/js/triage-filter.js)."""
    cats = sorted({categories.get(r.template_id, "") for m in members_list for r in m} - {""})
    comps = sorted({c.name for m in members_list for r in m if (c := getattr(r, "component_obj", None)) is not None})
    option = "".join

    return (
        '<form id="suggestion-filter" class="suggestion-filter" data-live-editor role="search" '
        'aria-label="Filter the suggestions">'
        '<label>Search <input type="search" name="q" placeholder="title, reason, framework item"></label>'
        '<label>Category <select name="category"><option value="">Any</option>'
        + option(f'<option value="{e(c)}">{e(c.replace("_", " "))}</option>' for c in cats) + '</select></label>'
        '<label>Component <select name="component"><option value="">Any</option>'
        + option(f'<option value="{e(c)}">{e(c)}</option>' for c in comps) + '</select></label>'
        '<label>Framework item <input type="text" name="framework" placeholder="e.g. LLM01, MEASURE 2.7"></label>'
        '<label>Score at least <select name="score"><option value="">Any</option><option value="5">5 (medium)'
        '</option><option value="10">10 (high)</option><option value="20">20 (critical)</option></select></label>'
        '<output class="filter-count" aria-live="polite"></output></form>')


def _wrap(card: str, members, categories: dict, refs: dict) -> str:
    first = members[0]
    names = "|".join(c.name for r in members if (c := getattr(r, "component_obj", None)) is not None)
    score = max(r.likelihood * r.impact for r in members)
    return (f'<div class="suggestion" data-category="{e(categories.get(first.template_id, ""))}" '
            f'data-components="{e(names)}" data-refs="{e(refs.get(first.template_id, ""))}" '
            f'data-score="{score}">{card}</div>')


def suggestion_cards(risks, matrix, *, can_edit: bool, csrf_input: str, triage_url: str) -> SafeString:
    """The suggestion list: single suggestions as cards (with a select box), repeated threats grouped, under a
    filter bar (text, category, component, framework item, score)."""
    today = timezone.localdate()
    grouped = groups(risks)
    categories, refs = _catalog_facts(risks)
    out = [_filter_bar(grouped, categories)] if len(risks) > 1 else []
    for members in grouped:
        if len(members) == 1:
            card = cards.risk_card(members[0], matrix, can_edit=can_edit, csrf_input=csrf_input, today=today)
            if can_edit:
                card = card.replace('<div class="risk-actions">', '<div class="risk-actions">' + _select(members[0]), 1)
        else:
            card = group_card(members, matrix, can_edit=can_edit, csrf_input=csrf_input, triage_url=triage_url,
                              today=today)
        out.append(_wrap(card, members, categories, refs))
    return SafeString("".join(out))  # nosec B703 - reviewed: built from escaped parts
