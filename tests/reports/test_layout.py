"""Layout of the PIA and assurance PDFs, read back from the PDF itself (pypdf): no word split across lines
by a stray break, no detached tag or empty separator left where a value is missing, running headers that
name the section, bookmarks that are the headings and nothing else."""

import html as html_lib
import io
import re

import pytest
from pypdf import PdfReader

from assessments import services
from assessments.privacy import services as privacy
from assessments.reports.content import build_content, content_sha256
from assessments.reports.render import render_html, render_pdf

from ..privacy.test_dpia_report import ANSWERED

TAG_WORDS = {"inferred", "confirmed", "edited", "covered", "accepted", "planned", "gap", "not assessed", "missing"}
EMPTY_SEPARATORS = re.compile(r"·\s*·|\(\s*\)|—\s*·|:\s*·|^\s*[•·—–:;,.]+\s*$")
HEADER_BAND = 57  # points: the top margin (20 mm), where the running header is drawn


def _strip(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def source_words(html: str) -> set[str]:
    body = re.sub(r"<(style|svg|title)\b.*?</\1>", " ", html, flags=re.S)
    return set(re.findall(r"[A-Za-z]+", _strip(body)))


def split_words(lines: list[str], words: set[str]) -> list[str]:
    """Places where a line ends inside a word: the two halves join into a word of the source, and at least
    one half is no word of the source on its own (a break between two whole words is an ordinary wrap)."""
    out = []
    for a, b in zip(lines, lines[1:], strict=False):
        end, start = re.search(r"([A-Za-z]+)$", a), re.match(r"^([A-Za-z]+)", b)
        if end and start:
            whole = end.group(1) + start.group(1)
            if whole in words and (end.group(1) not in words or start.group(1) not in words):
                out.append(f"{a[-30:]!r} | {b[:30]!r}")
    return out


def page_header(page) -> str:
    top = float(page.mediabox.top)
    parts = []

    def visit(text, cm, tm, _font, _size):
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > top - HEADER_BAND:
            parts.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(parts)


def outline_titles(outline) -> list[str]:
    out = []
    for entry in outline:
        out += outline_titles(entry) if isinstance(entry, list) else [entry.title]
    return out


_RENDERED: dict = {}


@pytest.fixture
def rendered(request, db):
    """The two reports of one system, rendered once per process: the tests only read the HTML and the PDFs,
    and two renders of the same register are the same (tests/reports/test_evidence.py checks the hash)."""
    if not _RENDERED:
        _RENDERED.update(_render(request.getfixturevalue("seeded"), request.getfixturevalue("people")))
    return _RENDERED


def _render(seeded, people) -> dict:
    system, _ = seeded
    owner = people[0]
    privacy.privacy_assessment_save(actor=owner, system=system, values=ANSWERED)
    services.assurance_scope_save(actor=owner, system=system, values={
        "system_version": "3.1.0-release-candidate", "period_start": "2026-01-01", "period_end": "2026-06-30"})
    services.governance_evidence_create(
        actor=owner, team=system.team, ref="GOVERN 1.2", statement="The AI policy is approved by the board.",
        evidence_links=["https://intranet.example.com/policies/artificial-intelligence/approved-by-the-board-2026"])
    out = {}
    for kind in ("pia", "assurance"):
        content = build_content(kind, system, generated_by=owner)
        html = render_html(content, content_sha256=content_sha256(content))
        out[kind] = (html, PdfReader(io.BytesIO(render_pdf(html).data)))
    return out


@pytest.mark.parametrize("kind", ["pia", "assurance"])
def test_text_has_no_stray_breaks_or_empty_artefacts(rendered, kind):
    html, reader = rendered[kind]
    words = source_words(html)
    splits, artefacts, joined = [], [], []
    for number, page in enumerate(reader.pages, start=1):
        lines = [line.strip() for line in (page.extract_text() or "").split("\n")]
        splits += [f"page {number}: {s}" for s in split_words(lines, words)]
        for line in lines:
            if line.lower() in TAG_WORDS or EMPTY_SEPARATORS.search(line) or "not_assessed" in line:
                artefacts.append(f"page {number}: {line!r}")
        joined += lines
    assert not splits, "words split across lines:\n" + "\n".join(splits)
    assert not artefacts, "detached tags or empty separators:\n" + "\n".join(artefacts)
    text = " ".join(joined)
    for token in {_strip(m) for m in re.findall(r'<span class="mono">(.*?)</span>', html)}:
        assert token in text, f"{token!r} is broken across lines"


@pytest.mark.parametrize("kind", ["pia", "assurance"])
def test_running_headers_name_the_section_and_bookmarks_are_headings(rendered, kind):
    html, reader = rendered[kind]
    sections = [_strip(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)]
    headings = {_strip(h) for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, flags=re.S)}
    seen = []
    for number, page in enumerate(reader.pages[1:], start=2):
        header = page_header(page)
        named = [s for s in sections if s in header]
        assert named, f"page {number}'s header names no section: {header!r}"
        seen.append(sections.index(max(named, key=len)))
    assert seen == sorted(seen), "running headers follow the order of the sections"
    assert len(set(seen)) >= 6  # the header changes with the section, it is not one fixed title
    titles = outline_titles(reader.outline)
    assert titles and set(titles) <= headings, f"bookmarks that are no heading: {set(titles) - headings}"
    assert sections[1:] == [t for t in titles if t in sections[1:]]  # every section once, in order


def test_serializing_each_object_once_keeps_the_pages(rendered):
    """The finisher that deflates each PDF stream once (level 6) and keeps each object's bytes for pydyf's
    second pass (the file identifier's hash) changes nothing a reader sees: the same pages with the same
    content streams, PDF/A-3b with its file identifier, and a file at most a tenth larger."""
    from weasyprint import HTML

    from assessments.reports.fetcher import REPORT_BASE_URL, StaticOnlyFetcher
    from assessments.reports.render import PDF_VARIANT, serialize_once

    html, _ = rendered["assurance"]
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}
    document = HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=StaticOnlyFetcher()).render(**options)
    plain = document.write_pdf(**options)
    once = document.write_pdf(finisher=serialize_once, **options)
    assert once != plain and len(once) <= len(plain) * 1.1
    before, after = PdfReader(io.BytesIO(plain)), PdfReader(io.BytesIO(once))
    assert [p.get_contents().get_data() for p in after.pages] == [p.get_contents().get_data() for p in before.pages]
    assert [p.extract_text() for p in after.pages] == [p.extract_text() for p in before.pages]
    assert len(after.trailer["/ID"]) == 2  # the file identifier PDF/A requires
    assert after.xmp_metadata.get_element("", "http://www.aiim.org/pdfa/ns/id/", "part")
    assert "/StructTreeRoot" in after.trailer["/Root"]  # still tagged
