"""The API flow on the real stack: a real Celery worker renders the report on PostgreSQL + Redis."""

import hashlib
import time

import pytest
from rest_framework.test import APIClient

from ..factories import make_component, make_system


@pytest.mark.services
def test_report_rendered_by_a_real_worker(real_worker, team, owner, settings, tmp_path):
    from django.core.management import call_command

    call_command("load_catalog", quiet=True)
    system = make_system(team, owner, name="Real-stack system", answers={"users": ["customers"]})
    make_component(system, "input", name="Chat", actor=owner, answers={"personal_data": "basic"})
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(f"/api/v1/systems/{system.pk}/reports/", {"kind": "assurance"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    url = response["Location"]
    deadline, body, seen = time.monotonic() + 120, {}, set()
    while time.monotonic() < deadline:
        body = api.get(url).json()
        seen.add(body["status"])
        if body["status"] in ("done", "failed"):
            break
        if real_worker.proc.poll() is not None:
            pytest.fail(f"worker exited early:\n{real_worker.log()[-3000:]}")
        time.sleep(0.2)
    else:
        pytest.fail(f"not rendered within 120 s (last {body}):\n{real_worker.log()[-3000:]}")
    assert body["status"] == "done", body.get("error")
    assert "assessments.reports.render_report" in real_worker.log()
    pdf = api.get(body["pdf_url"])
    data = b"".join(pdf.streaming_content)
    assert pdf.status_code == 200 and hashlib.sha256(data).hexdigest() == body["sha256"]
