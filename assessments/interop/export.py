"""A whole system as versioned JSON (schema: assessments/interop/schema/system-export-v1.json).

Everything the team decided is in it: the system's and components' answers, flows, risks (with status,
scores, residual override, acceptance, stale flags and the engine's reasons), mitigations and their
links, external ticket references, the privacy assessment, sign-offs and report metadata (not the
PDF files). Ids are the exporting installation's; they only link the parts of the file together.
Users appear by username. Timestamps of edits are left out (the audit trail keeps them); the dates
that are part of a decision (acceptance, sign-off, report runs) are kept.

Lists are in a stable, natural order so that export -> import -> export gives the same file but
for ids and those timestamps (the round-trip test checks it).
"""

from django.db.models import Prefetch
from django.utils import timezone

from threatmodel.models import AISystem, ComponentKind

from ..catalog_info import catalog_release_info
from ..fields import MITIGATION_EXPORTED, RISK_EXPORTED
from ..models import ExternalRef, Mitigation, Report, Review, Risk

FORMAT = "ai-threat-register/system-export"
VERSION = 1
SCHEMA_NAME = "system-export-v1.json"
KIND_ORDER = {kind: i for i, kind in enumerate(ComponentKind.values)}


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def privacy_model():
    """The privacy assessment model, when this installation has it (another part of the register)."""
    try:
        from ..models.privacy import PrivacyAssessment
    except ImportError:  # pragma: no cover - an installation without the privacy module
        return None
    return PrivacyAssessment


def privacy_fields() -> tuple[str, ...]:
    try:
        from ..privacy.schema import FIELDS
    except ImportError:  # pragma: no cover
        return ()
    return tuple(FIELDS)


def risk_sort_key(risk: dict, component_order: dict) -> tuple:
    return (component_order.get(risk["component"], -1), risk["template"] or "~", risk["title"], risk["id"])


def export_system(system: AISystem, *, schema_url: str = "") -> dict:
    """The export document of ``system`` (plain JSON types)."""
    system = AISystem.objects.select_related("team", "owner").get(pk=system.pk)
    components = sorted(system.components.all(), key=lambda c: (KIND_ORDER.get(c.kind, 9), c.position, c.pk))
    component_order = {c.pk: i for i, c in enumerate(components)}
    flows = list(system.flows.order_by("id"))
    risks = list(Risk.objects.filter(system=system).select_related("template", "owner", "accepted_by")
                 .prefetch_related("custom_mappings__framework"))
    mitigations = list(Mitigation.objects.filter(system=system).select_related("control", "owner")
                       .prefetch_related(Prefetch("risks", queryset=Risk.objects.only("id"))))
    info = catalog_release_info()
    doc = {
        "$schema": schema_url or SCHEMA_NAME,
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "catalog": {"version": info["version"], "checksum": info["checksum"]},
        "system": {
            "id": system.pk, "name": system.name, "slug": system.slug, "description": system.description,
            "lifecycle_stage": system.lifecycle_stage, "owner": _username(system.owner),
            "answers": system.answers or {},
        },
        "components": [{"id": c.pk, "kind": c.kind, "name": c.name, "description": c.description,
                        "answers": c.answers or {}, "position": c.position, "trust_zone": c.trust_zone}
                       for c in components],
        "flows": [{"id": f.pk, "source": f.source_id, "target": f.target_id, "label": f.label,
                   "answers": f.answers or {}} for f in flows],
        "risks": sorted((_risk(r) for r in risks), key=lambda r: risk_sort_key(r, component_order)),
        "mitigations": sorted((_mitigation(m) for m in mitigations),
                              key=lambda m: (m["control"] or "~", m["title"], m["id"])),
        "external_refs": _refs(system),
        "privacy_assessment": _privacy(system),
        "reviews": [_review(r) for r in Review.objects.filter(system=system).select_related("user")
                    .order_by("round", "id")],
        "reports": [_report(r) for r in Report.objects.filter(system=system).select_related("requested_by")
                    .order_by("created_at", "id")],
    }
    return doc


