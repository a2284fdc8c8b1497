"""API of imports and exports: multipart upload -> preview -> confirm, ?confirm=1, errors as problem+json with
the JSON path, scoping (another team's import or system is a 404), token scopes, exports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from assessments.models import ImportRecord, Risk
from threatmodel import services as tm_services
from threatmodel.models import AISystem, Role

from ..factories import make_system, member
from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _client(raw_token=None, user=None):
        client = APIClient()
        if raw_token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def write_token(team, owner):
    return tm_services.api_token_create(actor=owner, team=team, user=owner, name="rw", scopes=["read", "write"])[1]


@pytest.fixture
def read_token(team, owner):
    return tm_services.api_token_create(actor=owner, team=team, user=owner, name="ro", scopes=["read"])[1]


def upload(name: str, data: bytes | None = None):
    return SimpleUploadedFile(name, data if data is not None else fixture_bytes(name), content_type="application/json")


def test_upload_previews_then_confirm_imports(catalog, api, write_token, team, django_capture_on_commit_callbacks):
    client = api(write_token)
    systems = AISystem.objects.count()
    response = client.post("/api/v1/imports/", {"file": upload("threat-dragon-v2.json")}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/imports/{body['id']}/"
    assert body["status"] == "preview" and body["team"] == team.slug and body["format"] == "threat-dragon"
    preview = body["preview"]
    assert preview["counts"]["create"] == {"components": 6, "flows": 6, "risks": 6, "mitigations": 3}
    assert any(n["path"] == "$.detail.diagrams[0].cells[13].target" for n in preview["notes"])
    assert AISystem.objects.count() == systems  # nothing written yet
    assert client.get(f"/api/v1/imports/{body['id']}/").json()["preview"] == preview

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/api/v1/imports/{body['id']}/confirm/", {"kinds": {"c-uni": "model"}},
                                format="json")
        # The apply is queued after commit: until then the import is "applying" (202, poll it).
        assert confirmed.status_code == 202, confirmed.json()
        assert confirmed.json()["status"] == "applying" and AISystem.objects.count() == systems
    result = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert result["status"] == "applied" and result["summary"]["created"]["components"] == 6
    system = AISystem.objects.get(pk=result["system"])
    assert system.components.get(name__startswith="Übersetzungs").kind == "model"
    assert Risk.objects.filter(system=system, template__isnull=False).exists()  # the engine ran
    again = client.post(f"/api/v1/imports/{body['id']}/confirm/", {}, format="json")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    listed = client.get("/api/v1/imports/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_confirm_at_once_and_second_upload_is_an_update(catalog, api, write_token, team,
                                                        django_capture_on_commit_callbacks):
    client = api(write_token)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/imports/?confirm=1", {"file": upload("rag-assistant.otm.json")},
                            format="multipart")
    assert first.status_code == 202 and first["Location"] == first.json()["url"]
    first = client.get(first["Location"]).json()
    assert first["status"] == "applied"
    system_id = first["system"]
    second = client.post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json")}, format="multipart").json()
    assert second["preview"]["update"]["system"]["id"] == system_id and second["preview"]["update"]["same_file"]
    assert second["preview"]["counts"]["create"] == {}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{second['id']}/confirm/", {"mode": "update"}, format="json")
    done = client.get(f"/api/v1/imports/{second['id']}/").json()
    assert done["system"] == system_id and AISystem.objects.filter(team=team).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        copy = client.post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json"), "confirm": "true",
                                                "mode": "new"}, format="multipart").json()
    copy = client.get(copy["url"]).json()
    assert copy["system"] != system_id and AISystem.objects.filter(team=team).count() == 2


def test_a_failure_while_applying_returns_the_preview_with_the_problem(catalog, api, write_token, team,
                                                                         django_capture_on_commit_callbacks):
    doc = ('{"format": "ai-threat-register/system-export", "version": 1, "system": {"name": "Broken"}, '
           '"components": [], "flows": [], "mitigations": [], "privacy_assessment": null, "reviews": [], '
           '"reports": [], "risks": [{"id": 1, "title": "R", "status": "open", "likelihood": 3, "impact": 3}], '
           '"external_refs": [{"risk": 1, "tracker": "jira", "external_id": "1", "url": "not a url"}]}')
    client = api(write_token)
    record = client.post("/api/v1/imports/", {"file": upload("broken.json", doc.encode())}, format="multipart").json()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/imports/{record['id']}/confirm/", {}, format="json").status_code == 202
    after = client.get(f"/api/v1/imports/{record['id']}/").json()
    assert after["status"] == "preview" and after["error"]["path"] == "$.external_refs[0]"
    assert "url" in after["error"]["message"] and AISystem.objects.filter(team=team).count() == 0


@pytest.mark.parametrize(("data", "path", "fragment"), [
    (b'{"summary": {"title": "x"}, "detail": {"diagrams": [{"cells": [{"id": "a", "shape": "actor", '
     b'"data": {"name": 5}}]}]}}', "$.detail.diagrams[0].cells[0].data.name", "must be text"),
    (b"[" * 5000 + b"]" * 5000, "$", "nested"),
    (b"\xff\xfe", "$", "not UTF-8"),
])
def test_a_bad_file_is_a_400_naming_the_path(catalog, api, write_token, data, path, fragment):
    before = ImportRecord.objects.count()
    response = api(write_token).post("/api/v1/imports/", {"file": upload("bad.json", data)}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["path"] == path and fragment in body["errors"][path][0] and body["detail"].startswith(path)
    assert ImportRecord.objects.count() == before


@override_settings(IMPORT_MAX_BYTES=2000)
def test_an_oversized_upload_is_refused_without_reading_it(catalog, api, write_token):
    response = api(write_token).post("/api/v1/imports/", {"file": upload("threat-dragon-v2.json")},
                                     format="multipart")
    assert response.status_code == 400 and "limit" in response.json()["detail"]


def test_a_bad_confirm_request_names_the_field(catalog, api, write_token):
    client = api(write_token)
    record = client.post("/api/v1/imports/", {"file": upload("threat-dragon-v2.json")}, format="multipart").json()
    response = client.post(f"/api/v1/imports/{record['id']}/confirm/", {"kinds": {"c-llm": "database"}},
                           format="json")
    assert response.status_code == 400 and "kinds.c-llm" in response.json()["errors"]
    response = client.post(f"/api/v1/imports/{record['id']}/confirm/", {"kinds": {"nope": "model"}}, format="json")
    assert response.status_code == 400 and "not a component of this file" in response.json()["detail"]
    deep = '{"kinds": ' * 3000 + "{}" + "}" * 3000
    response = client.post(f"/api/v1/imports/{record['id']}/confirm/", deep, content_type="application/json")
    assert response.status_code == 400


def test_scoping_and_scopes(catalog, api, write_token, read_token, team, other_team, outsider, viewer):
    record = api(write_token).post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json")},
                                   format="multipart").json()
    assert api(user=outsider).get(f"/api/v1/imports/{record['id']}/").status_code == 404
    assert api(user=outsider).post(f"/api/v1/imports/{record['id']}/confirm/", {}, format="json").status_code == 404
    assert api(read_token).get(f"/api/v1/imports/{record['id']}/").status_code == 200
    assert api(read_token).post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json")},
                                format="multipart").status_code == 403
    assert api(user=viewer).post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json")},
                                 format="multipart").status_code == 403
    assert api().get("/api/v1/imports/").status_code == 401
    # a token writes to its own team only
    response = api(write_token).post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json"),
                                                          "team": other_team.slug}, format="multipart")
    assert response.status_code == 400 and "team" in response.json()["errors"]


def test_discard(catalog, api, write_token):
    client = api(write_token)
    record = client.post("/api/v1/imports/", {"file": upload("rag-assistant.otm.json")}, format="multipart").json()
    assert client.delete(f"/api/v1/imports/{record['id']}/").status_code == 204
    assert ImportRecord.objects.get(pk=record["id"]).content == ""
    assert client.post(f"/api/v1/imports/{record['id']}/confirm/", {}, format="json").status_code == 409


def test_system_export_json_and_otm(catalog, api, read_token, team, owner, outsider):
    system = make_system(team, owner, name="Exported")
    client = api(read_token)
    response = client.get(f"/api/v1/systems/{system.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    doc = response.json()
    assert doc["format"] == "ai-threat-register/system-export" and doc["system"]["name"] == "Exported"
    assert doc["$schema"].endswith("/interop/schema/system-export-v1.json")
    assert "attachment" in response["Content-Disposition"]
    otm = client.get(f"/api/v1/systems/{system.pk}/export/?format=otm").json()
    assert otm["otmVersion"] == "0.2.0" and otm["project"]["id"] == system.slug
    assert client.get(f"/api/v1/systems/{system.pk}/export/?format=xml").status_code == 404
    assert api(user=outsider).get(f"/api/v1/systems/{system.pk}/export/").status_code == 404


def test_the_openapi_schema_describes_the_endpoints(api, owner):
    response = api(user=owner).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    assert "/api/v1/imports/" in paths and "/api/v1/imports/{id}/confirm/" in paths
    assert "/api/v1/systems/{system_pk}/export/" in paths
    assert "multipart/form-data" in paths["/api/v1/imports/"]["post"]["requestBody"]["content"]


@pytest.fixture
def viewer(team):
    return member(team, Role.VIEWER)
