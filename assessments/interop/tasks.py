"""The Celery task that applies a confirmed import. Takes an id; safe to run twice (see services.import_apply)."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="assessments.interop.apply_import", acks_late=True, ignore_result=True)
def apply_import(record_id: int) -> str:
    """Apply the import in one transaction; a worker that dies mid-way rolls it back and the task is redelivered."""
    from django.db import transaction

    from ..models import ImportRecord, ImportStatus
    from .services import import_apply

    try:
        return import_apply(record_id=int(record_id))
    except Exception:  # a bug must not leave the record "applying" for ever: back to its preview, logged
        log.exception("import %s failed", record_id)
        with transaction.atomic():
            ImportRecord.objects.filter(pk=record_id, status=ImportStatus.APPLYING).update(
                status=ImportStatus.PREVIEW, error={"path": "$", "message": "the import failed unexpectedly; "
                                                                            "nothing was written"})
        return "failed"
