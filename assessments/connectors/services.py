"""Writes on connectors (team owners): create, change, delete, and the health a failing token leaves.

Secrets (the API token, the inbound webhook secret) are encrypted with threatmodel.crypto before they
are stored and appear in no answer and no audit event (only "set" / "changed"). The base URL passes
the webhooks' SSRF guard at registration and again at every call.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone

from threatmodel.audit import audit_record, diff
from threatmodel.crypto import DecryptionError, decrypt, encrypt
from threatmodel.models import Role
from threatmodel.services.common import bump, check_version, require_role
from threatmodel.webhooks import targets

from ..models import GITHUB_API, Connector, ConnectorHealth, ConnectorKind
from ..services.common import clean_text
from . import http

REPOSITORY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
PROJECT_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
PUBLIC_FIELDS = ("kind", "base_url", "project_key", "repository", "username", "sync_accepted_risks", "active")
UPDATABLE = {"base_url", "project_key", "repository", "username", "token", "webhook_secret", "sync_accepted_risks",
             "active"}


def connector_token(connector: Connector) -> str:
    try:
        return decrypt(connector.token_encrypted)
    except DecryptionError as exc:
        raise http.AuthFailed("the stored token cannot be decrypted (FIELD_ENCRYPTION_KEY changed?)") from exc


def connector_webhook_secret(connector: Connector) -> str:
    if not connector.webhook_secret_encrypted:
        return ""
    try:
        return decrypt(connector.webhook_secret_encrypted)
    except DecryptionError:
        return ""


def _snapshot(c: Connector) -> dict:
    return {f: getattr(c, f) for f in PUBLIC_FIELDS}


def _clean(kind: str, values: dict) -> dict:
    """Validate a connector's fields for its kind; ValidationError naming the field."""
    out = {}
    base_url = clean_text(values.get("base_url"), "base_url", max_length=300)
    if kind == ConnectorKind.GITHUB and not base_url:
        base_url = GITHUB_API
    if not base_url:
        raise ValidationError({"base_url": "Give your Jira site, e.g. https://example.atlassian.net."})
    try:
        URLValidator(schemes=["http", "https"])(base_url)
        targets.resolve(base_url.rstrip("/"))
    except targets.TargetRefused as exc:
        raise ValidationError({"base_url": str(exc).replace("webhooks only call", "connectors only call")}) from exc
    except (ValidationError, UnicodeError, ValueError) as exc:  # not a URL, or a host that cannot be encoded
        raise ValidationError({"base_url": "An http(s) URL, e.g. https://example.atlassian.net."}) from exc
    out["base_url"] = base_url.rstrip("/")
    if kind == ConnectorKind.JIRA:
        key = clean_text(values.get("project_key"), "project_key", max_length=40, required=True)
        if not PROJECT_KEY_RE.match(key):
            raise ValidationError({"project_key": "A Jira project key: capital letters and digits, e.g. SEC."})
        username = clean_text(values.get("username"), "username", max_length=200, required=True)
        try:
            EmailValidator()(username)
        except ValidationError as exc:
            raise ValidationError({"username": "The Jira account's e-mail address."}) from exc
        out.update(project_key=key, username=username, repository="")
    else:
        repo = clean_text(values.get("repository"), "repository", max_length=200, required=True)
        if not REPOSITORY_RE.match(repo):
            raise ValidationError({"repository": "owner/name, e.g. acme/ml-platform."})
        if clean_text(values.get("username"), "username"):
            raise ValidationError({"username": "Leave it empty for GitHub (the token identifies the account)."})
        out.update(repository=repo, project_key="", username="")
    return out


def _secret(value, field: str, *, required: bool) -> str:
    value = clean_text(value, field, max_length=500, required=required)
    if value and len(value) < 8:
        raise ValidationError({field: "At least 8 characters."})
    return value


def connector_create(*, actor, team, kind: str, token: str, base_url: str = "", project_key: str = "",
                     repository: str = "", username: str = "", webhook_secret: str = "",
                     sync_accepted_risks: bool = False, active: bool = True) -> Connector:
    require_role(actor, team, Role.OWNER)
    if kind not in ConnectorKind.values:
        raise ValidationError({"kind": f"One of {', '.join(ConnectorKind.values)}."})
    fields = _clean(kind, {"base_url": base_url, "project_key": project_key, "repository": repository,
                           "username": username})
    token = _secret(token, "token", required=True)
    webhook_secret = _secret(webhook_secret, "webhook_secret", required=False)
    connector = Connector(team=team, kind=kind, token_encrypted=encrypt(token), token_hint=token[-4:],
                          webhook_secret_encrypted=encrypt(webhook_secret) if webhook_secret else "",
                          sync_accepted_risks=bool(sync_accepted_risks), active=bool(active), created_by=actor,
                          **fields)
    with transaction.atomic():
        connector.full_clean(exclude=["created_by"])
        connector.save()
        changes = diff({}, _snapshot(connector))
        changes["token"] = [None, "set"]
        if webhook_secret:
            changes["webhook_secret"] = [None, "set"]
        audit_record(team=team, actor=actor, action="connector.created", obj=connector, changes=changes)
    return connector


