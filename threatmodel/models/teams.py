from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    OWNER = "owner", "Owner"

    @classmethod
    def rank(cls, role: str) -> int:
        return {cls.VIEWER: 1, cls.CONTRIBUTOR: 2, cls.OWNER: 3}.get(role, 0)


# What each role lets a token do: a token never does more than its member may (checked per request).
ROLE_SCOPES = {Role.VIEWER: {"read"}, Role.CONTRIBUTOR: {"read", "write"}, Role.OWNER: {"read", "write"}}


def token_effective_scopes(scopes, role: str | None) -> list[str]:
    """The scopes a token may use now: its own, narrowed by its member's current role (none if not a member)."""
    allowed = ROLE_SCOPES.get(role, set())
    return sorted(set(scopes or []) & allowed)


class Team(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    # 5x5 likelihood x impact -> band; None means the product default (assessments.scoring).
    risk_matrix = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.CONTRIBUTOR)
    digest_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="uniq_membership")]
        ordering = ["team", "user"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return Role.rank(self.role) >= Role.rank(minimum)


class ApiToken(models.Model):
    """A team-scoped bearer token. Only the SHA-256 digest of the secret is stored."""

    SCOPES = ("read", "write")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        """`effective_scopes` (set at authentication from the member's current role) narrows `scopes`."""
        return scope in getattr(self, "effective_scopes", self.scopes or [])
