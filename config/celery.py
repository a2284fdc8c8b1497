"""The Celery app, set up for reliability.

- acks_late + reject_on_worker_lost: a task whose worker dies is delivered again, so every
  task is written to be safe to run twice (it takes ids, re-fetches, and calls a service).
- soft and hard time limits; the broker's visibility timeout is longer than the hard limit.
- tasks are handed over by name through threatmodel.queue (on commit, never for rows that were
  rolled back; kept as PendingTask rows while the broker is down).
- without CELERY_BROKER_URL, tasks run eagerly in-process (development, tests).
- task modules are found by the app's own discovery: `<app>.tasks` of every installed app, and the
  `tasks` modules of the subpackages listed here; nothing else imports a task module to register it.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("threatmodel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["threatmodel.webhooks", "assessments.connectors", "assessments.interop", "assessments.reports"])

# Task name prefix -> its own queue (reports, imports and webhooks cannot starve each other).
QUEUES = {"assessments.reports.": "reports", "assessments.interop.": "imports", "threatmodel.webhooks.": "webhooks"}
ALL_QUEUES = ("celery", *QUEUES.values())


def route_task(name, args, kwargs, options, task=None, **kw):
    """Route by task name. A deployment (or a test) that renames the default queue gets its own set of
    queues named after it ("staging" -> "staging.reports"), so its workers never take another's tasks."""
    queue = next((q for prefix, q in QUEUES.items() if name.startswith(prefix)), None)
    if queue is None:
        return None
    default = app.conf.task_default_queue or "celery"
    return {"queue": queue if default == "celery" else f"{default}.{queue}"}
