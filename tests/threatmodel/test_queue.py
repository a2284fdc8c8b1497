"""A broker outage never drops work: tasks are recorded and handed over when the broker is back."""

import pytest
from django.core.management import call_command

from config.celery import app
from threatmodel import queue
from threatmodel.models import PendingTask, WorkerHeartbeat
from threatmodel.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_broker_down_records_the_task(broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue(worker_heartbeat.name, "outage")
    pending = PendingTask.objects.get()
    assert pending.task_name == "threatmodel.worker_heartbeat" and pending.args == ["outage"]
    assert pending.error
    assert queue.flush_pending() == 0  # still down: kept, attempt counted
    pending.refresh_from_db()
    assert pending.attempts == 2


def test_pending_tasks_run_when_the_broker_is_back(broker_down, monkeypatch):
    queue.send(worker_heartbeat.name, "later")
    assert PendingTask.objects.count() == 1
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # "back": eager stands in for a worker here
    call_command("flush_pending_tasks")
    assert not PendingTask.objects.exists()
    assert WorkerHeartbeat.objects.filter(name="later").exists()


def test_pages_keep_working_while_the_broker_is_down(broker_down, client, team, owner):
    from django.urls import reverse

    from ..factories import make_system

    client.force_login(owner)
    system = make_system(team, owner)
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.post(reverse("component_create", args=[system.pk]) + "?kind=input",
                           {"kind": "input", "name": "Chat"})
    assert response.status_code == 302
