"""Outbound calls to Jira and GitHub: through the webhooks' SSRF guard, with timeouts, and with every
answer sorted into what the caller must do about it.

- the request is the webhooks' own guarded exchange (`threatmodel.webhooks.outbound`): the target resolved and
  checked by the SSRF guard (loopback only where WEBHOOK_ALLOWED_HOSTS allows it for webhooks), the connection
  to the checked address, no redirects followed, a response body read up to MAX_RESPONSE_BYTES;
- 401/403 -> AuthFailed (the token is refused), 404/410 -> TicketGone, 429 or GitHub's exhausted
  `X-RateLimit-Remaining: 0` -> RateLimited with the wait (`Retry-After`, else `X-RateLimit-Reset`),
  408/5xx and network trouble -> Unavailable (retried with backoff), anything else -> RemoteError.
A successful answer that says the budget is spent (`X-RateLimit-Remaining: 0`) is returned with
`rate_limited_for` set, so the caller stops before the next call is refused.
"""

import http.client
import json
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from threatmodel.webhooks import outbound, targets

USER_AGENT = "AIThreatRegister-Connectors/1.0"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
MAX_WAIT_SECONDS = 3600


class RemoteError(Exception):
    """The tracker answered with something we cannot use; the message says what."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class AuthFailed(RemoteError):
    pass


class TicketGone(RemoteError):
    pass


class Unavailable(RemoteError):
    pass


class RateLimited(RemoteError):
    def __init__(self, message: str, wait_seconds: float, status: int | None = 429):
        super().__init__(message, status)
        self.wait_seconds = wait_seconds


@dataclass
class Answer:
    status: int
    headers: dict = field(default_factory=dict)
    data: object = None
    rate_limited_for: float | None = None


def timeout_seconds() -> float:
    return float(getattr(settings, "CONNECTOR_TIMEOUT_SECONDS", 10.0) or 10.0)


def wait_from_headers(headers: dict) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date) or X-RateLimit-Reset (epoch seconds)."""
    value = headers.get("retry-after")
    if value:
        try:
            return min(MAX_WAIT_SECONDS, max(0.0, float(value)))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return min(MAX_WAIT_SECONDS, max(0.0, (when - timezone.now()).total_seconds()))
            except (TypeError, ValueError):
                pass
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            return min(MAX_WAIT_SECONDS, max(1.0, float(reset) - time.time()))
        except ValueError:
            return None
    return None


def check_base_url(url: str) -> None:
    """targets.TargetRefused unless `url` may be called (the same rule as a webhook URL)."""
    targets.resolve(url)


def request(method: str, url: str, *, headers: dict, body=None, timeout: float | None = None) -> Answer:
    timeout = timeout_seconds() if timeout is None else timeout
    payload = None if body is None else json.dumps(body).encode()
    send = {"Accept": "application/json", "User-Agent": USER_AGENT, **headers}
    if payload is not None:
        send["Content-Type"] = "application/json"
    host = urlsplit(url).hostname or url[:100]
    try:
        answer = outbound.exchange(method, url, headers=send, body=payload, timeout=timeout,
                                   max_bytes=MAX_RESPONSE_BYTES)
    except targets.TargetRefused as exc:
        raise RemoteError(f"refused: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise Unavailable(f"{method} {host}: {type(exc).__name__}: {exc}"[:300]) from exc
    return _sort(method, host, answer.status, answer.headers, answer.body)


def _sort(method: str, host: str, status: int, headers: dict, raw: bytes) -> Answer:
    where = f"{method} {host} answered {status}"
    exhausted = headers.get("x-ratelimit-remaining") == "0"
    if status == 429 or (status == 403 and (exhausted or "retry-after" in headers)):
        wait = wait_from_headers(headers)
        raise RateLimited(f"{where}: rate limited", 60.0 if wait is None else wait, status)
    if status in (401, 403):
        raise AuthFailed(f"{where}: the token was refused", status)
    if status in (404, 410):
        raise TicketGone(f"{where}: not found", status)
    if status == 408 or status >= 500:
        raise Unavailable(where, status)
    if 300 <= status < 400:
        raise RemoteError(f"{where}: redirect not followed (Location: {headers.get('location', '')[:200]})", status)
    if status >= 400 or len(raw) > MAX_RESPONSE_BYTES:
        raise RemoteError(f"{where}: {raw[:200].decode(errors='replace')}", status)
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise RemoteError(f"{where}: the body is not JSON", status) from exc
    answer = Answer(status=status, headers=headers, data=data)
    if exhausted:
        answer.rate_limited_for = wait_from_headers(headers) or 60.0
    return answer
