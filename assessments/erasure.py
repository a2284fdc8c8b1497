"""Erasing one of our own users (right to erasure), keeping the audit chain valid.

- Systems, risks and mitigations they own are reassigned to another owner of the same team (or, if the
  team has none, another member), each through its service, so every change is audited; one
  `user.erased` event per team records the note.
- Their memberships and API tokens go; the account stays as a disabled pseudonymous row
  (`erased-<id>`, no name, no email, no usable password) so foreign keys and the audit trail's
  pseudonymous actor label (`user-<id>`) keep pointing somewhere that says nothing about the person.
- Audit events are never rewritten: they only ever held the pseudonymous label, so every hash stays valid.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from threatmodel import services as model_services
from threatmodel.audit import audit_record
from threatmodel.models import AISystem, ApiToken, Membership, Role

from . import services
from .models import Mitigation, Risk


def _successor(team, user):
    members = Membership.objects.filter(team=team).exclude(user=user).select_related("user")
    ranked = sorted(members, key=lambda m: (-Role.rank(m.role), m.created_at))
    return ranked[0].user if ranked else None


def user_erase(*, actor, user) -> dict:
    """Erase `user`'s personal data; returns counts of what was reassigned."""
    counts = {"systems": 0, "risks": 0, "mitigations": 0, "teams": 0}
    with transaction.atomic():
        for membership in Membership.objects.filter(user=user).select_related("team"):
            team = membership.team
            successor = _successor(team, user)
            if successor is not None:
                for system in AISystem.objects.filter(team=team, owner=user):
                    model_services.system_update(actor=None, system=system, owner=successor)
                    counts["systems"] += 1
                for risk in Risk.objects.filter(system__team=team, owner=user):
                    services.risk_update(actor=None, risk=risk, owner=successor)
                    counts["risks"] += 1
                for mitigation in Mitigation.objects.filter(system__team=team, owner=user):
                    services.mitigation_update(actor=None, mitigation=mitigation, owner=successor)
                    counts["mitigations"] += 1
            heir = f"user-{successor.pk}" if successor else "nobody"
            audit_record(team=team, actor=actor, action="user.erased", object_type="user", object_id=str(user.pk),
                         object_repr=f"user-{user.pk}",
                         changes={"note": [None, f"personal data erased; owned items reassigned to {heir}"]})
            counts["teams"] += 1
        Membership.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user).delete()
        User = get_user_model()
        User.objects.filter(pk=user.pk).update(
            username=f"erased-{user.pk}", first_name="", last_name="", email="", is_active=False,
            is_staff=False, is_superuser=False)
        user.refresh_from_db()
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return counts
