"""The risk card, rendered in Python.

A workshop page can hold several hundred risk cards and must render in well under 150 ms: the
template engine spends about a millisecond per card, this renderer a few hundredths. It is the
only markup built in Python; forms and every other region stay in templates (the edit, dismiss and
mitigate modes of a card use `card_body` and add their form in templates/workshop/_risk_card.html).
Every value is escaped (`escape`); the card carries no inline script or style.
"""

from functools import lru_cache
from html import escape
from itertools import groupby
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from catalog.engine.describe import why_words
from threatmodel.models import ComponentKind

from .. import scoring
from ..models import MitigationStatus, RiskStatus, Treatment

TRANSITION_LABELS = {RiskStatus.MITIGATING: "Start mitigating", RiskStatus.CLOSED: "Close",
                     RiskStatus.OPEN: "Back to open"}
STATUS_LABELS = dict(RiskStatus.choices)
MITIGATION_STATUS_LABELS = dict(MitigationStatus.choices)
TREATMENT_LABELS = dict(Treatment.choices)
_PK = 987654321


_REF = "zz-ref-zz"


@lru_cache(maxsize=32)
def _pattern(name: str, placeholder=_PK) -> str:
    return reverse(name, args=[placeholder]).replace(str(placeholder), "{}")


@lru_cache(maxsize=4096)
def url_ref(name: str, ref: str) -> str:
    return _pattern(name, _REF).format(quote(ref, safe=""))


def url(name: str, pk: int) -> str:
    """reverse() for the card's routes, without resolving the pattern for every card."""
    return _pattern(name).format(pk)


def e(value) -> str:
    return escape(str(value), quote=True)


def _band(likelihood, impact, matrix) -> str:
    return scoring.band(likelihood, impact, matrix) or "low"


def card_body(risk, matrix, today=None) -> SafeString:
    """Header, where, why, tags, notes, scores and mitigations of a risk (shared by every mode)."""
    today = today or timezone.localdate()
    pk, st = risk.pk, risk.status
    band = _band(risk.likelihood, risk.impact, matrix)
    score = risk.likelihood * risk.impact
    if risk.template_id:
        ref = (f'<a href="{url_ref("catalog:threat_detail", risk.template.ref)}" '
               f'title="This threat in the catalog">{e(risk.template.ref)}</a>')
    else:
        ref = "Custom"
    out = [
        f'<header class="risk-head"><span class="score band-{band}"><span class="visually-hidden">Inherent </span>'
        f'{band.capitalize()} {score}</span><h4 id="risk-{pk}-title" class="risk-title">{e(risk.title)}</h4>'
        f'<span class="ref">{ref}</span></header>'
    ]
    component = getattr(risk, "component_obj", None)
    if component is not None:
        where = f"on {ComponentKind(component.kind).label.lower()} <strong>{e(component.name)}</strong>"
    else:
        where = "on a component" if risk.component_id else "on the whole system"
    if st != RiskStatus.SUGGESTED:
        where += f' · <span class="status-label">{e(STATUS_LABELS.get(st, st))}</span>'
    out.append(f'<p class="risk-where">{where}</p>')
    if risk.why:
        facts = "".join(f"<li>{e(why_words(fact))}</li>" for fact in risk.why)
        out.append(f'<div class="why"><p class="why-title">Why it applies</p><ul>{facts}</ul></div>')
    out.append(getattr(risk, "tags_html", "") or "")
    if risk.stale:
        out.append(f'<p class="note note-stale"><strong>Stale:</strong> '
                   f'{e(risk.stale_reason or "the facts behind it no longer hold")}</p>')
    if risk.status_reason:
        label = "Dismissed because" if st == RiskStatus.DISMISSED else "Note"
        out.append(f'<p class="note"><strong>{label}:</strong> {e(risk.status_reason)}</p>')
    if st not in (RiskStatus.SUGGESTED, RiskStatus.DISMISSED):
        rband = _band(risk.residual_likelihood, risk.residual_impact, matrix)
        rscore = risk.residual_likelihood * risk.residual_impact
        owner_name = getattr(risk, "owner_name", None)
        owner = e(owner_name) if owner_name else '<span class="muted">nobody yet</span>'
        due = risk.due.isoformat() if risk.due else "—"
        overdue = ""
        if risk.due and risk.due < today and st in (RiskStatus.OPEN, RiskStatus.MITIGATING) \
                and risk.treatment != Treatment.ACCEPT:
            overdue = ' <strong class="overdue">Overdue</strong>'
        by_hand = ' <span class="muted">(set by hand)</span>' if risk.residual_overridden else ""
        out.append(
            '<dl class="risk-facts">'
            f'<div><dt>Inherent</dt><dd>L{risk.likelihood} × I{risk.impact} = {score} '
            f'<span class="band-text band-text-{band}">{band.capitalize()}</span></dd></div>'
            f'<div><dt>Residual</dt><dd>L{risk.residual_likelihood} × I{risk.residual_impact} = {rscore} '
            f'<span class="band-text band-text-{rband}">{rband.capitalize()}</span>{by_hand}</dd></div>'
            f'<div><dt>Owner</dt><dd>{owner}</dd></div>'
            f'<div><dt>Due</dt><dd>{due}{overdue}</dd></div>'
            f'<div><dt>Treatment</dt><dd>{e(TREATMENT_LABELS.get(risk.treatment, risk.treatment))}</dd></div>'
            '</dl>')
        mitigations = getattr(risk, "mitigation_list", None) or []
        if mitigations:
            items = "".join(
                f'<li><a href="#mitigation-{m.pk}">{e(m.title)}</a> <span class="muted">· '
                f'{MITIGATION_STATUS_LABELS.get(m.status, m.status)}'
                f'{" · " + e(m.owner.get_username()) if m.owner_id and m.owner else ""}'
                f'</span></li>' for m in mitigations)
            out.append(f'<div class="risk-mitigations"><p class="why-title">Mitigations</p><ul>{items}</ul></div>')
    return SafeString("".join(out))  # nosec B703 - reviewed: every value above is escaped


