from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran a task for this deployment (shown by /readyz)."""

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
