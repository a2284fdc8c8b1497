from django.db import models


class StoredFile(models.Model):
    """A file kept in the database (threatmodel.storage.DatabaseStorage): every app server reads the same
    bytes, with no shared disk and no object store. Fit for report PDFs (a few hundred KB each)."""

    name = models.CharField(max_length=300, unique=True)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
