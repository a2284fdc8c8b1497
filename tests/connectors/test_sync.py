"""Pulling ticket state against the fake trackers: the mapping table, the conflict rule, comments on our
changes, deleted tickets, rate limits, a network failure mid-sync, a failing token, the beat schedule."""

import base64
import time

import pytest
from django.conf import settings
from django.core import mail

from assessments import services as reg
from assessments.connectors import tasks
from assessments.connectors.tickets import connector_sync, ticket_create
from assessments.models import Connector, ExternalRef, Mitigation
from threatmodel.models import AuditEvent

pytestmark = pytest.mark.django_db


def history(mitigation) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="assessments.mitigation", object_id=str(mitigation.pk))
                .order_by("seq").values_list("action", flat=True))


def ticketed(owner, connector, mitigation):
    return ticket_create(actor=owner, connector=connector, target=mitigation)[0]


@pytest.mark.parametrize("status, resolution, expected", [
    ("Done", "Done", "implemented"),
    ("Done", "Won't Do", "rejected"),
    ("In Progress", None, "in_progress"),
    ("To Do", None, "proposed"),
])
def test_jira_mapping(owner, jira, mitigation, fake_jira, status, resolution, expected):
    ticketed(owner, jira, mitigation)
    fake_jira.move("SEC-1", status, resolution)
    connector_sync(connector_id=jira.pk)
    mitigation.refresh_from_db()
    assert mitigation.status == expected
    if expected == "rejected":
        assert mitigation.status_reason == "Ticket SEC-1 was closed as Won't Do."
    assert ("ticket.changed" in history(mitigation)) == (expected != "proposed")


def test_github_mapping_and_reopen(owner, github, mitigation, fake_github):
    ticketed(owner, github, mitigation)
    fake_github.move(1, "closed", "completed")
    connector_sync(connector_id=github.pk)
    mitigation.refresh_from_db()
    assert mitigation.status == "implemented"
    fake_github.move(1, "open", "reopened")
    connector_sync(connector_id=github.pk)
    mitigation.refresh_from_db()
    assert mitigation.status == "in_progress"
    fake_github.move(1, "closed", "not_planned")
    connector_sync(connector_id=github.pk)
    mitigation.refresh_from_db()
    assert mitigation.status == "rejected"
    assert "not planned" in mitigation.status_reason
    ref = ExternalRef.objects.get(mitigation=mitigation)
    assert (ref.remote_status, ref.remote_resolution, ref.synced_status) == ("closed", "not_planned", "rejected")


def test_jira_reopened_from_done_goes_back_to_in_progress(owner, jira, mitigation, fake_jira):
    ticketed(owner, jira, mitigation)
    fake_jira.move("SEC-1", "Done", "Done")
    connector_sync(connector_id=jira.pk)
    fake_jira.move("SEC-1", "To Do", None)
    connector_sync(connector_id=jira.pk)
    mitigation.refresh_from_db()
    assert mitigation.status == "in_progress"


def test_our_change_comments_on_the_ticket(owner, jira, mitigation, fake_jira, django_capture_on_commit_callbacks):
    ticketed(owner, jira, mitigation)
    with django_capture_on_commit_callbacks(execute=True):
        reg.mitigation_transition(actor=owner, mitigation=mitigation, status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        reg.mitigation_update(actor=owner, mitigation=Mitigation.objects.get(pk=mitigation.pk), due="2030-01-31")
    texts = [c["content"][0]["content"][0]["text"] for c in fake_jira.comments["SEC-1"]]
    assert texts == ["AI Threat Register: the mitigation moved from proposed to in_progress.",
                     "AI Threat Register: the mitigation's due changed."]


def test_following_the_ticket_does_not_echo_a_comment(owner, github, mitigation, fake_github,
                                                      django_capture_on_commit_callbacks):
    ticketed(owner, github, mitigation)
    fake_github.move(1, "closed", "completed")
    with django_capture_on_commit_callbacks(execute=True):
        connector_sync(connector_id=github.pk)
    assert not fake_github.comments


def test_conflict_ours_wins_and_the_history_says_so(owner, github, mitigation, fake_github,
                                                    django_capture_on_commit_callbacks):
    ticketed(owner, github, mitigation)
    with django_capture_on_commit_callbacks(execute=True):
        reg.mitigation_transition(actor=owner, mitigation=mitigation, status="rejected", reason="Out of scope")
    fake_github.move(1, "closed", "completed")  # both sides moved since the last pull
    with django_capture_on_commit_callbacks(execute=True):
        result = connector_sync(connector_id=github.pk)
    mitigation.refresh_from_db()
    assert result.conflicts == 1 and mitigation.status == "rejected"
    event = AuditEvent.objects.get(object_id=str(mitigation.pk), action="connector.conflict")
    assert event.changes["status"] == ["proposed", "rejected"] and event.changes["ticket_asks"] == "implemented"
    assert "keeps this mitigation rejected" in fake_github.comments[1][-1]
    # Agreed from now on: the next pull with no new remote change is quiet.
    assert connector_sync(connector_id=github.pk).conflicts == 0


def test_a_ticket_deleted_on_the_other_side(owner, owner_api, github, mitigation, fake_github):
    ticketed(owner, github, mitigation)
    fake_github.deleted.add(1)
    del fake_github.issues[1]
    result = connector_sync(connector_id=github.pk)
    assert result.missing == 1
    ref = ExternalRef.objects.get(mitigation=mitigation)
    assert ref.missing_at is not None
    mitigation.refresh_from_db()
    assert mitigation.status == "proposed" and "ticket.missing" in history(mitigation)
    assert connector_sync(connector_id=github.pk).checked == 0  # a missing ticket is not asked for again
    again = owner_api.post(f"/api/v1/mitigations/{mitigation.pk}/ticket/", {"connector": github.pk}, format="json")
    assert again.status_code == 201 and again.json()["key"] == "acme/ml-platform#2"


def test_429_retry_after_is_honoured(owner, jira, mitigation, fake_jira):
    ticketed(owner, jira, mitigation)
    fake_jira.faults = [("status", 429, {"Retry-After": "120"})]
    result = connector_sync(connector_id=jira.pk)
    assert 119 <= result.rate_limited_for <= 120
    jira.refresh_from_db()
    assert jira.health == "rate_limited" and jira.rate_limited_until is not None
    before = len(fake_jira.requests)
    assert connector_sync(connector_id=jira.pk).checked == 0
    assert tasks.pull_all() == 0  # the beat skips it until the wait is over
    assert len(fake_jira.requests) == before


def test_github_rate_limit_headers_stop_the_pull(owner, github, system, fake_github):
    refs = [ticketed(owner, github, reg.mitigation_create(actor=owner, system=system, title=f"M{i}"))
            for i in range(3)]
    assert len(refs) == 3
    fake_github.extra_headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 600)}
    before = len(fake_github.requests)
    result = connector_sync(connector_id=github.pk)
    assert result.checked == 1 and 590 <= result.rate_limited_for <= 600
    assert len(fake_github.requests) == before + 1
    fake_github.extra_headers = {}
    fake_github.faults = [("status", 403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})]
    Connector.objects.filter(pk=github.pk).update(rate_limited_until=None)
    assert connector_sync(connector_id=github.pk).rate_limited_for >= 1  # an exhausted 403 is a wait, not a bad token
    github.refresh_from_db()
    assert github.health == "rate_limited"


