"""Fault: the Celery worker process rendering a report is killed (SIGKILL). The task is delivered
again (acks_late + reject_on_worker_lost), the new run takes over once the dead run's heartbeat is
stale, and the report completes exactly once."""

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from assessments import services as register
from assessments.models.reports import Report
from assessments.reports.services import report_request
from config.celery import app
from threatmodel.demo import build_support_assistant
from threatmodel.models import AuditEvent

from ..conftest import broker_reachable, need_service, start_worker, uses_postgres

pytestmark = [pytest.mark.services]


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        out += [int(c) for c in children]
    return out


def _wait(predicate, timeout: float, worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.proc.poll() is not None:
            pytest.fail(f"worker exited while waiting for {what}:\n{worker.log()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}:\n{worker.log()[-4000:]}")


def test_report_completes_exactly_once_after_the_worker_is_killed(transactional_db, team, owner, settings,
                                                                   tmp_path, monkeypatch):
    need_service("PostgreSQL", uses_postgres(), "the worker shares the test database")
    ok, why = broker_reachable()
    need_service("Celery broker", ok, why)
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("REPORT_HEARTBEAT_SECONDS", "3")
    call_command("load_catalog", quiet=True)
    system = build_support_assistant(actor=owner, team=team)
    for i in range(250):  # enough content that the render takes a moment
        register.risk_create(actor=owner, system=system, title=f"Custom risk {i}", description="x " * 40,
                             likelihood=1 + i % 5, impact=1 + (i // 5) % 5, owner=owner)
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.conf, "task_default_queue", queue)
    try:
        report = report_request(actor=owner, system=system, kind="assurance")
        _wait(lambda: Report.objects.filter(pk=report.pk, status="rendering").exists(), 60, worker, "rendering")
        children = _children(worker.proc.pid)
        assert children, "the prefork worker has no pool process"
        for child in children:
            os.kill(child, signal.SIGKILL)
        done = _wait(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), 120,
                     worker, "the re-delivered render")
    finally:
        worker.stop()
    assert done.status == "done", done.error
    assert done.attempts >= 2, "the render was not taken over after the kill"
    assert AuditEvent.objects.filter(action="report.completed", object_id=str(report.pk)).count() == 1
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*.pdf") if f"-{report.pk}-" in p.name]
    assert len(stored) == 1 and stored[0].name == Path(done.file.name).name
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()


def test_reaper_requeues_once_when_the_whole_worker_dies(transactional_db, team, owner, settings, tmp_path,
                                                         monkeypatch):
    """The whole worker (main process and pool) is killed: nothing redelivers the task before the broker's
    visibility timeout. The reaper (beat, every heartbeat interval; called here as beat would) re-queues
    the report within about two intervals, once, and a new worker completes it once."""
    from assessments.reports import reaper
    from assessments.reports import services as report_services

    need_service("PostgreSQL", uses_postgres(), "the worker shares the test database")
    ok, why = broker_reachable()
    need_service("Celery broker", ok, why)
    settings.MEDIA_ROOT = tmp_path / "media"
    interval = 2
    monkeypatch.setenv("REPORT_HEARTBEAT_SECONDS", str(interval))
    monkeypatch.setattr(report_services, "HEARTBEAT_TIMEOUT", report_services.HEARTBEAT_INTERVAL.__class__(
        seconds=2 * interval))
    monkeypatch.setattr(reaper, "HEARTBEAT_TIMEOUT", report_services.HEARTBEAT_TIMEOUT)
    call_command("load_catalog", quiet=True)
    system = build_support_assistant(actor=owner, team=team)
    for i in range(250):
        register.risk_create(actor=owner, system=system, title=f"Custom risk {i}", description="x " * 40,
                             likelihood=1 + i % 5, impact=1 + (i // 5) % 5, owner=owner)
    queue = f"test-whole-{uuid.uuid4().hex[:8]}"
    first = start_worker(queue)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.conf, "task_default_queue", queue)
    second = None
    try:
        report = report_request(actor=owner, system=system, kind="assurance")
        _wait(lambda: Report.objects.filter(pk=report.pk, status="rendering").exists(), 60, first, "rendering")
        for pid in [*_children(first.proc.pid), first.proc.pid]:
            os.kill(pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        killed_at = time.monotonic()
        second = start_worker(queue)
        requeued_after = None
        while time.monotonic() - killed_at < 60 and requeued_after is None:
            if reaper.report_reap_stalled():
                requeued_after = time.monotonic() - killed_at
            time.sleep(interval / 4)
        assert requeued_after is not None and requeued_after <= 3 * interval + 2, requeued_after
        done = _wait(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), 120,
                     second, "the re-queued render")
        assert reaper.report_reap_stalled() == []
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert done.status == "done", done.error
    assert done.attempts == 2
    assert AuditEvent.objects.filter(action="report.requeued", object_id=str(report.pk)).count() == 1
    assert AuditEvent.objects.filter(action="report.completed", object_id=str(report.pk)).count() == 1
