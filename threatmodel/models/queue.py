from django.db import models


class PendingTask(models.Model):
    """A task that could not be handed to the broker (it was down). Never dropped: flushed to the
    broker when it is back (threatmodel.queue.flush_pending), oldest first."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
