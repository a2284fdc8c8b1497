"""The event types a webhook can subscribe to, and the payload shape of object events."""

from django.core.serializers.json import DjangoJSONEncoder

EVENT_TYPES: dict[str, str] = {
    "risk.created": "A risk was created by a person (not an engine suggestion).",
    "risk.updated": "A risk's fields, status, acceptance, residual score or ticket references changed.",
    "risk.deleted": "A custom risk was deleted.",
    "mitigation.created": "A mitigation was created.",
    "mitigation.updated": "A mitigation's fields, status, links or ticket references changed.",
    "mitigation.deleted": "A mitigation was deleted.",
    "system.imported": "A model was imported into a system (new or updated): one event per import, with the "
                       "counts created and updated; read the objects with delta sync.",
    "comment.created": "A comment was added to a risk or a mitigation (with the people it mentions).",
    "report.completed": "A PIA or assurance report finished rendering.",
    "webhook.ping": "A test event sent from the settings page or the API.",
}
ALL_EVENTS = "*"


def object_payload(obj, object_type: str | None = None, **extra) -> dict:
    """A thin, stable description of a changed object: what it is, where to read it, its version.

    Receivers fetch the full object from `href` (with the version in hand, `If-None-Match` makes the
    read cheap); the webhook body never carries more than the API would show the team.
    """
    kind = object_type or obj._meta.model_name
    data = {"object_type": kind, "id": obj.pk, "href": f"/api/v1/{kind}s/{obj.pk}/"}
    for field in ("system_id", "version", "status", "title", "updated_at"):
        if hasattr(obj, field):
            data[field.removesuffix("_id")] = getattr(obj, field)
    data.update(extra)
    return _jsonable(data)


def _jsonable(value):
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
