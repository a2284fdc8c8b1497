"""Report pages: history, request, progress page, live HTML preview, download; CSP-clean markup."""

import re

import pytest

from assessments.models.reports import Report

from ..factories import make_component, make_system


@pytest.fixture
def system(catalog, team, owner):
    system = make_system(team, owner, name="Tutor bot", answers={"users": ["children"], "regimes": ["coppa"]})
    make_component(system, "input", name="Homework photo", actor=owner, answers={"personal_data": "children"})
    return system


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and ' style="' not in html, "inline style"


def test_request_progress_and_download(login, owner, system, django_capture_on_commit_callbacks):
    client = login(owner)
    page = client.get(f"/systems/{system.pk}/reports/")
    assert page.status_code == 200 and b"Privacy impact assessment" in page.content
    no_inline_code(page.content.decode())
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/systems/{system.pk}/reports/new/", {"kind": "pia"})
    report = Report.objects.get(system=system)
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    detail = client.get(f"/reports/{report.pk}/")
    html = detail.content.decode()
    assert "<progress" in html and f'data-report-status-url="/reports/{report.pk}/status/"' in html
    assert '<script src="/static/js/report-progress.js" defer></script>' in html
    no_inline_code(html)
    assert client.get(f"/reports/{report.pk}/status/").json()["status"] == "queued"
    from assessments.reports.services import report_render

    assert report_render(report.pk) == "done"
    status = client.get(f"/reports/{report.pk}/status/").json()
    assert status["finished"] and status["progress"] == 100 and status["pdf_url"] == f"/reports/{report.pk}/pdf/"
    done = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Download PDF" in done and "<progress" not in done
    pdf = client.get(f"/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    listing = client.get("/reports/").content.decode()
    assert "Tutor bot" in listing and f"/reports/{report.pk}/pdf/" in listing
    assert f"/systems/{system.pk}/reports/" in listing and f"/systems/{system.pk}/privacy/" in listing


@pytest.mark.parametrize("kind", ["pia", "assurance"])
def test_preview_is_the_report_html(login, owner, system, kind):
    response = login(owner).get(f"/systems/{system.pk}/reports/preview/{kind}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/report.css">' in html
    assert "Tutor bot" in html and "Content SHA-256" in html and "preview-bar" in html
    no_inline_code(html)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_failed_report_page_says_why(login, owner, system):
    report = Report.objects.create(system=system, kind="assurance", status="failed",
                                   error="The report could not be rendered (RuntimeError: boom).")
    html = login(owner).get(f"/reports/{report.pk}/").content.decode()
    assert "RuntimeError: boom" in html and "Earlier reports are kept" in html


def test_other_teams_reports_are_404(login, outsider, system):
    report = Report.objects.create(system=system, kind="pia")
    client = login(outsider)
    for url in (f"/reports/{report.pk}/", f"/reports/{report.pk}/status/", f"/reports/{report.pk}/pdf/",
                f"/systems/{system.pk}/reports/", f"/systems/{system.pk}/reports/preview/pia/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/systems/{system.pk}/reports/new/", {"kind": "pia"}).status_code == 404


def test_report_lists_use_a_constant_number_of_queries(login, owner, system):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = login(owner)
    api = APIClient()
    api.force_authenticate(owner)

    def counts():
        out = []
        for url, c in (("/reports/", client), (f"/systems/{system.pk}/reports/", client), ("/api/v1/reports/", api),
                       (f"/api/v1/systems/{system.pk}/reports/", api)):
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    Report.objects.create(system=system, kind="pia")
    counts()  # warm the per-user caches
    few = counts()
    Report.objects.bulk_create([Report(system=system, kind="assurance", status="done", sha256="0" * 64)
                                for _ in range(15)])
    assert counts() == few
