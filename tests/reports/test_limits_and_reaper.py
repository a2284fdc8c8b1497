"""Report renders under pressure: a per-team rate limit (429), queues of their own, a heartbeat, and the
reaper that re-queues a render whose whole worker died, exactly once."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models.reports import Report
from assessments.reports import reaper, services
from assessments.reports.heartbeat import Heartbeat
from config.celery import app, route_task
from threatmodel.models import AuditEvent

from ..factories import make_system


@pytest.fixture
def system(catalog, team, owner):
    return make_system(team, owner, name="Forecaster")


def test_renders_per_team_are_limited_with_a_clear_429(system, team, viewer, settings,
                                                       django_capture_on_commit_callbacks):
    settings.REPORT_RENDER_LIMIT, settings.REPORT_RENDER_WINDOW_SECONDS = 3, 600
    api = APIClient()
    api.force_authenticate(viewer)
    url = f"/api/v1/systems/{system.pk}/reports/"
    with django_capture_on_commit_callbacks(execute=False):
        codes = [api.post(url, {"kind": "pia"}, format="json").status_code for _ in range(5)]
    assert codes == [202, 202, 202, 429, 429]
    limited = api.post(url, {"kind": "pia"}, format="json")
    assert limited["Content-Type"] == "application/problem+json"
    assert 0 < int(limited["Retry-After"]) <= 600 and "3 reports" in limited.json()["detail"]
    assert Report.objects.filter(system__team=team).count() == 3
    client = api_client_page(viewer)
    page = client.post(reverse("report_create", args=[system.pk]), {"kind": "pia"})
    assert page.status_code == 429 and b"try again in" in page.content
    Report.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=601))  # the window moved on
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(url, {"kind": "pia"}, format="json").status_code == 202


def api_client_page(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_reports_imports_and_webhooks_have_queues_of_their_own(monkeypatch):
    monkeypatch.setattr(app.conf, "task_default_queue", "celery")
    assert route_task("assessments.reports.render_report", (), {}, {}) == {"queue": "reports"}
    assert route_task("assessments.interop.apply_import", (), {}, {}) == {"queue": "imports"}
    assert route_task("threatmodel.webhooks.deliver", (), {}, {}) == {"queue": "webhooks"}
    assert route_task("assessments.tasks.send_daily_digests", (), {}, {}) is None
    monkeypatch.setattr(app.conf, "task_default_queue", "staging")
    assert route_task("assessments.reports.render_report", (), {}, {}) == {"queue": "staging.reports"}
    assert app.amqp.router.route({}, "assessments.reports.render_report")["queue"].name in (
        "reports", "staging.reports")


@pytest.mark.django_db
def test_the_reaper_requeues_a_silent_render_exactly_once(system, owner, django_capture_on_commit_callbacks,
                                                          monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(actor=owner, system=system, kind="pia")
    _, dead_claim = services.report_claim(report.pk)
    fresh = Report.objects.create(system=system, kind="pia", status="rendering", claim="alive", attempts=1,
                                  heartbeat_at=timezone.now())
    assert reaper.report_reap_stalled() == []  # nobody silent yet
    silent_since = timezone.now() - services.HEARTBEAT_TIMEOUT - datetime.timedelta(seconds=1)
    Report.objects.filter(pk=report.pk).update(heartbeat_at=silent_since)
    queued = []
    monkeypatch.setattr(reaper, "queue_render", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.report_reap_stalled() == [report.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.report_reap_stalled() == []  # a second beat finds nothing to do
    assert queued == [report.pk]
    report.refresh_from_db()
    assert report.status == "queued" and report.claim == "" and "stopped responding" in report.stage
    assert Report.objects.get(pk=fresh.pk).status == "rendering"
    assert services.report_render(report.pk) == "done"  # the re-queued render runs once more and completes
    assert Report.objects.filter(pk=report.pk, claim=dead_claim).count() == 0  # the dead run's writes are void
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 2
    assert AuditEvent.objects.filter(action="report.requeued", object_id=str(report.pk)).count() == 1
    assert AuditEvent.objects.filter(action="report.completed", object_id=str(report.pk)).count() == 1


@pytest.mark.django_db
def test_the_reaper_gives_up_after_the_last_attempt(system, owner):
    report = Report.objects.create(system=system, kind="pia", status="rendering", claim="x",
                                   attempts=services.MAX_ATTEMPTS,
                                   heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert reaper.report_reap_stalled() == []
    report.refresh_from_db()
    assert report.status == "failed" and "stopped responding" in report.error


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stamps_while_a_render_runs(team, owner):
    """On PostgreSQL (the in-memory SQLite test database locks whole tables between threads)."""
    from ..conftest import uses_postgres

    if not uses_postgres():
        pytest.skip("the heartbeat thread needs a database that two threads can write: PostgreSQL")
    from threatmodel.models import AISystem

    system = AISystem.objects.create(team=team, name="Beating", slug="beating")
    old = timezone.now() - datetime.timedelta(minutes=5)
    report = Report.objects.create(system=system, kind="pia", status="rendering", claim="tok", heartbeat_at=old)
    with Heartbeat(report.pk, "tok", interval=0.05):
        time.sleep(0.5)
    report.refresh_from_db()
    assert report.heartbeat_at > old
