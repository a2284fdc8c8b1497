"""Tickets for mitigations (and, when the connector allows it, accepted risks), and pulling their state.

Creating is idempotent on our side and on theirs: the mitigation's row is locked while the ticket is
made, an existing link is returned as it is, and every ticket carries a label naming its object
(`threat-register-mitigation-12`), so a create whose answer was lost (a network failure after the
tracker made the ticket) finds that ticket on the retry instead of making a second one.

Pulling applies assessments.connectors.mapping: each ticket in its own transaction, so a failure in
the middle keeps what was applied and the next pull (or the task's retry) does the rest.
"""

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from threatmodel.audit import audit_record
from threatmodel.models import Role
from threatmodel.services.common import require_role

from ..models import Connector, ExternalRef, Mitigation, Risk, Treatment
from ..notifications import absolute
from ..services.mitigations import mitigation_transition
from . import comments, http, mapping
from .clients import RemoteTicket, client_for
from .services import connector_record_failure, connector_record_success, connector_token


def marker_label(target) -> str:
    return f"threat-register-{'risk' if isinstance(target, Risk) else 'mitigation'}-{target.pk}"


def _link(target) -> str:
    name = "risk_detail" if isinstance(target, Risk) else "mitigation_detail"
    return absolute(reverse(name, args=[target.pk]))


def _describe(target) -> str:
    kind = "Risk (accepted)" if isinstance(target, Risk) else "Mitigation"
    text = f"{kind} of {target.system.name}: {target.title}."
    if target.description:
        text += f"\n\n{target.description[:4000]}"
    return text


def open_ref(connector: Connector, target) -> ExternalRef | None:
    field_name = "risk" if isinstance(target, Risk) else "mitigation"
    return (ExternalRef.objects.filter(connector=connector, missing_at__isnull=True, **{field_name: target})
            .order_by("id").first())


def ticket_create(*, actor, connector: Connector, target: Mitigation | Risk) -> tuple[ExternalRef, bool]:
    """The ticket of `target` in `connector`'s tracker: (reference, created). Repeating returns the same one."""
    team = target.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    if connector.team_id != team.pk:
        raise ValidationError({"connector": "Not a connector of this object's team."})
    if not connector.active:
        raise ValidationError({"connector": "This connector is paused."})
    if isinstance(target, Risk):
        if not connector.sync_accepted_risks:
            raise ValidationError({"connector": "This connector makes tickets for mitigations only "
                                                "(turn on sync_accepted_risks for accepted risks)."})
        if target.treatment != Treatment.ACCEPT:
            raise ValidationError({"risk": "Only an accepted risk becomes a ticket."})
    try:
        with transaction.atomic():
            target = type(target).objects.select_for_update(of=("self",)).select_related("system__team").get(
                pk=target.pk)
            existing = open_ref(connector, target)
            if existing is not None:
                return existing, False
            client = client_for(connector, connector_token(connector))
            label = marker_label(target)
            ticket = client.find(label) or client.create(title=target.title, text=_describe(target),
                                                         link=_link(target), labels=["ai-threat-register", label])
            ref = _save_ref(connector, target, ticket)
            audit_record(team=team, actor=actor, action="ticket.created", obj=target,
                         changes={"ticket": [None, f"{connector.kind}:{ticket.key}"], "url": [None, ticket.url]})
    except http.RemoteError as exc:
        connector_record_failure(connector_id=connector.pk, error=exc)
        raise
    connector_record_success(connector_id=connector.pk, rate_limited_for=client.rate_limited_for)
    return ref, True


def _save_ref(connector, target, ticket: RemoteTicket) -> ExternalRef:
    field_name = "risk" if isinstance(target, Risk) else "mitigation"
    ref, _ = ExternalRef.objects.update_or_create(
        team=connector.team, tracker=connector.kind, external_id=ticket.external_id,
        defaults={field_name: target, "key": ticket.key, "url": ticket.url[:500], "connector": connector,
                  "remote_status": ticket.state, "remote_resolution": ticket.resolution[:100],
                  "remote_updated_at": ticket.updated_at, "synced_status": target.status, "missing_at": None})
    return ref


# --- pulling -----------------------------------------------------------------------------------------

def ticket_apply_remote(*, ref_id: int, ticket: RemoteTicket) -> str:
    """Bring one reference (and its mitigation) in step with the ticket: "unchanged", "applied" or "conflict"."""
    with transaction.atomic():
        ref = (ExternalRef.objects.select_for_update(of=("self",)).select_related("connector", "team")
               .filter(pk=ref_id).first())
        if ref is None:
            return "unchanged"
        target = ref.target
        moved = mapping.remote_changed(ref, ticket)
        previous_state, previous_resolution = ref.remote_status, ref.remote_resolution
        ref.remote_status, ref.remote_resolution = ticket.state, ticket.resolution[:100]
        ref.remote_updated_at, ref.missing_at = ticket.updated_at, None
        if ticket.url:
            ref.url = ticket.url[:500]
        outcome = "unchanged"
        if moved and ref.mitigation_id:
            outcome = _follow(ref, target, ticket, previous_state, previous_resolution)
        if moved and ref.risk_id:
            audit_record(team=ref.team, actor=None, action="ticket.changed", obj=target, changes={
                "ticket": ref.key, "remote_status": [previous_state, ticket.state]})
        if ref.mitigation_id:
            ref.synced_status = Mitigation.objects.values_list("status", flat=True).get(pk=ref.mitigation_id)
        ref.save()
    return outcome