def open_tag(risk, *, editing: bool = False) -> SafeString:
    pk = risk.pk
    classes = f"risk-card status-{risk.status}" + (" is-stale" if risk.stale else "")
    extra = (" data-editing" if editing else "") + (" hidden" if getattr(risk, "filtered_out", False) else "")
    return SafeString(  # nosec B703 - reviewed: numbers and fixed words only
        f'<article id="risk-{pk}" class="{classes}" tabindex="-1" data-risk="{pk}" data-l="{risk.likelihood}" '
        f'data-i="{risk.impact}" data-rl="{risk.residual_likelihood}" data-ri="{risk.residual_impact}" '
        f'hx-target="this" hx-swap="outerHTML"{extra} aria-labelledby="risk-{pk}-title">')


def _link(name: str, pk: int, action: str, label: str, primary: bool = False) -> str:
    href = url(name, pk)
    css = "btn btn-primary" if primary else "btn"
    return (f'<a class="{css}" id="{action}-{pk}" data-action="{action}" href="{href}" hx-get="{href}">'
            f'{label}</a>')


def actions(risk, csrf_input: str) -> str:
    """The card's buttons. One form per card: the transition buttons share it (name="status")."""
    pk, st = risk.pk, risk.status
    form_open = (f'<form method="post" action="{url("workshop_risk_transition", pk)}" '
                 f'hx-post="{url("workshop_risk_transition", pk)}"{{advance}}>{csrf_input}'
                 f'<input type="hidden" name="version" value="{risk.version}">')
    if st == RiskStatus.SUGGESTED:
        return ('<div class="risk-actions">' + form_open.format(advance=" data-advance")
                + f'<button type="submit" name="status" value="open" class="btn btn-primary" id="accept-{pk}" '
                  f'data-action="accept">Accept</button></form>'
                + _link("workshop_risk_dismiss", pk, "dismiss", "Dismiss…")
                + _link("workshop_risk_edit", pk, "edit", "Edit") + "</div>")
    if st in (RiskStatus.OPEN, RiskStatus.MITIGATING):
        buttons = "".join(
            f'<button type="submit" name="status" value="{nxt}" class="btn">{TRANSITION_LABELS[nxt]}</button>'
            for nxt in risk.allowed_transitions() if nxt in TRANSITION_LABELS)
        return ('<div class="risk-actions">'
                + _link("workshop_risk_edit", pk, "edit", "Score &amp; edit", primary=True)
                + _link("workshop_risk_mitigate", pk, "mitigate", "Mitigate…")
                + form_open.format(advance="") + buttons + "</form>"
                + _link("workshop_risk_dismiss", pk, "dismiss", "Dismiss…") + "</div>")
    return ('<div class="risk-actions">' + form_open.format(advance="")
            + '<button type="submit" name="status" value="open" class="btn">Reopen</button></form></div>')


