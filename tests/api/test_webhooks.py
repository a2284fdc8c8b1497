"""Webhooks against a real HTTP receiver on 127.0.0.1: Standard Webhooks signatures, retries with backoff,
no redirects, timeouts, the SSRF guard at registration and at delivery, and every attempt recorded."""

import base64
import hashlib
import hmac
import json
import socket
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from threatmodel.crypto import decrypt
from threatmodel.models import AuditEvent, DeliveryStatus, Role, Webhook, WebhookDelivery
from threatmodel.webhooks import delivery as sending
from threatmodel.webhooks import emit, signing, targets
from threatmodel.webhooks.services import webhook_create, webhook_update

from ..factories import member
from .conftest import bearer, make_token
from .receiver import Receiver

pytestmark = pytest.mark.django_db


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The spec's algorithm, written out independently of the code under test."""
    key = base64.b64decode(secret.split("_", 1)[1])
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _emit(team, event="risk.created", payload=None) -> WebhookDelivery:
    with transaction.atomic():
        emit(team, event, payload or {"object_type": "risk", "id": 1})
    return WebhookDelivery.objects.order_by("-id").first()


def _make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def hook(team, owner):
    def _hook(url, events=("risk.created",)):
        return webhook_create(actor=owner, team=team, url=url, events=list(events))
    return _hook


def test_signed_delivery_to_a_real_receiver(team, hook):
    with Receiver() as receiver:
        webhook, secret = hook(receiver.url)
        delivery = _emit(team, payload={"object_type": "risk", "id": 7, "version": 2})
        result = sending.attempt(delivery.pk)
    assert result.status == DeliveryStatus.DELIVERED and result.response_code == 204 and result.attempts == 1
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/register" and headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == delivery.event_id
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"] == standard_webhooks_signature(
        secret, headers["webhook-id"], headers["webhook-timestamp"], body)
    assert signing.verify(secret, headers, body)
    assert not signing.verify(secret, headers, body + b" ")  # tampered body
    assert not signing.verify(signing.new_secret(), headers, body)  # another endpoint's secret
    payload = json.loads(body)
    assert payload["type"] == "risk.created" and payload["data"] == {"object_type": "risk", "id": 7, "version": 2}
    assert result.log[0]["response_code"] == 204


def test_secret_is_encrypted_at_rest_and_shown_once(team, owner, write_token):
    client = bearer(write_token)
    response = client.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x", "events": ["mitigation.updated"]},
                           format="json")
    assert response.status_code == 201, response.json()
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    webhook = Webhook.objects.get(pk=response.json()["id"])
    assert secret not in webhook.secret_encrypted and decrypt(webhook.secret_encrypted) == secret
    again = client.get(f"/api/v1/webhooks/{webhook.pk}/")
    assert again.status_code == 200 and "secret" not in again.json() and secret not in again.content.decode()
    listed = client.get("/api/v1/webhooks/").content.decode()
    assert secret not in listed
    assert all(secret not in json.dumps(e.changes) for e in AuditEvent.objects.filter(team=team))
    rotated = client.post(f"/api/v1/webhooks/{webhook.pk}/rotate-secret/", HTTP_IF_MATCH=again["ETag"])
    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    assert decrypt(Webhook.objects.get(pk=webhook.pk).secret_encrypted) == rotated.json()["secret"]


