"""The reports API end to end in eager mode: POST 202 -> poll -> PDF."""

import hashlib

import pytest
from rest_framework.test import APIClient

from assessments.models.reports import Report

from ..factories import make_component, make_system


@pytest.fixture
def system(catalog, team, owner):
    system = make_system(team, owner, name="Support bot", answers={"users": ["customers"], "regimes": ["gdpr"]})
    make_component(system, "input", name="Chat", actor=owner, answers={"personal_data": "basic"})
    return system


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


def test_post_poll_download(api, system, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "assurance"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="report-1")
    assert response.status_code == 202, response.content
    url = response["Location"]
    assert url == response.json()["url"] == f"/api/v1/reports/{response.json()['id']}/"
    status = api.get(url)
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "done" and body["progress"] == 100 and len(body["sha256"]) == 64
    assert status["ETag"] == f'"{body["version"]}"'
    pdf = api.get(body["pdf_url"], HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == body["sha256"]
    assert "attachment" in pdf["Content-Disposition"]
    # the idempotency key makes a retried POST safe: same answer, no second report
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "assurance"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="report-1")
    assert again.status_code == 202 and again.json()["id"] == body["id"]
    assert Report.objects.filter(system=system).count() == 1
    # history per system and across teams
    assert [r["id"] for r in api.get(f"/api/v1/systems/{system.pk}/reports/").json()["results"]] == [body["id"]]
    assert body["id"] in [r["id"] for r in api.get("/api/v1/reports/").json()["results"]]


def test_pdf_of_an_unfinished_report_is_a_409(api, system, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "pia"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    pdf = api.get(f"/api/v1/reports/{response.json()['id']}/pdf/")
    assert pdf.status_code == 409 and pdf["Content-Type"] == "application/problem+json"
    assert pdf["Retry-After"] == "2"


def test_bad_kind_and_other_teams(api, system, outsider, other_team):
    bad = api.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "poem"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    assert stranger.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "pia"}, format="json").status_code == 404
    report = Report.objects.create(system=system, kind="pia")
    assert stranger.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404
    assert stranger.get("/api/v1/reports/").json()["results"] == []
