"""The comment thread inside the workshop's risk and mitigation editors: shown, posted with @mentions
(the mentioned member is notified), refused without text, read-only for viewers."""

import pytest
from django.core import mail
from django.urls import reverse

from assessments import services
from assessments.models import Comment
from threatmodel.models import AuditEvent, Role

from ..factories import member
from .helpers import HX, suggestion

pytestmark = pytest.mark.django_db


def test_the_risk_editor_shows_the_thread_and_posts_with_a_mention(login, team, contributor, rag,
                                                                   django_capture_on_commit_callbacks):
    colleague = member(team, Role.CONTRIBUTOR, username="dana", email="dana@example.com")
    risk = suggestion(rag, "AI-IN-001")
    services.comment_add(actor=colleague, target=risk, body="Seen this in the pilot.")
    client = login(contributor)
    editor = client.get(reverse("workshop_risk_edit", args=[risk.pk]), **HX).content.decode()
    assert f'id="comments-risk-{risk.pk}"' in editor and "Seen this in the pilot." in editor
    assert "@dana" in editor  # offered as a mention
    url = reverse("workshop_risk_comments", args=[risk.pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"body": "@dana can you check the filter?"}, **HX)
    assert response.status_code == 200 and response["HX-Trigger"] == "workshop:refresh"
    html = response.content.decode()
    assert '<strong class="mention">@dana</strong>' in html and "(2)" in html
    comment = Comment.objects.filter(risk=risk).latest("id")
    assert list(comment.mentions.all()) == [colleague]
    assert [m.to for m in mail.outbox] == [["dana@example.com"]] and "mentioned you" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="risk.commented", object_id=str(risk.pk)).exists()


def test_an_empty_comment_is_refused_in_place(login, contributor, rag):
    risk = suggestion(rag, "AI-IN-001")
    response = login(contributor).post(reverse("workshop_risk_comments", args=[risk.pk]), {"body": "  "}, **HX)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode() and not Comment.objects.filter(risk=risk).exists()


def test_the_mitigation_editor_has_its_thread_and_works_without_javascript(login, contributor, rag):
    m = services.mitigation_create(actor=contributor, system=rag, title="Input filter")
    client = login(contributor)
    editor = client.get(reverse("workshop_mitigation_edit", args=[m.pk]), **HX).content.decode()
    assert f'id="comments-mitigation-{m.pk}"' in editor and "No comments yet." in editor
    url = reverse("workshop_mitigation_comments", args=[m.pk])
    response = client.post(url, {"body": "Rolled out to staging."})
    assert response.status_code == 302 and response.url.startswith(url)
    page = client.get(url).content.decode()
    assert "Rolled out to staging." in page and "<html" in page


def test_viewers_read_the_thread_but_cannot_post(login, viewer, contributor, rag):
    risk = suggestion(rag, "AI-IN-001")
    services.comment_add(actor=contributor, target=risk, body="First note")
    client = login(viewer)
    html = client.get(reverse("workshop_risk_comments", args=[risk.pk]), **HX).content.decode()
    assert "First note" in html and "<textarea" not in html
    assert client.post(reverse("workshop_risk_comments", args=[risk.pk]), {"body": "hi"}, **HX).status_code == 403