def test_retries_with_backoff_on_5xx_then_delivers_with_the_same_id(team, hook):
    with Receiver([(503, {}, 0), (200, {}, 0)]) as receiver:
        hook(receiver.url)
        delivery = _emit(team)
        first = sending.attempt(delivery.pk)
        assert first.status == DeliveryStatus.RETRYING and first.response_code == 503
        wait = (first.next_attempt_at - timezone.now()).total_seconds()
        assert sending.BACKOFF_BASE_SECONDS / 2 - 1 <= wait <= sending.BACKOFF_BASE_SECONDS
        assert sending.attempt(delivery.pk) is None  # not due yet: nothing sent
        _make_due(delivery)
        second = sending.attempt(delivery.pk)
    assert second.status == DeliveryStatus.DELIVERED and second.attempts == 2
    assert [e["response_code"] for e in second.log] == [503, 200]
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 2 and ids == {delivery.event_id}


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    import random

    rng = random.Random(1)
    delays = [sending.backoff_seconds(n, rng=rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        full = min(sending.BACKOFF_CAP_SECONDS, sending.BACKOFF_BASE_SECONDS * sending.BACKOFF_FACTOR ** (n - 1))
        assert full / 2 <= delay <= full
    assert delays[3] > delays[0] * 10 and max(delays) <= sending.BACKOFF_CAP_SECONDS
    assert sending.backoff_seconds(1, retry_after=600, rng=rng) >= 600


def test_429_honours_retry_after(team, hook):
    with Receiver([(429, {"Retry-After": "120"}, 0)]) as receiver:
        hook(receiver.url)
        result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.RETRYING and result.response_code == 429
    assert (result.next_attempt_at - timezone.now()).total_seconds() >= 118


def test_timeout_is_retried(team, hook, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with Receiver([(200, {}, 1.5)]) as receiver:
        hook(receiver.url)
        started = time.monotonic()
        result = sending.attempt(_emit(team).pk)
        elapsed = time.monotonic() - started
    assert result.status == DeliveryStatus.RETRYING and result.response_code is None
    assert "timed out" in result.last_error and elapsed < 1.2


def test_redirects_are_never_followed(team, hook):
    with Receiver([(302, {"Location": "http://169.254.169.254/latest/meta-data/"}, 0)]) as receiver:
        hook(receiver.url)
        result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.FAILED and result.response_code == 302
    assert "redirect not followed" in result.last_error and len(receiver.requests) == 1


def test_client_errors_are_final_and_attempts_are_bounded(team, hook):
    with Receiver([(410, {}, 0)]) as receiver:
        hook(receiver.url)
        gone = sending.attempt(_emit(team).pk)
    assert gone.status == DeliveryStatus.FAILED and gone.attempts == 1
    with Receiver([(500, {}, 0)]) as receiver:
        Webhook.objects.all().delete()
        hook(receiver.url)
        delivery = _emit(team)
        for _ in range(sending.MAX_ATTEMPTS):
            _make_due(delivery)
            last = sending.attempt(delivery.pk)
    assert last.status == DeliveryStatus.FAILED and last.attempts == sending.MAX_ATTEMPTS
    assert len(receiver.requests) == sending.MAX_ATTEMPTS and len(last.log) == sending.MAX_ATTEMPTS


def test_connection_refused_is_retried(team, hook):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    hook(f"http://127.0.0.1:{port}/")
    result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.RETRYING and "Connection" in result.last_error


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/", "http://localhost/", "http://[::1]/", "http://10.0.0.5/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
    "http://100.100.100.200/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/",
    "ftp://example.com/", "http://user:pw@example.com/", "http:///nohost", "not a url",
])
def test_ssrf_guard_refuses_at_registration(team, owner, settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as exc:
        webhook_create(actor=owner, team=team, url=url, events=["risk.created"])
    assert "url" in exc.value.message_dict
    assert not Webhook.objects.exists()


def _fake_dns(monkeypatch, answers: dict):
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(targets.socket, "getaddrinfo", resolver)


def test_ssrf_guard_checks_names_and_again_at_delivery(team, owner, settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    _fake_dns(monkeypatch, {"hooks.example.com": "93.184.215.14", "metadata.example.com": "169.254.169.254"})
    with pytest.raises(ValidationError) as exc:
        webhook_create(actor=owner, team=team, url="https://metadata.example.com/", events=["risk.created"])
    assert "cloud metadata" in exc.value.message_dict["url"][0]
    webhook, _ = webhook_create(actor=owner, team=team, url="https://hooks.example.com/x", events=["risk.created"])
    # the name now points at a loopback address (DNS rebinding): the delivery refuses, sends nothing
    _fake_dns(monkeypatch, {"hooks.example.com": "127.0.0.1"})
    result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.FAILED and result.last_error.startswith("refused:")
    assert "loopback" in result.last_error


def test_allowed_hosts_setting_is_checked_at_delivery_too(team, hook, settings):
    with Receiver() as receiver:
        hook(receiver.url)  # allowed in tests (WEBHOOK_ALLOWED_HOSTS has 127.0.0.1)
        settings.WEBHOOK_ALLOWED_HOSTS = []
        result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.FAILED and "loopback" in result.last_error and not receiver.requests
    settings.WEBHOOK_ALLOWED_HOSTS = ["10.1.0.0/16"]
    assert targets.resolve("http://10.1.2.3/").addresses == ("10.1.2.3",)


def test_delivery_connects_to_the_checked_address(team, hook, monkeypatch):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        _fake_dns(monkeypatch, {"receiver.test": "127.0.0.1"})
        from django.conf import settings as dj

        monkeypatch.setattr(dj, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1"])
        hook(f"http://receiver.test:{port}/p?q=1")
        result = sending.attempt(_emit(team).pk)
    assert result.status == DeliveryStatus.DELIVERED
    assert receiver.requests[0]["headers"]["Host"] == f"receiver.test:{port}"
    assert receiver.requests[0]["path"] == "/p?q=1"


def test_outbox_rolls_back_with_the_change(team, hook):
    hook("http://127.0.0.1:9/")
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(team, "risk.created", {"id": 1})
        raise RuntimeError("the service failed after emitting")
    assert not WebhookDelivery.objects.exists()
    with pytest.raises(ValueError):
        emit(team, "risk.exploded", {})


def test_only_subscribed_active_webhooks_of_the_team_receive(team, other_team, owner, outsider, hook):
    risk_hook, _ = hook("http://127.0.0.1:9/a", events=["risk.created"])
    all_hook, _ = hook("http://127.0.0.1:9/b", events=["*"])
    paused, _ = hook("http://127.0.0.1:9/c", events=["risk.created"])
    webhook_update(actor=owner, webhook=paused, active=False)
    webhook_create(actor=outsider, team=other_team, url="http://127.0.0.1:9/d", events=["*"])
    with transaction.atomic():
        emit(team, "risk.created", {"id": 1})
        emit(team, "mitigation.updated", {"id": 2})
    got = sorted((d.webhook_id, d.event_type) for d in WebhookDelivery.objects.all())
    assert got == sorted([(risk_hook.pk, "risk.created"), (all_hook.pk, "risk.created"),
                          (all_hook.pk, "mitigation.updated")])


def test_register_writes_emit_after_commit(team, owner, write_token, register, django_capture_on_commit_callbacks):
    client = bearer(write_token)
    with Receiver() as receiver:
        Webhook.objects.all().delete()
        webhook_create(actor=owner, team=team, url=receiver.url,
                       events=["risk.created", "risk.updated", "mitigation.updated"])
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post("/api/v1/risks/", {"system": register["system"].pk, "title": "Hooked"},
                                  format="json")
        assert created.status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            patched = client.patch(f"/api/v1/risks/{created.json()['id']}/", {"impact": 5}, format="json",
                                   HTTP_IF_MATCH=created["ETag"])
        assert patched.status_code == 200
    events = [json.loads(r["body"]) for r in receiver.requests]
    assert [e["type"] for e in events] == ["risk.created", "risk.updated"]
    assert events[1]["data"]["id"] == created.json()["id"] and events[1]["data"]["version"] == patched.json()["version"]
    assert events[1]["data"]["href"] == f"/api/v1/risks/{created.json()['id']}/"
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_api_deliveries_ping_and_retry(team, owner, write_token):
    client = bearer(write_token)
    with Receiver([(500, {}, 0), (204, {}, 0)]) as receiver:
        webhook = client.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["risk.created"]},
                              format="json").json()
        ping = client.post(f"/api/v1/webhooks/{webhook['id']}/ping/")
        assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.ping"
        delivery_id = ping.json()["id"]
        sending.attempt(delivery_id)  # the eager task ran on commit only in a real transaction
        listed = client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/").json()["results"]
        assert listed[0]["status"] == "retrying" and listed[0]["response_code"] == 500 and listed[0]["attempts"] == 1
        retried = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery_id}/retry/")
        assert retried.status_code == 202 and retried.json()["status"] == "pending"
        sending.attempt(delivery_id)
        one = client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery_id}/").json()
    assert one["status"] == "delivered" and one["response_code"] == 204
    assert client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/?status=bogus").status_code == 400
    again = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery_id}/retry/")
    assert again.status_code == 400 and "status" in again.json()["errors"]


