"""Comments on risks and mitigations: one service (mentions, audit, webhook, mail), the pages and the API."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Comment, Risk
from assessments.services.comments import mentioned_names
from threatmodel.models import AuditEvent, Role, Webhook, WebhookDelivery
from threatmodel.services import api_token_create

from ..factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(team):
    return member(team, Role.CONTRIBUTOR, username="alice", email="alice@example.com")


@pytest.fixture
def risk(system):
    return Risk.objects.filter(system=system).order_by("id").first()


def test_mentions_are_parsed_from_the_text():
    assert mentioned_names("@alice, can you and @bob.smith look? (cc @carol.) a@b.example") == [
        "alice", "bob.smith", "carol"]
    assert mentioned_names("mail ops@example.com") == []


def test_comment_add_mentions_audits_notifies_and_emits(system, risk, contributor, alice, outsider,
                                                        django_capture_on_commit_callbacks):
    Webhook.objects.create(team=system.team, url="http://127.0.0.1:9/hook", events=["comment.created"],
                           secret_encrypted="unused")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(actor=contributor, target=risk,
                                       body=f"@alice please check. @{outsider.username} is not in the team.")
    assert [u.username for u in comment.mentions.all()] == ["alice"]
    event = AuditEvent.objects.filter(object_type="assessments.risk", object_id=str(risk.pk)).latest("seq")
    assert event.action == "risk.commented" and event.changes["mentioned"] == [None, [f"user-{alice.pk}"]]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert "mentioned you" in mail.outbox[0].subject and "@alice please check" in mail.outbox[0].body
    delivery = WebhookDelivery.objects.get(event_type="comment.created")
    data = delivery.payload["data"]
    assert data["on"] == {"object_type": "risk", "id": risk.pk, "href": f"/api/v1/risks/{risk.pk}/"}
    assert data["mentions"] == ["alice"] and data["author"] == contributor.username
    risk.refresh_from_db()
    assert risk.version == Risk.objects.get(pk=risk.pk).version  # a comment is not an edit of the risk


def test_comment_rules(system, risk, contributor, viewer):
    with pytest.raises(ValidationError) as exc:
        services.comment_add(actor=contributor, target=risk, body="   ")
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.comment_add(actor=contributor, target=risk, body="x" * 4001)
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=viewer, target=risk, body="read-only people do not write")
    assert not Comment.objects.exists() and not AuditEvent.objects.filter(action="risk.commented").exists()


def test_mitigation_thread_on_its_page_with_the_mention_marked(login, system, contributor, alice):
    mitigation = services.mitigation_create(actor=contributor, system=system, title="Rate limit")
    client = login(contributor)
    response = client.post(reverse("mitigation_comment", args=[mitigation.pk]),
                           {"body": "@alice <b>owns</b> this\nnext week"}, follow=True)
    html = response.content.decode()
    assert '<strong class="mention">@alice</strong> &lt;b&gt;owns&lt;/b&gt; this<br>next week' in html
    assert AuditEvent.objects.filter(action="mitigation.commented", object_id=str(mitigation.pk)).exists()


def test_another_teams_thread_is_404(login, risk, outsider):
    client = login(outsider)
    assert client.post(reverse("risk_comment", args=[risk.pk]), {"body": "hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_api_lists_and_adds_comments(system, risk, owner, contributor, alice, outsider):
    _token, key = api_token_create(actor=owner, team=system.team, user=contributor, name="sync",
                                   scopes=["read", "write"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/risks/{risk.pk}/comments/"
    created = api.post(url, {"body": "Ticket opened, @alice"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["mentions"] == ["alice"] and created.json()["author"] == contributor.username
    listed = api.get(url).json()
    assert [c["body"] for c in listed["results"]] == ["Ticket opened, @alice"]
    assert api.post(url, {"body": ""}, format="json").status_code == 400
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(url).status_code == 404
    mitigation = services.mitigation_create(actor=contributor, system=system, title="Filter")
    assert api.post(f"/api/v1/mitigations/{mitigation.pk}/comments/", {"body": "ok"}, format="json").status_code == 201


def test_history_shows_names_not_ids(login, system, contributor):
    from threatmodel import services as tm_services
    from threatmodel.models import Component

    chat = Component.objects.filter(system=system, kind="input").order_by("id").first()
    risk = services.risk_create(actor=contributor, system=system, title="Refund abuse", component=chat)
    mitigation = services.mitigation_create(actor=contributor, system=system, title="Refund cap", risks=[risk.pk])
    client = login(contributor)
    html = client.get(reverse("risk_history", args=[risk.pk])).content.decode()
    assert f"<td>{chat.name}</td>" in html and f"<td>{chat.pk}</td>" not in html
    assert "<td>Refund cap</td>" in html  # the linked mitigation by title
    html = client.get(reverse("mitigation_history", args=[mitigation.pk])).content.decode()
    assert "<td>Refund abuse</td>" in html
    tm_services.component_delete(actor=contributor, component=chat)
    html = client.get(reverse("risk_history", args=[risk.pk])).content.decode()
    assert f"{chat.name}&#x27; (deleted)" in html or f"{chat.name}' (deleted)" in html