def risk_card(risk, matrix, *, can_edit: bool, csrf_input: str = "", today=None, error: str = "") -> SafeString:
    """The whole card in view mode."""
    parts = [open_tag(risk), card_body(risk, matrix, today)]
    if error:
        parts.append(f'<p class="error" role="alert">{e(error)}</p>')
    if can_edit:
        parts.append(actions(risk, csrf_input))
    parts.append("</article>")
    return SafeString("".join(parts))  # nosec B703 - reviewed: built from escaped parts


def _group_title(component, count: int) -> str:
    if component is None:
        where = "The whole system"
    else:
        where = f"{ComponentKind(component.kind).label} <strong>{e(component.name)}</strong>"
    return f'<h3 class="group-title">{where} <span class="count">{count}</span></h3>'


def risk_cards(risks, matrix, *, can_edit: bool, csrf_input: str = "") -> SafeString:
    """Cards grouped under a heading per component (the risks come sorted by component)."""
    today = timezone.localdate()
    out = []
    for _key, group in groupby(risks, key=lambda r: r.component_id):
        group = list(group)
        out.append(_group_title(getattr(group[0], "component_obj", None), len(group)))
        out.extend(risk_card(r, matrix, can_edit=can_edit, csrf_input=csrf_input, today=today) for r in group)
    return SafeString("".join(out))  # nosec B703 - reviewed: built from escaped parts


def mitigation_card(m, *, can_edit: bool) -> str:
    """A mitigation's card in the list (view mode; templates/workshop/_mitigation_card.html has the same markup
    and the edit mode). Every value is escaped."""
    pk = m.pk
    if m.control_id:
        ref = (f'<a href="{url_ref("catalog:control_detail", m.control.ref)}" title="This control in the catalog">'
               f'{e(m.control.ref)}</a>')
    else:
        ref = "Custom"
    owner = e(m.owner.get_username()) if m.owner_id and m.owner else '<span class="muted">nobody yet</span>'
    due = m.due.strftime("%Y-%m-%d") if m.due else "—"
    overdue = ' <strong class="overdue">Overdue</strong>' if m.is_overdue else ""
    risks = getattr(m, "risk_list", None) or []
    addresses = ("<ul>" + "".join(f'<li><a href="#risk-{r.pk}">{e(r.title)}</a></li>' for r in risks) + "</ul>"
                 if risks else '<p class="muted">no risk yet</p>')
    edit = ""
    if can_edit:
        href = url("workshop_mitigation_edit", pk)
        edit = (f'<div class="risk-actions"><a class="btn" id="mitigation-edit-{pk}" href="{href}" hx-get="{href}" '
                f'hx-target="#mitigation-{pk}" hx-swap="outerHTML">Edit</a></div>')
    return (f'<article id="mitigation-{pk}" class="mit-card status-{e(m.status)}" tabindex="-1" '
            f'aria-labelledby="mitigation-{pk}-title"><header class="risk-head">'
            f'<span class="mit-status">{e(MITIGATION_STATUS_LABELS.get(m.status, m.status))}</span>'
            f'<h3 id="mitigation-{pk}-title" class="risk-title">{e(m.title)}</h3>'
            f'<span class="ref">{ref}</span></header>'
            f'<dl class="risk-facts"><div><dt>Owner</dt><dd>{owner}</dd></div>'
            f'<div><dt>Due</dt><dd>{due}{overdue}</dd></div>'
            f'<div><dt>Kind</dt><dd>{e(m.get_kind_display())}</dd></div></dl>'
            f'<div class="risk-mitigations"><p class="why-title">Addresses</p>{addresses}</div>{edit}</article>')


def mitigation_cards(mitigations, *, can_edit: bool) -> SafeString:
    return SafeString("".join(mitigation_card(m, can_edit=can_edit) for m in mitigations))  # nosec B703 - escaped
