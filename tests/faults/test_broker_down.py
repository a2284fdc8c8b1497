"""Fault: the broker is down. Pages keep working; the re-suggest work a change needs is recorded, not
dropped, and runs when the broker is back."""

import pytest
from django.urls import reverse

from assessments.models import Risk
from config.celery import app
from threatmodel import queue
from threatmodel.models import PendingTask

from ..factories import make_system


@pytest.mark.django_db
def test_changes_during_an_outage_are_suggested_once_the_broker_is_back(
        broker_down, catalog_loaded, client, team, owner, monkeypatch, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        system = make_system(team, owner, name="Chatbot")
        response = client.post(reverse("component_create", args=[system.pk]) + "?kind=input", {
            "kind": "input", "name": "Customer chat", "q_source": "end_users", "q_purpose": ["prompt"],
            "q_untrusted_content": "yes"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert not Risk.objects.filter(system=system).exists()
    assert set(PendingTask.objects.values_list("task_name", flat=True)) == {"assessments.tasks.resuggest_system"}
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # the broker is back (eager stands in for a worker)
    queue.flush_pending()
    assert not PendingTask.objects.exists()
    assert Risk.objects.filter(system=system, status="suggested").exists()


@pytest.fixture
def catalog_loaded(db):
    from django.core.management import call_command

    call_command("load_catalog", quiet=True)
