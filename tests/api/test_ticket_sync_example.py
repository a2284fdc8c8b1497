"""docs/examples/ticket_sync.py, run against a live server through the client openapi-python-client generates
from our schema: tickets created once, refs written back with If-Match (a 412 is re-read and retried),
deletions seen, ticket status brought back by the documented rule."""

import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from assessments import services as reg
from assessments.models import ExternalRef, Mitigation
from threatmodel import services as tm

from ..factories import make_system

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "ticket_sync.py"
CLIENT_CONFIG = Path(settings.BASE_DIR) / "tests" / "contract" / "client-config.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, django_db_blocker):
    """The typed client, generated from the schema as a client team would (tests/contract/check.sh does the same
    against the running server); importable as `threat_register_client` for the example."""
    root = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(root / "openapi.yaml"), stdout=io.StringIO(), stderr=io.StringIO())
    subprocess.run([str(GENERATOR), "generate", "--path", str(root / "openapi.yaml"), "--meta", "none",
                    "--config", str(CLIENT_CONFIG), "--output-path", str(root / "threat_register_client")],
                   check=True, capture_output=True, timeout=120)
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.split(".")[0] == "threat_register_client"]:
        del sys.modules[name]


def load_example():
    spec = importlib.util.spec_from_file_location("ticket_sync", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_ticket_sync_loop_against_a_live_server(generated_client, live_server, team, owner):
    example = load_example()
    system = make_system(team, owner, name="Synced")
    first = [reg.mitigation_create(actor=owner, system=system, title=f"Mitigation {i}") for i in range(3)]
    _, raw = tm.api_token_create(actor=owner, team=team, user=owner, name="sync", scopes=["read", "write"])
    api, tracker = example.Api(live_server.url, raw), example.MemoryTracker()

    class BusyTracker(example.MemoryTracker):
        """Someone edits the mitigation while its ticket is being created: the write-back gets a 412."""

        def create(self, title, body):
            if title == "Mitigation 1":
                m = Mitigation.objects.get(title=title)
                reg.mitigation_update(actor=owner, mitigation=m, description="edited meanwhile")
            return super().create(title, body)

    busy, state = BusyTracker(), {"since": None}
    result = example.sync(api, busy, state)
    assert sorted(result["created"]) == ["SEC-1", "SEC-2", "SEC-3"] and result["updated"] == []
    for m in first:
        ref = ExternalRef.objects.get(mitigation=m)
        assert ref.tracker == "memory" and ref.key in busy.tickets and ref.remote_status == "to_do"
    assert Mitigation.objects.get(title="Mitigation 1").description == "edited meanwhile"  # not lost

    # a second pass from where the first ended finds nothing new (its own writes are skipped)
    again = example.sync(api, busy, state)
    assert again["created"] == [] and again["updated"] == []

    # a change in the register updates the ticket; a deletion is reported
    reg.mitigation_update(actor=owner, mitigation=first[0], title="Mitigation 0, renamed")
    reg.mitigation_delete(actor=owner, mitigation=first[2])
    third = example.sync(api, busy, state)
    key = ExternalRef.objects.get(mitigation=first[0]).key
    assert third["updated"] == [key] and busy.tickets[key]["title"] == "Mitigation 0, renamed"
    assert third["deleted"] == [str(first[2].pk)]

    # the ticket is closed in the tracker: its category (done) moves the mitigation to implemented
    busy.close(key)
    moved = example.pull_status(api, busy, key)
    assert moved.status == "implemented" and moved.id == first[0].pk
    assert Mitigation.objects.get(pk=first[0].pk).status == "implemented"
    assert tracker.tickets == {}
