from django.conf import settings
from django.db import models

from threatmodel.models import Team
from threatmodel.models.base import Versioned

GITHUB_API = "https://api.github.com"


class ConnectorKind(models.TextChoices):
    JIRA = "jira", "Jira Cloud"
    GITHUB = "github", "GitHub"


class ConnectorHealth(models.TextChoices):
    OK = "ok", "Working"
    AUTH_FAILED = "auth_failed", "Token refused"
    UNREACHABLE = "unreachable", "Unreachable"
    RATE_LIMITED = "rate_limited", "Rate limited"


class Connector(Versioned):
    """A team's link to one Jira project or GitHub repository (assessments.connectors).

    The API token and the inbound webhook secret are stored encrypted with threatmodel.crypto and
    never returned; `token_hint` keeps the last four characters so owners can tell tokens apart.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(max_length=10, choices=ConnectorKind.choices)
    base_url = models.URLField(max_length=300)
    project_key = models.CharField(max_length=40, blank=True)  # Jira
    repository = models.CharField(max_length=200, blank=True)  # GitHub: owner/name
    username = models.CharField(max_length=200, blank=True)  # Jira: the account's e-mail address
    token_encrypted = models.TextField()
    token_hint = models.CharField(max_length=8, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    sync_accepted_risks = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    health = models.CharField(max_length=12, choices=ConnectorHealth.choices, default=ConnectorHealth.OK)
    last_error = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    owners_notified_at = models.DateTimeField(null=True, blank=True)  # once per failing spell
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["team", "id"]
        indexes = [models.Index(fields=["updated_at", "id"]), models.Index(fields=["active", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"

    @property
    def target(self) -> str:
        return self.project_key if self.kind == ConnectorKind.JIRA else self.repository

    @property
    def tracker(self) -> str:
        return self.kind
