"""Report PDFs through Django's storage API: in the database, any app server serves them (no shared disk)."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.reports import services
from threatmodel.models import StoredFile
from threatmodel.storage import DatabaseStorage

from ..factories import make_system


@pytest.fixture
def database_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "threatmodel.storage.DatabaseStorage"}}


def test_report_pdf_is_stored_in_the_database_and_downloads(catalog, team, owner, settings, database_storage,
                                                            django_capture_on_commit_callbacks):
    system = make_system(team, owner, name="Stored")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(actor=owner, system=system, kind="pia")
    report.refresh_from_db()
    assert report.status == "done", report.error
    stored = StoredFile.objects.get(name=report.file.name)
    assert hashlib.sha256(bytes(stored.content)).hexdigest() == report.sha256
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))  # nothing on this host's disk
    api = APIClient()
    api.force_authenticate(owner)
    response = api.get(f"/api/v1/reports/{report.pk}/pdf/")
    data = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(data).hexdigest() == report.sha256
    assert "no-store" in response["Cache-Control"]
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("report_pdf", args=[report.pk]))
    assert hashlib.sha256(b"".join(page.streaming_content)).hexdigest() == report.sha256
    assert "no-store" in page["Cache-Control"]


def test_database_storage_basics(db):
    storage = DatabaseStorage()
    from django.core.files.base import ContentFile

    first = storage.save("reports/1/a.pdf", ContentFile(b"%PDF-1"))
    second = storage.save("reports/1/a.pdf", ContentFile(b"%PDF-2"))
    assert first == "reports/1/a.pdf" and second != first
    assert storage.exists(first) and storage.size(first) == 6
    assert storage.open(second).read() == b"%PDF-2"
    assert storage.listdir("reports") == (["1"], [])
    storage.delete(first)
    assert not storage.exists(first)
    with pytest.raises(FileNotFoundError):
        storage.open(first)
