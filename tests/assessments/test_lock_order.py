"""Lock order between a component write and the background re-suggest (PostgreSQL, real connections).

A component insert holds a key-share lock on its system row until it commits, and appends to the
team's audit chain (a lock on the team row) before it does. A re-suggest that locked the team row
together with the system row (FOR UPDATE on a join) took the two in the opposite order: deadlock.
The re-suggest now locks the system row only; a task that still loses a deadlock is run again.
"""

import threading

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from assessments import tasks
from assessments.models import Risk
from assessments.resuggest import resuggest_system
from threatmodel import services as tm

from ..conftest import need_service, uses_postgres
from ..factories import make_system

ROUNDS = 15
ANSWERS = [{"untrusted_content": True, "purpose": ["prompt"]}, {}, {}, {"untrusted_content": True}]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_resuggests_racing_component_writes_do_not_deadlock(team, owner):
    """A new system, four components posted at once and the re-suggests they trigger, several times over."""
    need_service("PostgreSQL", uses_postgres(), "the deadlock needs real row locks")
    with open("/dev/null", "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    errors = []

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    for i in range(ROUNDS):
        system = make_system(team, owner, name=f"Lock order {i}", answers={"internet_facing": True})
        work = [lambda n=n, system=system: tm.component_create(
            actor=owner, system=system, kind=("input", "model", "output", "input")[n], name=f"C{n}",
            answers=ANSWERS[n]) for n in range(4)]
        work += [lambda system=system: resuggest_system(system.pk)] * 2
        barrier = threading.Barrier(len(work))
        threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, f"round {i}: {errors}"
        resuggest_system(system.pk)
        assert system.components.count() == 4


class _Deadlock(Exception):
    sqlstate = "40P01"


@pytest.mark.django_db(transaction=True)
def test_a_resuggest_task_that_loses_a_deadlock_runs_again(empty_catalog, team, owner, monkeypatch):
    system = make_system(team, owner, name="Retried")
    calls = []
    original = resuggest_system

    def deadlock_once(system_id, **kwargs):
        calls.append(system_id)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from _Deadlock()
        return original(system_id, **kwargs)

    monkeypatch.setattr("assessments.resuggest.resuggest_system", deadlock_once)
    result = tasks.resuggest_system_task.run(system.pk)
    assert calls == [system.pk, system.pk] and result["system"] == system.pk
    assert Risk.objects.filter(system=system).count() == 0  # no catalog loaded: nothing to suggest, nothing lost


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried(team, owner, monkeypatch):
    system = make_system(team, owner, name="Not retried")
    calls = []

    def broken(system_id, **kwargs):
        calls.append(system_id)
        raise OperationalError("connection refused")

    monkeypatch.setattr("assessments.resuggest.resuggest_system", broken)
    with pytest.raises(OperationalError):
        tasks.resuggest_system_task.run(system.pk)
    assert calls == [system.pk]
