"""A token acts for a member: removal, a lower role or a deactivated account take effect at once."""

import pytest
from rest_framework.test import APIClient

from threatmodel import services
from threatmodel.models import ApiToken, Membership, Role

from ..factories import make_system, member

pytestmark = pytest.mark.django_db

READ_PATHS = ["/api/v1/systems/", "/api/v1/risks/", "/api/v1/audit-events/", "/api/v1/reports/"]


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def member_token(team, owner, contributor):
    make_system(team)
    return services.api_token_create(actor=owner, team=team, user=contributor, name="sync",
                                     scopes=["read", "write"])


def test_removed_member_token_reads_nothing(team, owner, contributor, member_token):
    token, raw = member_token
    system = team.systems.first()
    assert bearer(raw).get("/api/v1/systems/").status_code == 200
    services.membership_remove(actor=owner, team=team, user=contributor)
    client = bearer(raw)
    for path in [*READ_PATHS, f"/api/v1/systems/{system.pk}/export/", f"/api/v1/systems/{system.pk}/privacy/"]:
        assert client.get(path).status_code == 401, path
    token.refresh_from_db()
    assert token.revoked_at is not None  # revoked for good, not only while absent


def test_membership_deleted_elsewhere_is_checked_at_authentication(team, contributor, member_token):
    _, raw = member_token
    Membership.objects.filter(team=team, user=contributor).delete()  # e.g. through the admin
    assert bearer(raw).get("/api/v1/systems/").status_code == 401


def test_lowered_role_narrows_the_token_to_read(team, owner, contributor, member_token):
    _, raw = member_token
    services.membership_set(actor=owner, team=team, user=contributor, role=Role.VIEWER)
    client = bearer(raw)
    assert client.get("/api/v1/systems/").status_code == 200
    response = client.post("/api/v1/systems/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert "write" in response.json()["detail"]


def test_deactivated_user_token_is_refused(contributor, member_token):
    _, raw = member_token
    contributor.is_active = False
    contributor.save()
    assert bearer(raw).get("/api/v1/systems/").status_code == 401


def test_settings_page_shows_each_token_state(client, team, owner, contributor, viewer, member_token):
    services.api_token_create(actor=owner, team=team, user=viewer, name="viewer-token", scopes=["read", "write"])
    third = member(team, Role.CONTRIBUTOR)
    services.api_token_create(actor=owner, team=team, user=third, name="gone", scopes=["read"])
    services.membership_remove(actor=owner, team=team, user=third)
    client.force_login(owner)
    html = client.get(f"/teams/{team.slug}/settings/").content.decode()
    assert "narrowed to read (viewer role)" in html
    assert "revoked" in html
    assert ApiToken.objects.get(name="gone").revoked_at is not None
