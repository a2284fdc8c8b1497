"""Writes made by ticket-sync clients: a risk's or mitigation's external references as one list, and
the documented rule that moves a mitigation to follow its ticket's status category.

Replacing the references is a write on the object: it needs the object's version (If-Match), bumps
`version` and `updated_at` (so ETags and delta sync see it) and records one audit event, but changes
none of the object's own fields: a ticket moving to "In Review" never edits a mitigation by itself.
`mitigation_follow_remote` is the separate, explicit step that applies the status rule. Both are
single-purpose entries of `risk_apply` / `mitigation_apply`, which a client's whole PATCH goes through.
"""

from ..models import Mitigation, Risk
from .mitigations import _apply as _mitigation_apply
from .remote import least_done, remote_category, status_for_remote, transition_path
from .risks import _apply as _risk_apply


def mitigation_follow_remote(*, actor, mitigation: Mitigation, expected_version: int | None = None) -> Mitigation:
    """Move the mitigation to the status its tickets' category asks for (the least done ticket wins).
    Nothing happens when no ticket has a known category or the rule asks for the current status."""
    return _mitigation_apply(actor, mitigation, {"follow_remote": True}, expected_version,
                             action="mitigation.transitioned")


def external_refs_replace(*, actor, target: Risk | Mitigation, refs, expected_version: int | None = None):
    """Make the object's external references exactly `refs` (upsert by tracker + external_id, remove the
    rest). A reference of the same team already on another object is a Conflict naming the field."""
    apply = _risk_apply if isinstance(target, Risk) else _mitigation_apply
    return apply(actor, target, {"external_refs": refs}, expected_version, action="external_ref.replaced")


__all__ = ["external_refs_replace", "least_done", "mitigation_follow_remote", "remote_category",
           "status_for_remote", "transition_path"]
