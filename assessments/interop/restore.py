"""What a restore writes besides what the services create: the state no service sets on purpose.

A system export records decisions taken over time (an acceptance with its approver and date, a risk
the engine flagged stale, sign-offs, report runs). Replaying them through the services is impossible
by design (an acceptance needs a future review date and an approver other than the owner; a sign-off
records the register hash of its moment), so a restore writes them as they were, inside the import's
transaction, and records one audit event per object (``risk.restored``, ``review.restored``...) with
the values it set. Everything else went through the services in ``apply``.
"""

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime

from threatmodel.audit import audit_record, diff
from threatmodel.services.common import bump

from .. import services
from ..fields import MITIGATION_EXPORTED, RISK_EXPORTED
from ..models import ExternalRef, Mitigation, Report, Review, Risk
from ..resuggest import resuggest_system
from ..services.mitigations import mitigation_snapshot
from ..services.risks import risk_snapshot
from .errors import ImportProblem, problem_from
from .export import privacy_model
from .plan import Note, RefSpec


def suggest_now(system) -> None:
    """Run the engine inside the import, so the exported decisions land on the suggestions they were taken on."""
    resuggest_system(system.pk)


def _when(value, path: str):
    if not value:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ImportProblem(path, f"'{str(value)[:40]}' is not an ISO 8601 date and time")
    return parsed


def _day(value, path: str):
    if not value:
        return None
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise ImportProblem(path, f"'{str(value)[:40]}' is not a date (YYYY-MM-DD)")
    return parsed


def create_template_risk(applier, spec, template, component) -> Risk:
    """A catalog threat the engine did not suggest here (stale in the source, or another catalog release)."""
    risk = Risk(system=applier.system, template=template, component=component, title=spec.title,
                description=spec.description, status=spec.status, likelihood=spec.likelihood, impact=spec.impact,
                residual_likelihood=spec.likelihood, residual_impact=spec.impact)
    risk.full_clean(exclude=["custom_mappings"])
    risk.save()
    audit_record(team=applier.team, actor=applier.actor, action="risk.restored", obj=risk,
                 changes=diff({}, risk_snapshot(risk)))
    return risk


def _as_is(obj, exact: dict, keep=()) -> None:
    """Write back the declared columns (assessments/fields.py) that the services did not set."""
    names = RISK_EXPORTED if isinstance(obj, Risk) else MITIGATION_EXPORTED
    for name in names:
        if name in exact and name not in keep:
            setattr(obj, name, exact[name])


def restore_extras(applier, updating: bool) -> None:
    for spec in applier.plan.risks:
        _risk_exact(applier, spec)
    for spec in applier.plan.mitigations:
        _mitigation_exact(applier, spec)
    for spec in applier.plan.refs:
        external_ref(applier, spec)
    if "privacy" in applier.plan.extras:
        _privacy(applier, *applier.plan.extras["privacy"])
    if not updating:  # history is appended once, when the system is restored
        for path, review in applier.plan.extras.get("reviews", []):
            _review(applier, path, review)
        for path, report in applier.plan.extras.get("reports", []):
            _report(applier, path, report)


