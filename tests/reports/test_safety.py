"""Hostile text in names and answers: escaped everywhere, nothing fetched, nothing attached."""

import io
import socket
import threading

import pytest
from pypdf import PdfReader

from assessments.privacy import services as privacy_services
from assessments.reports import render as render_module
from assessments.reports.content import build_content, content_sha256
from assessments.reports.fetcher import StaticOnlyFetcher
from assessments.reports.render import render_html, render_pdf
from threatmodel import services as tm_services
from threatmodel.models import Role

from ..factories import make_component, make_system, member
from .conftest import pdf_text


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection attempt."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.hits.append(addr)
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def payloads(port: int) -> list[str]:
    return [
        f'<img src="http://127.0.0.1:{port}/x">',
        '<img src="http://127.0.0.1:9/x">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">',
        f'<style>@import url(http://127.0.0.1:{port}/import.css);</style>',
        f'@import url("http://127.0.0.1:{port}/bare.css");',
        '<script>document.write("pwned")</script>',
        f'<svg><image href="http://127.0.0.1:{port}/svg"/></svg>',
        f'<a rel="attachment" href="http://127.0.0.1:{port}/a">x</a>',
    ]


@pytest.fixture
def hostile_system(catalog, team, listener):
    owner = member(team, Role.OWNER)
    evil = payloads(listener.port)
    system = make_system(team, owner, name=f"Evil {evil[0]} system", description=" ".join(evil),
                         answers={"users": ["children"], "regimes": ["gdpr"]})
    chat = make_component(system, "input", name=evil[2], actor=owner,
                          answers={"source": "end_users", "purpose": ["prompt"], "personal_data": "children"})
    model = make_component(system, "model", name=evil[6], actor=owner,
                           answers={"provider": "third_party_api", "model_type": "llm"})
    tm_services.flow_create(actor=owner, system=system, source=chat, target=model, label=evil[4],
                            answers={"personal_data": True})
    privacy_services.privacy_assessment_save(actor=owner, system=system, values={
        "processing_description": "\n".join(evil),
        "purposes": [{"purpose": evil[5], "legal_basis": "consent", "note": evil[3]}],
        "transfers": [{"recipient": evil[1], "country": evil[7], "note": evil[8]}],
        "residency": {"stored_in": [evil[0]], "note": evil[2]},
    })
    return system, owner


@pytest.mark.parametrize("kind", ["assurance", "pia"])
def test_hostile_text_is_escaped_and_nothing_is_fetched(hostile_system, listener, kind, monkeypatch):
    system, owner = hostile_system
    calls = []
    real_fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        calls.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    content = build_content(kind, system, generated_by=owner)
    html = render_html(content, content_sha256=content_sha256(content))
    # every payload appears only as escaped text
    assert "<script" not in html.replace('<script src="', "")
    assert '<img src="http' not in html and '<link rel="attachment"' not in html and "<style>" not in html
    assert "&lt;img src=&quot;http://127.0.0.1:9/x&quot;&gt;" in html
    assert 'rel="attachment"' not in html

    pdf = render_pdf(html)
    # the fetcher saw our stylesheet only, and the listening socket saw nothing
    assert calls == ["https://report.invalid/static/css/report.css"]
    assert pdf.fetcher.refused == []
    assert listener.hits == []
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    text = pdf_text(pdf.data)
    assert '<img src="http://127.0.0.1:9/x">' in text  # shown as text, not loaded


def test_a_fetch_that_slipped_through_would_still_be_refused(listener):
    """Defence in depth: even raw HTML with external references loads nothing but our static files."""
    evil = "".join(payloads(listener.port))
    html = (f'<html><head><title>x</title><link rel="stylesheet" href="/static/css/report.css">{evil}</head>'
            f'<body>{evil}<p>body</p></body></html>')
    pdf = render_pdf(html, variant="", tagged=False)
    assert listener.hits == []
    assert all(url.startswith("https://report.invalid/static/") for url in pdf.fetcher.served)
    assert any("127.0.0.1" in url for url in pdf.fetcher.refused)
    assert any(url.startswith("file:") for url in pdf.fetcher.refused)
    assert PdfReader(io.BytesIO(pdf.data)).attachments == {}


def test_render_uses_the_static_only_fetcher_by_default():
    pdf = render_module.render_pdf("<html><head><title>x</title></head><body><p>x</p></body></html>",
                                   variant="", tagged=False)
    assert type(pdf.fetcher) is StaticOnlyFetcher
