"""What a ticket's state asks of its mitigation, and the one rule for conflicts (docs/api.md#connectors).

ticket (Jira / GitHub)                                         -> mitigation
done, resolution Done or another / closed as `completed`        -> implemented (verified stays verified)
done as Won't Do, Won't Fix, Declined, Duplicate, Cannot Reproduce
  / closed as `not_planned` or `duplicate`                      -> rejected, the reason recorded
reopened: Jira leaves done / GitHub `state_reason: reopened`    -> in_progress
in progress (Jira status category `indeterminate`)             -> in_progress
to do / open (never closed)                                    -> unchanged
deleted on the other side                                      -> unchanged; the link is marked missing

Conflict rule: when both sides changed since the last pull (our status is no longer the one we had
when we last agreed, and the ticket's state moved too), **our side wins**: the register is where the
team decides, so the ticket gets a comment with our status and the mitigation's history records a
`connector.conflict` event with both values. A change on one side only is simply followed.
"""

from ..models import MITIGATION_TRANSITIONS, MitigationStatus
from ..services.sync import transition_path

NOT_DONE_RESOLUTIONS = frozenset({"won't do", "won't fix", "wont do", "wont fix", "declined", "duplicate",
                                  "cannot reproduce", "not_planned", "not planned"})


def remote_changed(ref, ticket) -> bool:
    return (ref.remote_status, ref.remote_resolution) != (ticket.state, ticket.resolution)


def wanted_status(ticket, *, previous_state: str, current: str) -> tuple[str | None, str]:
    """(the status the ticket asks for, the reason to record) or (None, "") when it asks for nothing."""
    where = f"{ticket.key}"
    if ticket.done:
        if ticket.resolution.strip().lower() in NOT_DONE_RESOLUTIONS:
            label = ticket.resolution.replace("_", " ")
            return MitigationStatus.REJECTED, f"Ticket {where} was closed as {label}."
        if current == MitigationStatus.VERIFIED:
            return None, ""
        return MitigationStatus.IMPLEMENTED, ""
    reopened = previous_state in ("done", "closed") or ticket.resolution == "reopened"
    if reopened or ticket.state == "indeterminate":
        return MitigationStatus.IN_PROGRESS, ""
    return None, ""


def steps_to(current: str, target: str) -> list[str]:
    """The walk through the status graph to `target`; to rejected, the shortest walk to a status
    that may reject, then rejected."""
    if current == target:
        return []
    if target != MitigationStatus.REJECTED:
        return transition_path(current, target)
    if MitigationStatus.REJECTED in MITIGATION_TRANSITIONS.get(current, ()):
        return [MitigationStatus.REJECTED]
    return [*transition_path(current, MitigationStatus.IN_PROGRESS), MitigationStatus.REJECTED]
