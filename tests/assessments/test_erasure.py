import pytest
from django.core.management import call_command

from assessments import services
from assessments.models import Mitigation, Risk
from threatmodel import services as model_services
from threatmodel.audit import audit_verify
from threatmodel.models import ApiToken, AuditEvent, Membership, Role

from ..factories import make_system, member

pytestmark = pytest.mark.django_db


def test_erasing_a_user_reassigns_their_items_and_keeps_the_chain(team, owner):
    leaver = member(team, Role.CONTRIBUTOR, first_name="Ada", last_name="Lovelace")
    system = make_system(team, owner, owner=leaver)
    risk = services.risk_create(actor=leaver, system=system, title="Leaky logs", owner=leaver)
    mitigation = services.mitigation_create(actor=leaver, system=system, title="Redact logs", owner=leaver,
                                            risks=[risk])
    model_services.api_token_create(actor=owner, team=team, user=leaver, name="t", scopes=["read"])
    call_command("erase_user", leaver.username)
    leaver.refresh_from_db()
    assert leaver.username == f"erased-{leaver.pk}" and not leaver.email and not leaver.first_name
    assert not leaver.is_active and not leaver.has_usable_password()
    assert not Membership.objects.filter(user=leaver).exists() and not ApiToken.objects.filter(user=leaver).exists()
    system.refresh_from_db()
    assert system.owner == owner
    assert Risk.objects.get(pk=risk.pk).owner == owner
    assert Mitigation.objects.get(pk=mitigation.pk).owner == owner
    assert AuditEvent.objects.filter(team=team, action="user.erased").exists()
    assert "Ada" not in str(list(AuditEvent.objects.values_list("changes", "object_repr", "actor_label")))
    assert audit_verify(team=team).ok
