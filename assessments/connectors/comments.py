"""Our side changing a mitigation comments on its tickets.

`mitigation_changed` receives the services' `signals.mitigation_changed` (connected in AppConfig.ready)
after a change is recorded; it queues one
comment per linked, live ticket for after commit (a rolled-back change says nothing). Changes the
connector itself makes while following a ticket run inside `quiet()`, so a ticket never hears its own
echo.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_quiet: ContextVar[bool] = ContextVar("connector_comments_quiet", default=False)
SKIP_FIELDS = frozenset({"evidence_links"})


@contextmanager
def quiet():
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def describe(changes: dict) -> str:
    if "status" in changes:
        old, new = changes["status"]
        text = f"AI Threat Register: the mitigation moved from {old} to {new}."
        reason = (changes.get("status_reason") or [None, ""])[1]
        return f"{text} Reason: {reason}" if reason else text
    fields = sorted(f for f in changes if f not in SKIP_FIELDS)
    return f"AI Threat Register: the mitigation's {', '.join(fields)} changed." if fields else ""


def mitigation_changed(sender=None, *, mitigation, changes: dict, **_signal) -> None:
    if _quiet.get() or not changes:
        return
    from ..models import ExternalRef

    text = describe(changes)
    if not text:
        return
    ref_ids = list(ExternalRef.objects.filter(mitigation=mitigation, connector__active=True,
                                              missing_at__isnull=True).values_list("pk", flat=True))
    for ref_id in ref_ids:
        queue_comment(ref_id, text)


def queue_comment(ref_id: int, text: str) -> None:
    from threatmodel.queue import enqueue

    enqueue("assessments.connectors.comment", ref_id, text)