def _follow(ref: ExternalRef, mitigation: Mitigation, ticket: RemoteTicket, previous_state: str,
            previous_resolution: str) -> str:
    mitigation = Mitigation.objects.select_for_update(of=("self",)).select_related("system__team").get(
        pk=mitigation.pk)
    wanted, reason = mapping.wanted_status(ticket, previous_state=previous_state, current=mitigation.status)
    seen = {"ticket": f"{ref.tracker}:{ref.key}", "remote_status": [previous_state, ticket.state],
            "remote_resolution": [previous_resolution, ticket.resolution]}
    local_moved = bool(ref.synced_status) and mitigation.status != ref.synced_status
    if wanted is not None and wanted != mitigation.status and local_moved:
        audit_record(team=ref.team, actor=None, action="connector.conflict", obj=mitigation, changes={
            **seen, "status": [ref.synced_status, mitigation.status], "ticket_asks": wanted,
            "rule": "both sides changed since the last pull: ours wins, the ticket is told"})
        comments.queue_comment(ref.pk, f"AI Threat Register keeps this mitigation {mitigation.status}: it was "
                                        f"changed here too since the ticket was last read.")
        return "conflict"
    audit_record(team=ref.team, actor=None, action="ticket.changed", obj=mitigation,
                 changes={**seen, "status_asked": wanted})
    if wanted is None or wanted == mitigation.status:
        return "unchanged"
    with comments.quiet():
        for step in mapping.steps_to(mitigation.status, wanted):
            mitigation = mitigation_transition(actor=None, mitigation=mitigation, status=step,
                                               reason=reason if step == wanted else "")
    return "applied"


def ticket_mark_missing(*, ref_id: int) -> None:
    """The ticket was deleted on the other side: keep the link as a record, marked missing; the
    mitigation keeps its status (a deleted ticket says nothing about the work). A new ticket can be made."""
    with transaction.atomic():
        ref = ExternalRef.objects.select_for_update(of=("self",)).select_related("team").filter(
            pk=ref_id, missing_at__isnull=True).first()
        if ref is None:
            return
        ref.missing_at = timezone.now()
        ref.save(update_fields=["missing_at", "updated_at"])
        audit_record(team=ref.team, actor=None, action="ticket.missing", obj=ref.target,
                     changes={"ticket": f"{ref.tracker}:{ref.key}", "missing": [False, True]})


@dataclass
class SyncResult:
    checked: int = 0
    applied: int = 0
    conflicts: int = 0
    missing: int = 0
    rate_limited_for: float | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def connector_sync(*, connector_id: int, only_ref_ids=None) -> SyncResult:
    """Pull every linked ticket's state now. Stops at a rate limit (recording until when) and raises on a
    refused token or an unreachable tracker after recording it; what was applied before stays applied."""
    result = SyncResult()
    connector = Connector.objects.select_related("team").filter(pk=connector_id, active=True).first()
    if connector is None:
        return result
    now = timezone.now()
    if connector.rate_limited_until and connector.rate_limited_until > now:
        result.rate_limited_for = (connector.rate_limited_until - now).total_seconds()
        return result
    refs = ExternalRef.objects.filter(connector=connector, missing_at__isnull=True).order_by("id")
    if only_ref_ids is not None:
        refs = refs.filter(pk__in=only_ref_ids)
    try:
        client = client_for(connector, connector_token(connector))
        for ref in refs.only("id", "key"):
            try:
                ticket = client.get(ref.key)
            except http.TicketGone:
                ticket_mark_missing(ref_id=ref.pk)
                result.missing += 1
            else:
                outcome = ticket_apply_remote(ref_id=ref.pk, ticket=ticket)
                result.applied += outcome == "applied"
                result.conflicts += outcome == "conflict"
            result.checked += 1
            if client.rate_limited_for is not None:
                break
    except http.RateLimited as exc:
        connector_record_failure(connector_id=connector.pk, error=exc)
        result.rate_limited_for = exc.wait_seconds
        return result
    except http.RemoteError as exc:
        connector_record_failure(connector_id=connector.pk, error=exc)
        raise
    result.rate_limited_for = client.rate_limited_for
    connector_record_success(connector_id=connector.pk, rate_limited_for=client.rate_limited_for, synced=True)
    return result
