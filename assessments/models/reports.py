from django.conf import settings
from django.db import models

from threatmodel.models import AISystem


class ReportKind(models.TextChoices):
    PIA = "pia", "Privacy impact assessment"
    ASSURANCE = "assurance", "Assurance report"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


REPORT_FINISHED = frozenset({ReportStatus.DONE, ReportStatus.FAILED})


def report_upload_to(report: "Report", filename: str) -> str:
    return f"reports/{report.system.team_id}/{report.system_id}/{filename}"


class Report(models.Model):
    """One generated report (PIA or assurance) of a system: a row per request, kept as the system's history.

    Rendered by ``assessments.reports.tasks.render_report`` (queued on commit). ``claim`` is the token
    of the run that owns the render: a re-delivered task finds it taken (or the report finished) and
    does nothing, so each report is completed exactly once. ``sha256`` is the PDF file's digest,
    ``content_sha256`` the digest of the report's content printed inside it.
    """

    system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=report_upload_to, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    pdf_variant = models.CharField(max_length=20, blank=True)
    # PAdES signature applied with the key and certificate of the settings (empty when unsigned).
    signature = models.CharField(max_length=40, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    catalog_release = models.ForeignKey("catalog.CatalogRelease", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    catalog_version = models.CharField(max_length=60, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_by_label = models.CharField(max_length=150, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["system", "kind", "created_at"]),
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of {self.system}"

    @property
    def finished(self) -> bool:
        return self.status in REPORT_FINISHED

    @property
    def filename(self) -> str:
        slug = self.system.slug or "system"
        return f"{slug}-{self.kind}-{self.pk}.pdf"
