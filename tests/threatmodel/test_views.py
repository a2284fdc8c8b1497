"""Pages: login, dashboard, and tenant isolation (another team's objects are 404 everywhere)."""

import pytest
from django.urls import reverse

from threatmodel.models import AISystem, Role

from ..factories import make_component, make_flow, make_system, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def model(team, owner):
    system = make_system(team, owner, name="Team A system")
    a = make_component(system, "input", name="Chat", actor=owner)
    b = make_component(system, "model", name="LLM", actor=owner)
    flow = make_flow(system, a, b, actor=owner)
    return system, a, flow


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"Log in" in page.content


def test_login_reaches_the_dashboard(client, owner, password, model):
    response = client.post(reverse("login"), {"username": owner.username, "password": password}, follow=True)
    assert response.status_code == 200
    assert b"Team A system" in response.content


def test_member_of_other_team_gets_404_and_sees_nothing(login, outsider, model):
    system, component, flow = model
    client = login(outsider)
    for url in [
        reverse("system_detail", args=[system.pk]),
        reverse("system_edit", args=[system.pk]),
        reverse("component_create", args=[system.pk]),
        reverse("component_edit", args=[component.pk]),
        reverse("flow_create", args=[system.pk]),
        reverse("flow_edit", args=[flow.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("component_delete", args=[component.pk])).status_code == 404
    assert client.post(reverse("flow_delete", args=[flow.pk])).status_code == 404
    dashboard = client.get(reverse("dashboard"))
    assert b"Team A system" not in dashboard.content


def test_viewer_can_read_but_not_edit(login, team, viewer, model):
    system, component, flow = model
    client = login(viewer)
    assert client.get(reverse("system_detail", args=[system.pk])).status_code == 200
    assert client.get(reverse("system_edit", args=[system.pk])).status_code == 403
    response = client.post(reverse("system_edit", args=[system.pk]), {"name": "Hijacked", "version": 1,
                                                                       "lifecycle_stage": "design"})
    assert response.status_code == 403
    assert client.post(reverse("component_delete", args=[component.pk])).status_code == 403
    system.refresh_from_db()
    assert system.name == "Team A system"


def test_create_system_with_questionnaire(login, team, contributor):
    client = login(contributor)
    response = client.post(reverse("system_create") + f"?team={team.slug}", {
        "name": "Fraud scoring", "lifecycle_stage": "production", "q_internet_facing": "no",
        "q_users": ["employees"], "q_sector": "finance",
    })
    assert response.status_code == 302
    system = AISystem.objects.get(name="Fraud scoring")
    assert system.answers == {"internet_facing": False, "users": ["employees"], "sector": "finance"}


def test_form_errors_name_the_field_and_nothing_is_written(login, team, contributor):
    client = login(contributor)
    response = client.post(reverse("system_create"), {"name": "", "lifecycle_stage": "design",
                                                      "q_sector": "space"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors and "q_sector" in response.context["form"].errors
    assert not AISystem.objects.exists()


def test_stale_edit_is_refused_and_input_kept(login, team, contributor, model):
    system, _, _ = model
    other = member(team, Role.CONTRIBUTOR)
    from threatmodel import services

    services.system_update(actor=other, system=system, expected_version=system.version, name="Renamed by other")
    client = login(contributor)
    response = client.post(reverse("system_edit", args=[system.pk]), {
        "name": "My edit", "lifecycle_stage": "design", "version": 1})
    assert response.status_code == 200
    assert "changed by someone else" in str(response.context["form"].non_field_errors())
    assert response.context["form"]["name"].value() == "My edit"
    system.refresh_from_db()
    assert system.name == "Renamed by other"
    # re-applying with the version now in the form succeeds
    response = client.post(reverse("system_edit", args=[system.pk]), {
        "name": "My edit", "lifecycle_stage": "design", "version": system.version})
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.name == "My edit"


def test_component_and_flow_pages(login, team, contributor, model):
    system, component, flow = model
    client = login(contributor)
    response = client.post(reverse("component_create", args=[system.pk]) + "?kind=output", {
        "kind": "output", "name": "Answer", "q_consumer": ["web_page"], "q_human_review": "no"})
    assert response.status_code == 302
    out = system.components.get(name="Answer")
    assert out.answers == {"consumer": ["web_page"], "human_review": False}
    response = client.post(reverse("flow_create", args=[system.pk]), {
        "source": component.pk, "target": out.pk, "label": "x", "q_personal_data": "yes"})
    assert response.status_code == 302
    page = client.get(reverse("system_detail", args=[system.pk]))
    assert b"Answer" in page.content and b"Chat" in page.content


def test_team_settings_owner_manages_members_and_tokens(login, team, owner, contributor):
    from threatmodel.models import ApiToken

    client = login(owner)
    url = reverse("team_settings", args=[team.slug])
    assert client.get(url).status_code == 200
    newbie = member(team, Role.VIEWER)
    response = client.post(url, {"invite": "1", "m-email": "not-an-address", "m-role": "viewer"})
    assert "email" in response.context["member_form"].errors
    response = client.post(reverse("team_member_role", args=[team.slug, newbie.pk]), {"role": "contributor"})
    assert response.status_code == 302
    response = client.post(url, {"create_token": "1", "t-name": "Jira sync", "t-scopes": ["read", "write"]})
    raw = response.context["new_token"]
    assert raw.startswith("tmk_") and raw.encode() in response.content
    # shown once: the next page load does not contain it
    assert raw.encode() not in client.get(url).content
    token = ApiToken.objects.get(name="Jira sync")
    client.post(reverse("team_token_revoke", args=[team.slug, token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_team_settings_forbidden_to_non_owners_and_hidden_from_outsiders(login, team, contributor, outsider):
    url = reverse("team_settings", args=[team.slug])
    client = login(contributor)
    assert client.get(url).status_code == 200  # members may see who is in the team
    assert client.post(url, {"create_token": "1", "t-name": "x", "t-scopes": ["read"]}).status_code == 403
    assert login(outsider).get(url).status_code == 404
