"""An object's history tab: its audit events, newest first, with before/after of each changed field."""

import re

from django.contrib.auth import get_user_model

USER_LABEL = re.compile(r"^user-(\d+)$")


def _display(value, names: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_display(v, names) for v in value)
    return str(value)


def history_rows(events) -> list[dict]:
    """Events as rows for the template; "user-N" labels shown as usernames where the user still exists."""
    events = list(events)
    labels = set()
    for event in events:
        labels.add(event.actor_label)
        for old_new in event.changes.values():
            for value in (old_new if isinstance(old_new, list) else []):
                if isinstance(value, str) and USER_LABEL.match(value):
                    labels.add(value)
    ids = [int(m.group(1)) for label in labels if (m := USER_LABEL.match(label or ""))]
    names = {f"user-{pk}": name for pk, name in
             get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")} if ids else {}
    rows = []
    for event in events:
        changes = []
        for field, old_new in sorted(event.changes.items()):
            if isinstance(old_new, list) and len(old_new) == 2:
                changes.append({"field": field.replace("_", " "), "old": _display(old_new[0], names),
                                "new": _display(old_new[1], names)})
            else:
                changes.append({"field": field.replace("_", " "), "old": "", "new": _display(old_new, names)})
        actor = "the threat engine" if event.actor_label == "system" else names.get(event.actor_label,
                                                                                      event.actor_label)
        rows.append({"seq": event.seq, "at": event.at, "actor": actor, "action": event.action,
                     "hash": event.hash, "changes": changes})
    return rows
