from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from threatmodel.models import AISystem

from .mitigations import Mitigation
from .risks import Risk

COMMENT_MAX_LENGTH = 4000


class Comment(models.Model):
    """One message in the short discussion thread of a risk or a mitigation (exactly one of the two).

    Append-only: written by ``services.comment_add``, which records the audit event on the risk or
    mitigation, notifies the people @mentioned and emits the ``comment.created`` webhook event.
    """

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="comments")
    risk = models.ForeignKey(Risk, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    mitigation = models.ForeignKey(Mitigation, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(
            condition=(Q(risk__isnull=False, mitigation__isnull=True) | Q(risk__isnull=True, mitigation__isnull=False)),
            name="comment_on_risk_xor_mitigation")]
        indexes = [models.Index(fields=["risk", "created_at"]), models.Index(fields=["mitigation", "created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.target_type} {self.risk_id or self.mitigation_id}"

    @property
    def target(self):
        return self.risk if self.risk_id else self.mitigation

    @property
    def target_type(self) -> str:
        return "risk" if self.risk_id else "mitigation"
