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


def test_a_stopped_worker_leaves_no_process_behind():
    """A worker whose main process ignores SIGTERM and whose pool child outlives it: stop() kills the group,
    so nothing of it can write to the database after its test."""
    import subprocess
    import sys

    from ..live import group_alive, stop_process_group

    code = ("import os, signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "if os.fork() == 0:\n    time.sleep(120)\n"
            "print('ready', flush=True)\ntime.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    stop_process_group(proc, grace=0.2)
    assert proc.returncode is not None
    assert not group_alive(proc.pid)
