"""The Celery app, set up for reliability.

- acks_late + reject_on_worker_lost: a task whose worker dies is delivered again, so every
  task is written to be safe to run twice (it takes ids, re-fetches, and calls a service).
- soft and hard time limits; the broker's visibility timeout is longer than the hard limit.
- tasks are enqueued on commit (`delay_on_commit`), never for rows that were rolled back.
- without CELERY_BROKER_URL, tasks run eagerly in-process (development, tests).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("threatmodel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
