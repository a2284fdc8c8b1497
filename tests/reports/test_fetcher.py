"""The report renderer's URL fetcher serves the project's static files and nothing else."""

import contextlib

import pytest

from assessments.reports.fetcher import REPORT_BASE_URL, FetchRefused, StaticOnlyFetcher


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x",
    "https://example.com/static/css/report.css",
    "file:///etc/passwd",
    "data:text/css,body{}",
    "ftp://report.invalid/static/css/report.css",
    f"{REPORT_BASE_URL}static/../threatmodel/settings.py",
    f"{REPORT_BASE_URL}static/css/../../manage.py",
    f"{REPORT_BASE_URL}static/%2e%2e/manage.py",
    f"{REPORT_BASE_URL}static/css/report.css?x=1",
    f"{REPORT_BASE_URL}etc/passwd",
    f"{REPORT_BASE_URL}static/js/report-progress.js",  # not a type reports need
    "https://user:pw@report.invalid/static/css/report.css",
    f"{REPORT_BASE_URL}static/css/missing.css",
])
def test_everything_but_own_static_files_is_refused(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url] and not fetcher.served


def test_own_stylesheet_is_served():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch(f"{REPORT_BASE_URL}static/css/report.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    assert fetcher.served == [f"{REPORT_BASE_URL}static/css/report.css"]


def test_fetcher_never_touches_the_network(monkeypatch):
    import socket

    def boom(*args, **kwargs):
        raise AssertionError("the fetcher opened a socket")

    monkeypatch.setattr(socket, "create_connection", boom)
    monkeypatch.setattr(socket.socket, "connect", boom)
    fetcher = StaticOnlyFetcher()
    for url in ("http://127.0.0.1:9/x", "https://report.invalid/static/css/report.css"):
        with contextlib.suppress(FetchRefused):
            fetcher.fetch(url)
