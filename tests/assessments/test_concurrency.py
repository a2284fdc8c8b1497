"""Two re-suggest runs of one system at the same time (a task delivered twice): each suggestion once.

Real concurrency needs PostgreSQL (row locks, separate connections); skipped on SQLite unless
REQUIRE_SERVICES=1."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from assessments.models import Risk
from assessments.resuggest import resuggest_system
from threatmodel.audit import audit_verify
from threatmodel.models import AuditEvent

from ..conftest import need_service, uses_postgres
from ..factories import make_support_system


@pytest.mark.django_db(transaction=True)
def test_concurrent_resuggests_suggest_each_threat_once(team, contributor):
    need_service("PostgreSQL", uses_postgres(), "concurrent re-suggests need real row locks")
    with open("/dev/null", "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    system = make_support_system(team, contributor)
    expected = Risk.objects.filter(system=system).count()
    Risk.objects.filter(system=system).delete()
    events_before = AuditEvent.objects.filter(team=team, action="risk.suggested").count()
    barrier, errors, results = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(resuggest_system(system.pk))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert Risk.objects.filter(system=system).count() == expected
    assert sorted(len(r.created) for r in results) == [0, expected]  # one run did it all, the other nothing
    assert audit_verify(team=team).ok
    assert AuditEvent.objects.filter(team=team, action="risk.suggested").count() == events_before + expected
