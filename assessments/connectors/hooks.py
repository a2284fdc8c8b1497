"""Inbound webhooks: /hooks/jira/{connector_id}/ and /hooks/github/{connector_id}/.

Both are verified before anything is read: GitHub's `X-Hub-Signature-256` and Jira's `X-Hub-Signature`
are `sha256=` + hex HMAC-SHA256 of the raw body with the connector's webhook secret. A request without
a valid signature (or to a connector without a secret) is a 401 problem+json and changes nothing.
Issue events update the linked reference and mitigation by the same rule as a pull
(assessments.connectors.mapping); a deleted issue marks the link missing. Other events are ignored (204).
"""

import hashlib
import hmac
import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import Connector, ConnectorKind, ExternalRef
from .clients import GitHubClient, JiraClient
from .http import RemoteError
from .services import connector_webhook_secret
from .tickets import ticket_apply_remote, ticket_mark_missing

MAX_BODY = 1024 * 1024


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse({"type": "about:blank", "title": title, "status": status, "detail": detail}, status=status,
                        content_type="application/problem+json")


def signature_ok(secret: str, header: str, body: bytes) -> bool:
    if not secret or not header:
        return False
    method, _, value = header.strip().partition("=")
    if method.lower() != "sha256" or not value:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, value.strip().lower())


def _receive(request, connector_id: int, kind: str, header: str):
    connector = Connector.objects.filter(pk=connector_id, kind=kind, active=True).select_related("team").first()
    if connector is None:
        return None, _problem(404, "Not found", "No such connector.")
    body = request.body
    if len(body) > MAX_BODY:
        return None, _problem(413, "Payload too large", f"At most {MAX_BODY} bytes.")
    if not signature_ok(connector_webhook_secret(connector), request.headers.get(header, ""), body):
        return None, _problem(401, "Signature required", f"The {header} header is missing or does not match.")
    try:
        payload = json.loads(body)
    except ValueError:
        return None, _problem(400, "Bad request", "The body is not JSON.")
    return (connector, payload if isinstance(payload, dict) else {}), None


def _ref(connector, external_id: str) -> ExternalRef | None:
    return ExternalRef.objects.filter(connector=connector, external_id=external_id).first()


@csrf_exempt
@require_POST
def github_hook(request, connector_id: int):
    received, error = _receive(request, connector_id, ConnectorKind.GITHUB, "X-Hub-Signature-256")
    if error:
        return error
    connector, payload = received
    issue = payload.get("issue")
    if request.headers.get("X-GitHub-Event") != "issues" or not isinstance(issue, dict):
        return HttpResponse(status=204)
    client = GitHubClient(connector, "")
    try:
        ticket = client.parse_ticket(issue)
    except RemoteError:  # a payload without an issue number is a 400, not a 500
        return _problem(400, "Bad request", "issue.number is missing.")
    ref = _ref(connector, ticket.external_id)
    if ref is None:
        return HttpResponse(status=204)
    if payload.get("action") in ("deleted", "transferred"):
        ticket_mark_missing(ref_id=ref.pk)
    else:
        ticket_apply_remote(ref_id=ref.pk, ticket=ticket)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def jira_hook(request, connector_id: int):
    received, error = _receive(request, connector_id, ConnectorKind.JIRA, "X-Hub-Signature")
    if error:
        return error
    connector, payload = received
    issue = payload.get("issue")
    event = str(payload.get("webhookEvent") or "")
    if not event.startswith("jira:issue_") or not isinstance(issue, dict):
        return HttpResponse(status=204)
    try:
        ticket = JiraClient(connector, "").parse_ticket(issue)
    except RemoteError:
        return _problem(400, "Bad request", "issue.key is missing.")
    ref = _ref(connector, ticket.external_id)
    if ref is None:
        return HttpResponse(status=204)
    if event == "jira:issue_deleted":
        ticket_mark_missing(ref_id=ref.pk)
    else:
        ticket_apply_remote(ref_id=ref.pk, ticket=ticket)
    return HttpResponse(status=204)