def _risk(risk: Risk) -> dict:
    acceptance = None
    if risk.accepted_at is not None or risk.accepted_by_id is not None:
        acceptance = {"accepted_by": _username(risk.accepted_by), "accepted_at": _iso(risk.accepted_at),
                      "review_date": _iso(risk.acceptance_review_date), "reason": risk.acceptance_reason}
    return {
        "id": risk.pk, "template": risk.template.ref if risk.template_id else None, "component": risk.component_id,
        **{name: getattr(risk, name) for name in RISK_EXPORTED},
        "residual": {"likelihood": risk.residual_likelihood, "impact": risk.residual_impact,
                     "overridden": risk.residual_overridden, "reason": risk.residual_override_reason},
        "owner": _username(risk.owner), "due": _iso(risk.due), "acceptance": acceptance,
        "mappings": sorted(f"{i.framework.key}:{i.ref}" for i in risk.custom_mappings.all()),
        "acted": risk.acted_at is not None,
    }


def _mitigation(m: Mitigation) -> dict:
    return {
        "id": m.pk, "control": m.control.ref if m.control_id else None,
        **{name: getattr(m, name) for name in MITIGATION_EXPORTED},
        "owner": _username(m.owner), "due": _iso(m.due), "risks": sorted(r.pk for r in m.risks.all()),
    }


def _refs(system: AISystem) -> list[dict]:
    refs = ExternalRef.objects.filter(team=system.team).filter(risk__system=system) | ExternalRef.objects.filter(
        team=system.team, mitigation__system=system)
    return [{"risk": ref.risk_id, "mitigation": ref.mitigation_id, "tracker": ref.tracker,
             "external_id": ref.external_id, "key": ref.key, "url": ref.url, "remote_status": ref.remote_status,
             "remote_updated_at": _iso(ref.remote_updated_at)}
            for ref in refs.order_by("tracker", "external_id", "id")]


def _privacy(system: AISystem) -> dict | None:
    model = privacy_model()
    if model is None:
        return None
    assessment = model.objects.filter(system=system).select_related("signed_off_by").first()
    if assessment is None:
        return None
    out = {name: getattr(assessment, name) for name in privacy_fields()}
    out.update({"provenance": assessment.provenance or {}, "dpia_result": assessment.dpia_result,
                "dpia_criteria_met": assessment.dpia_criteria_met})
    out["sign_off"] = None
    if assessment.signed_off_at is not None:
        out["sign_off"] = {"by": _username(assessment.signed_off_by), "label": assessment.signed_off_label,
                           "at": _iso(assessment.signed_off_at), "current": assessment.signed_off,
                           "comment": assessment.sign_off_comment}
    return out


def _review(review: Review) -> dict:
    return {"round": review.round, "role": review.role, "decision": review.decision, "user": _username(review.user),
            "user_label": review.user_label, "comment": review.comment, "catalog_version": review.catalog_version,
            "catalog_checksum": review.catalog_checksum, "register_hash": review.register_hash,
            "register_summary": review.register_summary or {}, "created_at": _iso(review.created_at)}


def _report(report: Report) -> dict:
    return {"kind": report.kind, "status": report.status, "progress": report.progress, "stage": report.stage,
            "error": report.error, "sha256": report.sha256, "content_sha256": report.content_sha256,
            "size": report.size, "pages": report.pages, "pdf_variant": report.pdf_variant,
            "catalog_version": report.catalog_version, "requested_by": _username(report.requested_by),
            "requested_by_label": report.requested_by_label, "created_at": _iso(report.created_at),
            "started_at": _iso(report.started_at), "finished_at": _iso(report.finished_at)}


def export_filename(system: AISystem, suffix: str = "system.json") -> str:
    return f"{system.slug or 'system'}-{timezone.localdate():%Y%m%d}.{suffix}"
