"""An object's history tab: its audit events, newest first, with before/after of each changed field.

The trail stores ids and pseudonymous user labels (they survive renames and erasure); the tab shows
names: "user-N" as the username, a component, risk or mitigation id as its current name, or, when it
has been deleted since, the name its last audit event recorded ("Refund tool call (deleted)").
"""

import re
from collections import defaultdict

from django.contrib.auth import get_user_model

from threatmodel.models import AuditEvent, Component

from ..models import Mitigation, Risk

USER_LABEL = re.compile(r"^user-(\d+)$")
# Fields whose values are ids of other objects: field -> (model, the attribute that names it).
ID_FIELDS = {"component": (Component, "name"), "mitigations": (Mitigation, "title"), "risks": (Risk, "title")}


def _display(value, names: dict[str, str], field_names: dict | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field_names is not None and isinstance(value, int) and not isinstance(value, bool):
        return field_names.get(value, f"#{value}")
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_display(v, names, field_names) for v in value)
    return str(value)


def _ids(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def object_names(events) -> dict[str, dict[int, str]]:
    """{field: {id: name}} for the id-valued fields of the events: current names, then the last name the
    trail recorded for objects deleted since. Two queries per kind of object, whatever the events."""
    wanted: dict[str, set[int]] = defaultdict(set)
    team_ids = set()
    for event in events:
        for field, old_new in event.changes.items():
            if field in ID_FIELDS and isinstance(old_new, list):
                for value in old_new:
                    wanted[field].update(_ids(value))
                team_ids.add(event.team_id)
    out: dict[str, dict[int, str]] = {}
    for field, ids in wanted.items():
        model, attr = ID_FIELDS[field]
        found = dict(model.objects.filter(pk__in=ids).values_list("pk", attr))
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            for object_id, label in (AuditEvent.objects.filter(team_id__in=team_ids, object_id__in=missing,
                                                               object_type=model._meta.label_lower)
                                     .order_by("seq").values_list("object_id", "object_repr")):
                if label:
                    found[int(object_id)] = f"{label} (deleted)"
        out[field] = found
    return out


def history_rows(events) -> list[dict]:
    """Events as rows for the template; "user-N" labels shown as usernames where the user still exists,
    ids of components, risks and mitigations as their names."""
    events = list(events)
    labels = set()
    for event in events:
        labels.add(event.actor_label)
        for old_new in event.changes.values():
            for value in (old_new if isinstance(old_new, list) else []):
                for v in (value if isinstance(value, list) else [value]):
                    if isinstance(v, str) and USER_LABEL.match(v):
                        labels.add(v)
    ids = [int(m.group(1)) for label in labels if (m := USER_LABEL.match(label or ""))]
    names = {f"user-{pk}": name for pk, name in
             get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")} if ids else {}
    by_field = object_names(events)
    rows = []
    for event in events:
        changes = []
        for field, old_new in sorted(event.changes.items()):
            field_names = by_field.get(field)
            if isinstance(old_new, list) and len(old_new) == 2:
                changes.append({"field": field.replace("_", " "), "old": _display(old_new[0], names, field_names),
                                "new": _display(old_new[1], names, field_names)})
            else:
                changes.append({"field": field.replace("_", " "), "old": "",
                                "new": _display(old_new, names, field_names)})
        actor = "the threat engine" if event.actor_label == "system" else names.get(event.actor_label,
                                                                                      event.actor_label)
        rows.append({"seq": event.seq, "at": event.at, "actor": actor, "action": event.action,
                     "hash": event.hash, "changes": changes})
    return rows