def test_network_failure_mid_sync_loses_and_duplicates_nothing(owner, owner_api, jira, system, fake_jira):
    mitigations = [reg.mitigation_create(actor=owner, system=system, title=f"M{i}") for i in range(3)]
    for m in mitigations:
        ticketed(owner, jira, m)
    for key in ("SEC-1", "SEC-2", "SEC-3"):
        fake_jira.move(key, "Done", "Done")
    fake_jira.faults = [("pass",), ("drop",)]  # the second ticket's read dies mid-way
    response = owner_api.post(f"/api/v1/connectors/{jira.pk}/sync/")
    assert response.status_code == 502
    assert [Mitigation.objects.get(pk=m.pk).status for m in mitigations] == ["implemented", "proposed", "proposed"]
    jira.refresh_from_db()
    assert jira.health == "unreachable"
    assert connector_sync(connector_id=jira.pk).applied == 2
    assert [Mitigation.objects.get(pk=m.pk).status for m in mitigations] == ["implemented"] * 3
    assert connector_sync(connector_id=jira.pk).applied == 0
    assert len(fake_jira.issues) == 3 and ExternalRef.objects.count() == 3
    for m in mitigations:
        assert history(m).count("mitigation.transitioned") == 2  # proposed -> in_progress -> implemented, once


def test_a_refused_token_shows_and_mails_the_owners_once(owner, login, team, jira, mitigation, fake_jira,
                                                          django_capture_on_commit_callbacks):
    ticketed(owner, jira, mitigation)
    fake_jira.credentials = "Basic revoked"
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="refused"):
            connector_sync(connector_id=jira.pk)
    assert len(mail.outbox) == 1 and owner.email in mail.outbox[0].to
    assert "needs a new token" in mail.outbox[0].subject
    page = login(owner).get(f"/teams/{team.slug}/connectors/")
    assert "Token refused" in page.content.decode()
    response = login(owner).post(f"/teams/{team.slug}/connectors/{jira.pk}/token/", {"r-token": "jira-token-123"})
    assert response.status_code == 302
    fake_jira.credentials = "Basic " + base64.b64encode(b"bot@example.com:jira-token-123").decode()
    connector_sync(connector_id=jira.pk)
    jira.refresh_from_db()
    assert jira.health == "ok" and jira.owners_notified_at is None


def test_outbound_calls_go_through_the_ssrf_guard(owner, jira, mitigation, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    from assessments.connectors import http

    with pytest.raises(http.RemoteError, match="refused"):
        ticket_create(actor=owner, connector=jira, target=mitigation)


def test_periodic_pull_is_scheduled_and_queues_every_active_connector(jira, github, mitigation):
    entry = settings.CELERY_BEAT_SCHEDULE["connectors-pull"]
    assert entry["task"] == "assessments.connectors.pull_all"
    Connector.objects.filter(pk=github.pk).update(active=False)
    assert tasks.pull_all() == 1


def test_sync_task_gives_up_quietly_on_a_refused_token(owner, jira, mitigation, fake_jira):
    ticketed(owner, jira, mitigation)
    fake_jira.credentials = "Basic revoked"
    assert tasks.sync_connector.apply(args=[jira.pk]).get() is None
