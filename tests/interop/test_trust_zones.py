"""A component's named trust zone travels everywhere its other fields do: the API, the system export and
its restore, and OTM (as a trust zone of its own, read back as the zone's name)."""

import json

import pytest

from assessments.interop import services
from assessments.interop.errors import ImportProblem
from assessments.interop.export import export_system
from assessments.interop.otm_export import export_otm
from threatmodel import services as tm_services
from threatmodel.models import Role

from ..factories import join, member, rich_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoned(catalog, team, other_team):
    owner = member(team, Role.OWNER, username="olga")
    join(other_team, owner, role=Role.OWNER)
    system, _facts = rich_system(team, owner=owner, contributor=member(team, Role.CONTRIBUTOR, username="carl"))
    chat = system.components.get(name="Customer chat")
    tm_services.component_update(actor=owner, component=chat, trust_zone="Public internet")
    return system, owner


def _zones(system) -> dict:
    return {c.name: c.trust_zone for c in system.components.all()}


def _import(owner, team, doc, filename, capture):
    record = services.import_preview(actor=owner, team=team, data=json.dumps(doc).encode(), filename=filename)
    with capture(execute=True):
        return services.import_confirm(actor=owner, record=record, background=False).system


def test_the_system_export_keeps_the_zone(zoned, other_team, django_capture_on_commit_callbacks):
    system, owner = zoned
    doc = export_system(system)
    assert {c["name"]: c["trust_zone"] for c in doc["components"]}["Customer chat"] == "Public internet"
    copy = _import(owner, other_team, doc, "copy.json", django_capture_on_commit_callbacks)
    assert _zones(copy) == _zones(system)


def test_a_zone_over_100_characters_names_its_path(zoned, other_team):
    system, owner = zoned
    doc = export_system(system)
    doc["components"][0]["trust_zone"] = "z" * 101
    with pytest.raises(ImportProblem) as caught:
        services.import_preview(actor=owner, team=other_team, data=json.dumps(doc).encode(), filename="x.json")
    assert str(caught.value) == "$.components[0].trust_zone: at most 100 characters"


def test_otm_gives_each_named_zone_its_own_trust_zone_and_reads_it_back(zoned, other_team,
                                                                          django_capture_on_commit_callbacks):
    system, owner = zoned
    otm = export_otm(system)
    named = [z for z in otm["trustZones"] if z["name"] == "Public internet"]
    assert len(named) == 1 and named[0]["parent"] == {"trustZone": otm["trustZones"][0]["id"]}
    chat = next(c for c in otm["components"] if c["name"] == "Customer chat")
    assert chat["parent"] == {"trustZone": named[0]["id"]}
    copy = _import(owner, other_team, otm, "x.otm", django_capture_on_commit_callbacks)
    assert _zones(copy) == _zones(system)


def test_the_api_reads_and_writes_the_zone(zoned, client):
    system, owner = zoned
    client.force_login(owner)
    chat = system.components.get(name="Customer chat")
    got = client.get(f"/api/v1/components/{chat.pk}/").json()
    assert got["trust_zone"] == "Public internet"
    answer = client.patch(f"/api/v1/components/{chat.pk}/", {"trust_zone": "Partner network"},
                          content_type="application/json", headers={"If-Match": f'"{got["version"]}"'})
    assert answer.status_code == 200, answer.content
    chat.refresh_from_db()
    assert chat.trust_zone == "Partner network"