def _risk_exact(applier, spec) -> None:
    exact, actor = spec.exact or {}, applier.actor
    risk = Risk.objects.select_related("system__team", "template", "owner", "accepted_by").get(
        pk=applier.risks[spec.source_id].pk)
    residual = exact.get("residual") or {}
    try:
        if residual.get("overridden") and residual.get("likelihood") and residual.get("impact"):
            risk = services.risk_set_residual(actor=actor, risk=risk, override=True, likelihood=residual["likelihood"],
                                              impact=residual["impact"],
                                              reason=residual.get("reason") or "Restored from a system export.")
        elif risk.residual_overridden and not residual.get("overridden"):
            risk = services.risk_set_residual(actor=actor, risk=risk, override=False)
    except ValidationError as exc:
        raise ImportProblem(spec.path + ".residual", "; ".join(exc.messages)) from None
    risk = Risk.objects.select_related("system__team", "template", "owner", "accepted_by").get(pk=risk.pk)
    before = {**risk_snapshot(risk), "acted": risk.acted_at is not None}
    risk.status, risk.status_reason = spec.status, spec.status_reason
    _as_is(risk, exact, keep=("why", "fingerprint"))  # stale, stale_reason and any column no service sets
    if not risk.fingerprint:
        # The engine did not match it here (stale in the source): keep the source's reasons. A risk the engine
        # matched keeps the engine's: its fingerprint hashes this system's component ids, and a dismissed risk
        # whose fingerprint changes would be suggested again.
        risk.why, risk.fingerprint = exact.get("why", []), exact.get("fingerprint", "")
    acceptance = exact.get("acceptance")
    if acceptance:
        risk.treatment = "accept"
        risk.accepted_by = applier.prepared.user(acceptance.get("accepted_by") or "")
        risk.accepted_at = _when(acceptance.get("accepted_at"), spec.path + ".acceptance.accepted_at")
        risk.acceptance_review_date = _day(acceptance.get("review_date"), spec.path + ".acceptance.review_date")
        risk.acceptance_reason = acceptance.get("reason") or ""
    elif risk.treatment == "accept" or spec.treatment != risk.treatment:
        risk.treatment = spec.treatment if spec.treatment != "accept" else ""
        risk.accepted_by, risk.accepted_at, risk.acceptance_review_date, risk.acceptance_reason = None, None, None, ""
    if exact.get("acted", True):
        risk.acted_at = risk.acted_at or risk.updated_at
    else:
        risk.acted_at = None
    after = {**risk_snapshot(risk), "acted": risk.acted_at is not None}
    changed = diff(before, after)
    if not changed:
        return
    try:
        risk.full_clean(exclude=["template", "custom_mappings", "system", "component", "owner", "accepted_by"])
    except ValidationError as exc:
        raise ImportProblem(spec.path, "; ".join(exc.messages)) from None
    bump(risk)
    risk.save()
    audit_record(team=applier.team, actor=actor, action="risk.restored", obj=risk, changes=changed)


def _mitigation_exact(applier, spec) -> None:
    mitigation = Mitigation.objects.select_related("control", "owner").get(pk=applier.mitigations[spec.source_id].pk)
    before = mitigation_snapshot(mitigation)
    mitigation.status, mitigation.status_reason = spec.status, spec.status_reason
    _as_is(mitigation, spec.exact or {})
    changed = diff(before, mitigation_snapshot(mitigation))
    if not changed:
        return
    bump(mitigation)
    mitigation.save()
    audit_record(team=applier.team, actor=applier.actor, action="mitigation.restored", obj=mitigation,
                 changes=changed)


def external_ref(applier, spec: RefSpec) -> None:
    target = (applier.risks if spec.target_type == "risk" else applier.mitigations).get(spec.target)
    if target is None:
        applier.result.notes.append(Note(spec.path, f"ticket {spec.tracker}:{spec.external_id} belongs to a "
                                                    f"{spec.target_type} that is not in the file: left out"))
        return
    taken = ExternalRef.objects.filter(team=applier.team, tracker=spec.tracker.lower(),
                                       external_id=spec.external_id).first()
    if taken is not None and taken.target.pk != target.pk:
        applier.result.notes.append(Note(spec.path, f"ticket {spec.tracker}:{spec.external_id} is already linked to "
                                                    "another item of this team: left out"))
        return
    try:
        services.external_ref_set(actor=applier.actor, target=target, tracker=spec.tracker,
                                  external_id=spec.external_id, key=spec.key, url=spec.url,
                                  remote_status=spec.remote_status, remote_updated_at=spec.remote_updated_at)
    except ValidationError as exc:
        raise problem_from(exc, spec.path) from None


