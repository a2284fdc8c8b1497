"""`Idempotency-Key` on POST: a replay with the same body returns the original status and body
without doing anything; the same key with another body is a 422; a duplicate that arrives while
the first is still running is a 409. Keys are per principal (token, or user for sessions) and kept
for IDEMPOTENCY_TTL (at least 24 hours)."""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
IDEMPOTENCY_TTL = timedelta(hours=48)
REPLAY_HEADERS = ("Location", "ETag")
KEY_MAX_LENGTH = 255  # the schema declares it (contract.py)


class Replay(exceptions.APIException):
    """Carries a stored response out of `initial()`; the base view returns it as is."""

    def __init__(self, response: Response):
        super().__init__()
        self.response = response


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry later."


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with a different request body."


def principal_for(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def begin(request) -> IdempotencyRecord | None:
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Must be 1 to {KEY_MAX_LENGTH} characters, not all blank."]})
    key = key.strip()
    body_hash = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                               + request._request.body).hexdigest()
    principal = principal_for(request)
    IdempotencyRecord.objects.filter(principal=principal, key=key,
                                     created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                principal=principal, key=key, method=request.method, path=request.path[:500],
                body_hash=body_hash, user=request.user if request.user.is_authenticated else None)
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
    if existing is None:  # deleted between our insert and read: treat as in flight
        raise KeyConflict()
    if existing.body_hash != body_hash:
        raise KeyReused()
    if not existing.completed:
        raise KeyConflict()
    response = Response(existing.response_body, status=existing.status_code)
    if existing.status_code >= 400:  # a replayed error is the same problem document
        response.content_type = "application/problem+json"
    for name, value in (existing.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def finish(record: IdempotencyRecord | None, response) -> None:
    if record is None:
        return
    if response.status_code >= 500 or response.status_code in (409, 429):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()  # let the client retry
        return
    headers = {h: response[h] for h in REPLAY_HEADERS if response.has_header(h)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        completed=True, status_code=response.status_code, response_body=getattr(response, "data", None),
        response_headers=headers)
