"""GET/PUT /api/v1/systems/{id}/privacy/ with ETag / If-Match, problem+json errors, scoping."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


def url(system) -> str:
    return f"/api/v1/systems/{system.pk}/privacy/"


def test_get_put_round_trip_with_etags(api, speech_app, owner):
    first = api.get(url(speech_app))
    assert first.status_code == 200 and first["ETag"] == '"0"'
    body = first.json()
    assert body["id"] is None and body["version"] == 0
    assert body["dpia"]["result"] == "required" and body["dpia"]["reasoning"]
    assert "data_subjects" in body["inferred"] and body["provenance"]["data_subjects"]["state"] == "inferred"
    assert body["transfers"][0]["model_provider"] is True
    assert api.get(url(speech_app), HTTP_IF_NONE_MATCH='"0"').status_code == 304

    assert api.put(url(speech_app), {"rights_process": "x"}, format="json").status_code == 428
    # GET, edit, PUT the whole body back: read-only keys are ignored
    body["purposes"] = [{"purpose": "Tell stories", "legal_basis": "consent", "note": ""}]
    body["confirm"] = ["data_subjects", "dpia_criteria.vulnerable_subjects"]
    saved = api.put(url(speech_app), body, format="json", HTTP_IF_MATCH='"0"')
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"1"'
    data = saved.json()
    assert data["version"] == 1 and data["purposes"][0]["legal_basis"] == "consent"
    assert data["provenance"]["data_subjects"]["state"] == "confirmed"
    assert data["provenance"]["dpia_criteria.vulnerable_subjects"]["state"] == "confirmed"
    assert "regimes" in data["inferred"]

    stale = api.put(url(speech_app), {"rights_process": "y"}, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    patch = api.patch(url(speech_app), {"dpia_criteria": {"large_scale": {"applies": False, "note": "Pilot"}}},
                      format="json", HTTP_IF_MATCH='"1"')
    assert patch.status_code == 200
    assert patch.json()["dpia_criteria"]["large_scale"] == {"applies": False, "note": "Pilot"}
    assert patch.json()["dpia_criteria"]["vulnerable_subjects"]["applies"] is True  # untouched

    sign = {"comment": "ok", "measures_approved_by": "Mia", "residual_approved_by": "Rui",
            "dpo_advice_followed": True, "review_date": "2099-01-01"}
    refused = api.post(f"{url(speech_app)}sign-off/", sign, format="json", HTTP_IF_MATCH='"2"')
    assert refused.status_code == 400 and "confirm" in refused.json()["errors"]  # answers still inferred
    confirmed = api.patch(url(speech_app), {"confirm": patch.json()["inferred"]}, format="json", HTTP_IF_MATCH='"2"')
    assert confirmed.status_code == 200 and confirmed.json()["inferred"] == []
    assert api.post(f"/api/v1/teams/{speech_app.team.slug}/dpos/", {"username": owner.username},
                    format="json").status_code == 200
    advised = api.post(f"{url(speech_app)}dpo-advice/", {"advice": "Fine"}, format="json", HTTP_IF_MATCH='"3"')
    assert advised.status_code == 200
    signed = api.post(f"{url(speech_app)}sign-off/", sign, format="json", HTTP_IF_MATCH='"4"')
    assert signed.status_code == 200 and signed.json()["sign_off"]["current"] is True
    assert signed.json()["sign_off"]["measures_approved_by"] == "Mia"


def test_validation_errors_name_the_field(api, speech_app):
    response = api.put(url(speech_app), {"transfers": [{"recipient": "", "safeguards": ["magic"]}],
                                         "confirm": ["processing_description"]},
                       format="json", HTTP_IF_MATCH='"0"')
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert "processing_description" in errors["confirm"][0]
    response = api.put(url(speech_app), {"transfers": [{"recipient": "", "safeguards": ["magic"]}]},
                       format="json", HTTP_IF_MATCH='"0"')
    errors = response.json()["errors"]
    assert "transfers[0].recipient" in errors and "transfers[0].safeguards" in errors


def test_scoping_and_roles(speech_app, outsider, viewer):
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    assert stranger.get(url(speech_app)).status_code == 404
    assert stranger.put(url(speech_app), {}, format="json", HTTP_IF_MATCH='"0"').status_code == 404
    reader = APIClient()
    reader.force_authenticate(viewer)
    assert reader.get(url(speech_app)).status_code == 200
    assert reader.put(url(speech_app), {"rights_process": "x"}, format="json", HTTP_IF_MATCH='"0"').status_code == 403
