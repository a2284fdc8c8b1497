"""On PostgreSQL + Redis with a real `celery worker` (skipped elsewhere unless REQUIRE_SERVICES=1).

Kept apart from modules that load the catalog in a module-wide transaction: a worker process only
sees committed rows."""

import time

import pytest
from django.db import transaction

from threatmodel.models import DeliveryStatus, WebhookDelivery
from threatmodel.webhooks import emit, signing
from threatmodel.webhooks.services import webhook_create

from .receiver import Receiver


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_after_commit(real_worker, team, owner):
    """PostgreSQL + Redis + a `celery worker` process: the delivery is queued on commit and sent by the worker."""
    with Receiver() as receiver:
        webhook, secret = webhook_create(actor=owner, team=team, url=receiver.url, events=["mitigation.updated"])
        with transaction.atomic():
            emit(team, "mitigation.updated", {"object_type": "mitigation", "id": 5})
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        assert receiver.requests, real_worker.log()[-3000:]
        request = receiver.requests[0]
    assert signing.verify(secret, request["headers"], request["body"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(webhook=webhook)
        if delivery.status == DeliveryStatus.DELIVERED:
            break
        time.sleep(0.2)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
