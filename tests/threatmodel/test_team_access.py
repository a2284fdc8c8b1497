"""Who gets into a team: creation can be limited to staff; membership only by an accepted invitation."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from threatmodel import services
from threatmodel.models import Team

pytestmark = pytest.mark.django_db


def test_team_creation_can_be_limited_to_staff(settings, client, django_user_model):
    settings.TEAM_CREATION_STAFF_ONLY = True
    user = django_user_model.objects.create_user("plain", password="x-long-enough-1")
    with pytest.raises(PermissionDenied):
        services.team_create(actor=user, name="Mine")
    client.force_login(user)
    assert client.get(reverse("team_create")).status_code == 403
    assert client.post(reverse("team_create"), {"name": "Mine"}).status_code == 403
    assert b"New team" not in client.get(reverse("dashboard")).content
    staff = django_user_model.objects.create_user("ops", password="x-long-enough-1", is_staff=True)
    assert services.team_create(actor=staff, name="Ops").pk
    settings.TEAM_CREATION_STAFF_ONLY = False
    assert services.team_create(actor=user, name="Mine").pk
    assert Team.objects.filter(name="Mine").exists()
