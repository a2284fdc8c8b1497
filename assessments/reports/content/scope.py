"""The parts every report shares: scope and system description, lanes, catalog release, audit head, generation."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from catalog.models import CatalogRelease
from catalog.questions import questions_for
from threatmodel.audit import audit_verify
from threatmodel.models import ComponentKind
from threatmodel.selectors import system_model


def person(user) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def iso_date(value) -> str:
    return value.isoformat() if value else ""


def stamp(value) -> str:
    if not value:
        return ""
    return timezone.localtime(value, timezone.get_fixed_timezone(0)).strftime("%Y-%m-%d %H:%M UTC")


def link_list(links) -> list[dict]:
    """[{url, href}]: href only for http(s) URLs (anything else is printed, never linked)."""
    return [{"url": str(u), "href": str(u) if str(u).startswith(("https://", "http://")) else ""}
            for u in links or []]


def answers_table(scope: str, answers: dict) -> list[dict]:
    """[{label, value}] in questionnaire order, choice values as their labels; unanswered questions left out."""
    rows = []
    for q in questions_for(scope):
        if q.key not in (answers or {}):
            continue
        value = answers[q.key]
        if q.type == "bool":
            text = "Yes" if value else "No"
        elif q.type == "multi":
            text = ", ".join(q.choice_label(v) for v in value) if value else "None"
        else:
            text = q.choice_label(value)
        rows.append({"key": q.key, "label": q.label, "value": text})
    return rows


def component_note(component) -> str:
    a = component.answers or {}
    if component.kind == "input":
        bits = [{"basic": "personal data", "sensitive": "sensitive data", "children": "children's data"}.get(
            a.get("personal_data"), "")]
        bits.append("untrusted" if a.get("untrusted_content") else "")
    elif component.kind == "model":
        bits = [{"third_party_api": "third-party API", "in_house": "in-house", "open_weights": "open weights",
                 "fine_tuned_foundation": "fine-tuned"}.get(a.get("provider"), ""), a.get("model_type", "")]
    else:
        bits = ["affects individuals" if a.get("affects_individuals") else "",
                "public" if a.get("publicly_exposed") else ""]
    return " · ".join(b for b in bits if b)


def scope_section(system) -> dict:
    components, flows = system_model(system)
    names = {c.pk: c.name for c in components}
    lanes = {kind: [] for kind in ComponentKind.values}
    for c in components:
        lanes[c.kind].append({"id": c.pk, "name": c.name, "description": c.description, "note": component_note(c),
                              "answers": answers_table(c.kind, c.answers)})
    flow_rows = [{"id": f.pk, "source": f.source_id, "target": f.target_id, "source_name": names.get(f.source_id, ""),
                  "target_name": names.get(f.target_id, ""), "label": f.label,
                  "personal_data": (f.answers or {}).get("personal_data") is True,
                  "crosses_boundary": (f.answers or {}).get("crosses_trust_boundary") is True,
                  "encrypted": (f.answers or {}).get("encrypted_in_transit"),
                  "answers": answers_table("flow", f.answers)} for f in flows]
    return {
        "id": system.pk,
        "name": system.name,
        "team": system.team.name,
        "description": system.description,
        "lifecycle_stage": system.get_lifecycle_stage_display(),
        "owner": person(system.owner),
        "version": system.version,
        "answers": answers_table("system", system.answers),
        "lanes": lanes,
        "flows": flow_rows,
        "counts": {kind: len(lanes[kind]) for kind in ComponentKind.values} | {"flows": len(flow_rows)},
    }


def catalog_section(system) -> dict:
    release = CatalogRelease.objects.order_by("-id").first()
    try:
        state = system.review_state
    except ObjectDoesNotExist:
        state = None
    return {
        "version": release.version if release else "",
        "checksum": release.checksum if release else "",
        "loaded_at": stamp(release.loaded_at) if release else "",
        "reconciled_version": getattr(state, "reconciled_catalog_version", "") or "",
        "reviewed_version": getattr(state, "reviewed_catalog_version", "") or "",
        "release_id": release.pk if release else None,
    }


def audit_section(system) -> dict:
    chain = audit_verify(team=system.team)
    return {"head": chain.head, "events": chain.count, "intact": chain.ok, "problem": chain.problem}


def generated_section(user, at=None) -> dict:
    at = at or timezone.now()
    return {"at": stamp(at), "at_iso": at.isoformat(), "by": person(user) if user is not None else "the system"}
