import time
import uuid

import pytest
from django.conf import settings

from config.celery import app
from threatmodel.models import WorkerHeartbeat
from threatmodel.tasks import worker_heartbeat


def test_reliability_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
    assert app.conf.worker_prefetch_multiplier == 1


def test_eager_without_broker_runs_inline(db):
    if settings.CELERY_BROKER_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
    worker_heartbeat.delay("eager")
    worker_heartbeat.delay("eager")  # safe to run twice
    beat = WorkerHeartbeat.objects.get(name="eager")
    assert beat.runs == 2


@pytest.mark.services
def test_real_worker_writes_to_the_database(real_worker):
    marker = f"e2e-{uuid.uuid4().hex[:8]}"
    worker_heartbeat.delay(marker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(name=marker).exists():
            break
        if real_worker.proc.poll() is not None:
            pytest.fail(f"worker exited early:\n{real_worker.log()[-3000:]}")
        time.sleep(0.25)
    else:
        pytest.fail(f"the worker did not run the task within 60 s:\n{real_worker.log()[-3000:]}")
    assert "threatmodel.worker_heartbeat" in real_worker.log()
