from django.conf import settings
from django.db import models


class NotificationLog(models.Model):
    """One row per (user, item, day) mailed: nobody is mailed twice about the same item on the same day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    day = models.DateField()
    reason = models.CharField(max_length=30)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "user", "object_type", "object_id"]
        constraints = [models.UniqueConstraint(fields=["user", "object_type", "object_id", "day"],
                                               name="uniq_notification_per_item_per_day")]
        indexes = [models.Index(fields=["day", "user"])]

    def __str__(self) -> str:
        return f"{self.reason} {self.object_type}:{self.object_id} to user-{self.user_id} on {self.day}"