def connector_update(*, actor, connector: Connector, expected_version: int | None = None, **changes) -> Connector:
    require_role(actor, connector.team, Role.OWNER)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    with transaction.atomic():
        connector = Connector.objects.select_for_update(of=("self",)).select_related("team").get(pk=connector.pk)
        check_version(connector, expected_version)
        before = _snapshot(connector)
        merged = {**_snapshot(connector), **{k: v for k, v in changes.items() if k in PUBLIC_FIELDS}}
        if {"base_url", "project_key", "repository", "username"} & set(changes):
            for field, value in _clean(connector.kind, merged).items():
                setattr(connector, field, value)
        connector.sync_accepted_risks = bool(merged["sync_accepted_risks"])
        connector.active = bool(merged["active"])
        secrets = {}
        if changes.get("token"):
            token = _secret(changes["token"], "token", required=True)
            connector.token_encrypted, connector.token_hint = encrypt(token), token[-4:]
            connector.health, connector.last_error, connector.failing_since = ConnectorHealth.OK, "", None
            connector.owners_notified_at = None
            secrets["token"] = ["set", "changed"]
        if "webhook_secret" in changes:
            secret = _secret(changes["webhook_secret"], "webhook_secret", required=False)
            connector.webhook_secret_encrypted = encrypt(secret) if secret else ""
            secrets["webhook_secret"] = ["set", "changed" if secret else None]
        changed = {**diff(before, _snapshot(connector)), **secrets}
        if not changed:
            return connector
        bump(connector)
        connector.save()
        audit_record(team=connector.team, actor=actor, action="connector.updated", obj=connector, changes=changed)
    return connector


def connector_delete(*, actor, connector: Connector, expected_version: int | None = None) -> None:
    """Remove the connector; its tickets' references stay (as plain references) on the mitigations."""
    require_role(actor, connector.team, Role.OWNER)
    with transaction.atomic():
        connector = Connector.objects.select_for_update(of=("self",)).select_related("team").get(pk=connector.pk)
        check_version(connector, expected_version)
        audit_record(team=connector.team, actor=actor, action="connector.deleted", obj=connector,
                     changes=diff(_snapshot(connector), {}))
        connector.delete()


# --- health ----------------------------------------------------------------------------------------

def connector_record_failure(*, connector_id: int, error: Exception) -> Connector | None:
    """Record why the last call failed. A refused token marks the connector failing and mails the team's
    owners once per failing spell (not at every pull); a rate limit records until when to wait."""
    from threatmodel.queue import enqueue

    with transaction.atomic():
        connector = Connector.objects.select_for_update().filter(pk=connector_id).first()
        if connector is None:
            return None
        now = timezone.now()
        connector.last_error = str(error)[:500]
        fields = ["last_error", "health"]
        if isinstance(error, http.RateLimited):
            connector.health = ConnectorHealth.RATE_LIMITED
            connector.rate_limited_until = now + timezone.timedelta(seconds=error.wait_seconds)
            fields.append("rate_limited_until")
        elif isinstance(error, http.AuthFailed):
            connector.health = ConnectorHealth.AUTH_FAILED
            if connector.failing_since is None:
                connector.failing_since = now
                fields.append("failing_since")
            if connector.owners_notified_at is None:
                connector.owners_notified_at = now
                fields.append("owners_notified_at")
                enqueue("assessments.connectors.notify_failing", connector.pk)
        else:
            connector.health = ConnectorHealth.UNREACHABLE
        connector.save(update_fields=fields)
    return connector


def connector_record_success(*, connector_id: int, rate_limited_for: float | None = None, synced: bool = False):
    """The token works again: clear the failure (the next failing spell notifies again)."""
    now = timezone.now()
    values = {"health": ConnectorHealth.OK, "last_error": "", "failing_since": None, "owners_notified_at": None,
              "rate_limited_until": None}
    if rate_limited_for is not None:
        values.update(health=ConnectorHealth.RATE_LIMITED, rate_limited_until=now + timezone.timedelta(
            seconds=rate_limited_for), last_error="the tracker's rate limit is spent; waiting for its reset")
    if synced:
        values["last_sync_at"] = now
    Connector.objects.filter(pk=connector_id).update(**values)
