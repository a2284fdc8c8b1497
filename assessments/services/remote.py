"""The documented rule from a ticket's status category to the mitigation's status (docs/api.md#remote-status).

Pure functions: `mitigation_apply(changes={"follow_remote": True})` applies them.
"""

from collections import deque

from ..models import MITIGATION_TRANSITIONS, MitigationStatus

TO_DO, IN_PROGRESS, DONE = "to_do", "in_progress", "done"
CATEGORIES = (TO_DO, IN_PROGRESS, DONE)
# Names trackers use for their status categories (Jira: new / indeterminate / done; GitHub: open / closed).
CATEGORY_ALIASES = {
    "to_do": TO_DO, "todo": TO_DO, "new": TO_DO, "open": TO_DO, "backlog": TO_DO, "reopened": TO_DO,
    "in_progress": IN_PROGRESS, "indeterminate": IN_PROGRESS, "in_review": IN_PROGRESS, "doing": IN_PROGRESS,
    "done": DONE, "closed": DONE, "resolved": DONE, "complete": DONE, "completed": DONE,
}
# category -> the mitigation status it asks for
TARGET_STATUS = {TO_DO: MitigationStatus.PLANNED, IN_PROGRESS: MitigationStatus.IN_PROGRESS,
                 DONE: MitigationStatus.IMPLEMENTED}


def remote_category(remote_status: str) -> str | None:
    """`to_do`, `in_progress`, `done`, or None for a status the rule does not know."""
    key = (remote_status or "").strip().lower().replace("-", "_").replace(" ", "_")
    return CATEGORY_ALIASES.get(key)


def status_for_remote(category: str | None, current: str) -> str:
    """The rule (docs/api.md#remote-status): the mitigation status a ticket's category asks for.

    - unknown category, or a rejected mitigation: unchanged (rejecting is the team's decision);
    - done: implemented (a verified mitigation stays verified: verifying needs evidence, never a ticket);
    - in_progress: in_progress; to_do: planned (a done mitigation whose ticket is reopened goes back).
    """
    if category not in TARGET_STATUS or current == MitigationStatus.REJECTED:
        return current
    if category == DONE and current == MitigationStatus.VERIFIED:
        return current
    return TARGET_STATUS[category]


def transition_path(current: str, target: str) -> list[str]:
    """The shortest walk through the status graph (never via rejected)."""
    if current == target:
        return []
    seen, queue = {current}, deque([(current, [])])
    while queue:
        status, path = queue.popleft()
        for nxt in sorted(MITIGATION_TRANSITIONS.get(status, ())):
            if nxt in seen or nxt == MitigationStatus.REJECTED:
                continue
            if nxt == target:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return []


def least_done(categories) -> str | None:
    known = [c for c in categories if c in CATEGORIES]
    return min(known, key=CATEGORIES.index) if known else None
