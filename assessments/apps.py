import logging

from django.apps import AppConfig

log = logging.getLogger(__name__)


def queue_resuggest(system_id: int) -> None:
    """threatmodel.events hook (runs on commit): re-suggest the system in the background.

    Never lets a failure reach the request that changed the model: the write is committed and the
    next change (or `manage.py resuggest`) brings the register in step.
    """
    from threatmodel.queue import send

    try:
        # a broker outage keeps it as a pending task, flushed later
        send("assessments.tasks.resuggest_system", system_id)
    except Exception:  # (eager mode) an engine error
        log.exception("re-suggest of system %s failed", system_id)


def queue_resuggest_all(release_id: int) -> None:
    """catalog.events hook (runs on commit after a release that changed the threats)."""
    from threatmodel.queue import send

    try:
        send("assessments.tasks.resuggest_all_systems", release_id)
    except Exception:
        log.exception("re-suggest after catalog release %s failed", release_id)


def deleted_with_system(system):
    """threatmodel.events hook: the risks and mitigations a system's deletion removes (for tombstones)."""
    from .models import Mitigation, Risk

    yield from (("risk", pk) for pk in Risk.objects.filter(system=system).values_list("pk", flat=True))
    yield from (("mitigation", pk) for pk in Mitigation.objects.filter(system=system).values_list("pk", flat=True))


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Risk register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.events import on_catalog_released
        from threatmodel.events import on_system_changed, on_system_deleting

        on_system_changed(queue_resuggest)
        on_system_deleting(deleted_with_system)
        on_catalog_released(queue_resuggest_all)

        from . import signals
        from .connectors import comments

        signals.mitigation_changed.connect(comments.mitigation_changed, dispatch_uid="connectors.ticket_comments")
