"""Requesting and rendering reports: exactly once, failures kept apart, history kept."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models.reports import Report
from assessments.reports import services
from assessments.reports.tasks import render_report
from threatmodel.models import AuditEvent, Role

from ..factories import make_component, make_system, member


@pytest.fixture
def system(catalog, team, owner):
    system = make_system(team, owner, name="Forecaster", answers={"users": ["employees"]})
    make_component(system, "input", name="Sales history", actor=owner, answers={"personal_data": "none"})
    make_component(system, "model", name="Regressor", actor=owner, answers={"model_type": "regression"})
    return system


def request(system, user, kind, capture, execute=True, force=False) -> Report:
    with capture(execute=execute):
        report = services.report_request(actor=user, system=system, kind=kind, force=force)
    report.refresh_from_db()
    return report


def test_request_is_queued_on_commit_and_rendered_once(system, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.report_request(actor=owner, system=system, kind="pia")
    assert report.status == "queued" and len(callbacks) == 1
    assert AuditEvent.objects.filter(action="report.requested", object_id=str(report.pk)).exists()
    assert render_report.delay(report.pk) is not None  # eager: renders now
    assert render_report.apply(args=[report.pk]).get() == "skipped"  # a re-delivered task does nothing
    assert services.report_render(report.pk) == "skipped"
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 1
    assert AuditEvent.objects.filter(action="report.completed", object_id=str(report.pk)).count() == 1


def test_a_live_render_is_not_taken_over_but_a_silent_one_is(system, owner, django_capture_on_commit_callbacks):
    report = request(system, owner, "pia", django_capture_on_commit_callbacks, execute=False)
    claimed = services.report_claim(report.pk)
    assert claimed is not None
    assert services.report_render(report.pk) == "busy"  # the first run is alive
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    assert services.report_render(report.pk) == "done"  # its worker died: taken over
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 2
    # the first run finishing late cannot overwrite the result
    _, stale_token = claimed
    assert Report.objects.filter(pk=report.pk, claim=stale_token).count() == 0


def test_render_failure_is_readable_and_keeps_earlier_reports(system, owner, django_capture_on_commit_callbacks,
                                                              monkeypatch):
    good = request(system, owner, "assurance", django_capture_on_commit_callbacks)
    assert good.status == "done"

    def broken(*args, **kwargs):
        raise RuntimeError("font cache unreadable")

    monkeypatch.setattr(services, "render_pdf", broken)
    bad = request(system, owner, "assurance", django_capture_on_commit_callbacks, force=True)
    assert bad.status == "failed"
    assert bad.error == "The report could not be rendered (RuntimeError: font cache unreadable)."
    assert bad.stage == "Failed" and not bad.file and not bad.sha256
    assert AuditEvent.objects.filter(action="report.failed", object_id=str(bad.pk)).exists()
    good.refresh_from_db()
    assert good.status == "done" and good.file.storage.exists(good.file.name)
    history = list(Report.objects.filter(system=system).order_by("id").values_list("status", flat=True))
    assert history == ["done", "failed"]


def test_broker_outage_fails_the_report_with_a_message(system, owner, django_capture_on_commit_callbacks,
                                                       monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(render_report, "apply_async", down)
    report = request(system, owner, "pia", django_capture_on_commit_callbacks)
    assert report.status == "failed"
    assert "could not be queued" in report.error and "ConnectionError" in report.error


def test_stale_renders_are_expired(system, owner, django_capture_on_commit_callbacks):
    report = request(system, owner, "pia", django_capture_on_commit_callbacks, execute=False)
    services.report_claim(report.pk)
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    report.refresh_from_db()
    report = services.report_expire_stale(report)
    assert report.status == "failed" and "stopped responding" in report.error


def test_kinds_and_roles(system, owner, outsider, team, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as info:
        services.report_request(actor=owner, system=system, kind="novel")
    assert "kind" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        services.report_request(actor=outsider, system=system, kind="pia")
    viewer = member(team, Role.VIEWER)
    assert request(system, viewer, "pia", django_capture_on_commit_callbacks).status == "done"


def test_completion_is_announced_to_webhooks(system, owner, django_capture_on_commit_callbacks, monkeypatch):
    from threatmodel.models import Webhook, WebhookDelivery
    from threatmodel.webhooks import outbox

    monkeypatch.setattr(outbox, "enqueue", lambda ids: None)  # no HTTP here: the outbox row is the contract
    Webhook.objects.create(team=system.team, url="https://hooks.example.com/x", events=["report.completed"],
                           secret_encrypted="x")
    report = request(system, owner, "pia", django_capture_on_commit_callbacks)
    [delivery] = WebhookDelivery.objects.filter(event_type="report.completed")
    data = delivery.payload["data"]
    assert data["id"] == report.pk and data["sha256"] == report.sha256 and data["status"] == "done"
    assert data["href"] == f"/api/v1/reports/{report.pk}/" and data["pdf_href"].endswith("/pdf/")