def _privacy(applier, path: str, data: dict) -> None:
    model = privacy_model()
    if model is None:  # pragma: no cover - an installation without the privacy module
        applier.result.notes.append(Note(path, "this installation has no privacy assessment: left out"))
        return
    from ..privacy.schema import FIELDS
    from ..privacy.services import privacy_assessment_save

    values = {name: data[name] for name in FIELDS if name in data}
    try:
        assessment = privacy_assessment_save(actor=applier.actor, system=applier.system, values=values)
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise ImportProblem(f"{path}.{field_name}", messages[0]) from None
    before = _privacy_state(assessment)
    assessment.provenance = data.get("provenance") or {}
    assessment.dpia_result = data.get("dpia_result") or assessment.dpia_result
    assessment.dpia_criteria_met = data.get("dpia_criteria_met") or 0
    sign_off = data.get("sign_off")
    if sign_off:
        assessment.signed_off_by = applier.prepared.user(sign_off.get("by") or "")
        assessment.signed_off_label = sign_off.get("label") or ""
        assessment.signed_off_at = _when(sign_off.get("at"), f"{path}.sign_off.at")
        assessment.sign_off_comment = sign_off.get("comment") or ""
    changed = diff(before, _privacy_state(assessment))
    if not changed and not sign_off:
        return
    assessment.version += 1
    if sign_off:
        # "current": the sign-off covers the assessment as it stands; otherwise an earlier version.
        assessment.signed_off_version = assessment.version if sign_off.get("current") else assessment.version - 1
        changed = diff(before, _privacy_state(assessment))
    try:
        assessment.full_clean(exclude=["system", "signed_off_by"])
    except ValidationError as exc:
        raise ImportProblem(path, "; ".join(exc.messages)) from None
    assessment.save()
    audit_record(team=applier.team, actor=applier.actor, action="privacy.restored", obj=assessment, changes=changed)


def _privacy_state(assessment) -> dict:
    return {"provenance": assessment.provenance, "dpia_result": assessment.dpia_result,
            "dpia_criteria_met": assessment.dpia_criteria_met,
            "signed_off_by": assessment.signed_off_by.get_username() if assessment.signed_off_by else None,
            "signed_off_label": assessment.signed_off_label, "signed_off_at": assessment.signed_off_at,
            "signed_off_version": assessment.signed_off_version, "sign_off_comment": assessment.sign_off_comment}


def _review(applier, path: str, data: dict) -> None:
    review = Review(system=applier.system, round=data["round"], role=data["role"], decision=data["decision"],
                    user=applier.prepared.user(data.get("user") or ""), user_label=data["user_label"],
                    comment=data["comment"], catalog_version=data["catalog_version"],
                    catalog_checksum=data["catalog_checksum"], register_hash=data["register_hash"],
                    register_summary=data["register_summary"])
    try:
        review.full_clean(exclude=["system", "user", "catalog_release"])
    except ValidationError as exc:
        raise ImportProblem(path, "; ".join(exc.messages)) from None
    review.save()
    created_at = _when(data.get("created_at"), f"{path}.created_at")
    if created_at:
        Review.objects.filter(pk=review.pk).update(created_at=created_at)
    audit_record(team=applier.team, actor=applier.actor, action="review.restored", obj=review, changes={
        "round": [None, review.round], "role": [None, review.role], "decision": [None, review.decision],
        "user_label": [None, review.user_label], "register_hash": [None, review.register_hash],
        "created_at": [None, data.get("created_at")]})


REPORT_FIELDS = ("kind", "status", "progress", "stage", "error", "sha256", "content_sha256", "size", "pages",
                 "pdf_variant", "catalog_version", "requested_by_label")


def _report(applier, path: str, data: dict) -> None:
    report = Report(system=applier.system, requested_by=applier.prepared.user(data.get("requested_by") or ""),
                    **{name: data[name] for name in REPORT_FIELDS})
    try:
        report.full_clean(exclude=["system", "requested_by", "catalog_release", "file"])
    except ValidationError as exc:
        raise ImportProblem(path, "; ".join(exc.messages)) from None
    report.save()
    dates = {name: _when(data.get(name), f"{path}.{name}") for name in ("created_at", "started_at", "finished_at")}
    Report.objects.filter(pk=report.pk).update(**{k: v for k, v in dates.items() if v or k != "created_at"})
    audit_record(team=applier.team, actor=applier.actor, action="report.restored", obj=report, changes={
        "kind": [None, report.kind], "status": [None, report.status], "sha256": [None, report.sha256],
        "created_at": [None, data.get("created_at")]})
