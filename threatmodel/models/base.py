from django.db import models


class Versioned(models.Model):
    """An editable object: `version` is its ETag and the guard against lost updates."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