def test_webhooks_belong_to_owners(team, owner, contributor, other_team, outsider):
    webhook, _ = webhook_create(actor=owner, team=team, url="http://127.0.0.1:9/", events=["risk.created"])
    contributor_client = bearer(make_token(team, contributor, actor=owner))
    assert contributor_client.get("/api/v1/webhooks/").json()["results"] == []
    assert contributor_client.get(f"/api/v1/webhooks/{webhook.pk}/").status_code == 404
    denied = contributor_client.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/", "events": ["*"]},
                                     format="json")
    assert denied.status_code == 403
    outsider_client = bearer(make_token(other_team, outsider))
    assert outsider_client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").status_code == 404
    owner_client = bearer(make_token(team, owner))
    assert owner_client.patch(f"/api/v1/webhooks/{webhook.pk}/", {"active": False}, format="json").status_code == 428
    bad = owner_client.post("/api/v1/webhooks/", {"url": "http://10.0.0.1/", "events": ["risk.created"]},
                            format="json")
    assert bad.status_code == 400 and "url" in bad.json()["errors"]  # private: only 127.0.0.1 is allowed in tests


def test_settings_page_manages_webhooks_and_shows_deliveries(client, team, owner, settings):
    client.force_login(owner)
    with Receiver() as receiver:
        page = client.post(f"/teams/{team.slug}/settings/", {
            "create_webhook": "1", "w-url": receiver.url, "w-events": ["risk.created", "risk.updated"],
            "w-description": "Jira sync"})
        assert page.status_code == 200
        webhook = Webhook.objects.get()
        secret = decrypt(webhook.secret_encrypted)
        assert secret in page.content.decode() and "will not be shown again" in page.content.decode()
        assert secret not in client.get(f"/teams/{team.slug}/settings/").content.decode()
        client.post(f"/teams/{team.slug}/webhooks/{webhook.pk}/", {"action": "ping"})
        delivery = WebhookDelivery.objects.get()
        sending.attempt(delivery.pk)
        detail = client.get(f"/teams/{team.slug}/webhooks/{webhook.pk}/").content.decode()
    assert delivery.event_id in detail and "Delivered" in detail and "204" in detail
    settings.WEBHOOK_ALLOWED_HOSTS = []
    refused = client.post(f"/teams/{team.slug}/settings/", {
        "create_webhook": "1", "w-url": "http://169.254.169.254/", "w-events": ["risk.created"]})
    assert refused.status_code == 200 and "cloud metadata" in refused.content.decode()
    client.post(f"/teams/{team.slug}/webhooks/{webhook.pk}/", {"action": "pause"})
    assert not Webhook.objects.get(pk=webhook.pk).active
    viewer = member(team, Role.VIEWER)
    client.force_login(viewer)
    assert client.get(f"/teams/{team.slug}/webhooks/{webhook.pk}/").status_code == 403
    assert "Add a webhook" not in client.get(f"/teams/{team.slug}/settings/").content.decode()



def test_deliver_webhooks_command_sends_what_is_due(team, hook):
    from io import StringIO

    from django.core.management import call_command

    with Receiver([(503, {}, 0), (204, {}, 0)]) as receiver:
        hook(receiver.url)
        delivery = _emit(team)
        out = StringIO()
        call_command("deliver_webhooks", stdout=out)
        assert out.getvalue().strip() == "1 retrying"
        call_command("deliver_webhooks", stdout=out)  # not due yet
        _make_due(delivery)
        call_command("deliver_webhooks", stdout=out)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 2
