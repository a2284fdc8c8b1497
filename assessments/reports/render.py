"""HTML and PDF from the same templates.

``render_html`` lays a report's content out with ``templates/reports/<kind>.html`` (the browser preview
serves exactly this HTML); ``render_pdf`` hands that HTML to WeasyPrint with the static-only URL
fetcher, as PDF/A-3b and tagged for accessibility, reporting progress while pages are laid out.
"""

import gc
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from ..models.reports import ReportKind
from . import svg
from .content import CONTENT_FILENAME

if TYPE_CHECKING:  # WeasyPrint (about a second of imports) is loaded by the first render, not by every process
    from .fetcher import StaticOnlyFetcher

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
Progress = Callable[[int, str], None]
PAGE_RE = re.compile(r"Creating layout - Page (\d+)")


def charts_for(content: dict) -> dict:
    """The SVG charts of a report, drawn from its content (they add nothing the content does not say)."""
    system = content["system"]
    charts = {"lanes": svg.lanes_diagram(system["lanes"], system["flows"])}
    if content["kind"] == "assurance":
        charts["nist"] = svg.coverage_bars(content["nist"]["functions"], "NIST AI RMF subcategories by function")
        charts["heat_inherent"] = svg.heat_map(content["register"]["heat_inherent"], "Inherent risk")
        charts["heat_residual"] = svg.heat_map(content["register"]["heat_residual"], "Residual risk")
    return charts


def render_html(content: dict, *, content_sha256: str, preview: bool = False, back_url: str = "",
                signature: dict | None = None) -> str:
    kind = content["kind"]
    context = {"c": content, "charts": charts_for(content), "content_sha256": content_sha256,
               "kind_label": ReportKind(kind).label, "preview": preview, "back_url": back_url, "signature": signature}
    return render_to_string(f"reports/{kind}.html", context)


@dataclass
class RenderedPdf:
    data: bytes
    pages: int
    variant: str
    fetcher: "StaticOnlyFetcher"


class _ProgressHandler(logging.Handler):
    """Turns WeasyPrint's progress log lines (this thread's only) into progress calls."""

    STEPS = {"Step 1": (12, "Reading the HTML"), "Step 3": (16, "Applying the styles"),
             "Step 4": (20, "Building the page structure"), "Step 6": (88, "Writing the PDF"),
             "Step 7": (92, "Adding PDF metadata")}

    def __init__(self, on_progress: Progress, every: float = 0.5):
        super().__init__(logging.INFO)
        self.on_progress, self.every, self.last = on_progress, every, 0.0
        self.thread = threading.get_ident()

    def emit(self, record):
        if record.thread != self.thread:
            return
        message = record.getMessage()
        page = PAGE_RE.search(message)
        if page:
            number = int(page.group(1))
            value, stage = min(85, 22 + number), f"Laying out page {number}"
        else:
            found = next((v for k, v in self.STEPS.items() if message.startswith(k)), None)
            if found is None:
                return
            value, stage = found
        now = time.monotonic()
        if now - self.last < self.every and "Step 6" not in message:
            return
        self.last = now
        try:
            self.on_progress(value, stage)
        except Exception:  # noqa: BLE001 - progress is best effort; the render goes on
            log.warning("report progress update failed", exc_info=True)


def content_attachment(canonical: bytes, digest: str):
    """The canonical JSON of the content as a PDF/A-3 associated file (relationship Data)."""
    from weasyprint import Attachment

    return Attachment(string=canonical, name=CONTENT_FILENAME, relationship="Data",
                      description=f"Canonical JSON of the report content; SHA-256 {digest}")


_FROZEN_CLASSES: dict[type, type] = {}


def _frozen_class(cls: type) -> type:
    """A subclass of a pydyf object class whose ``data`` is the bytes computed once (see ``serialize_once``)."""
    if cls not in _FROZEN_CLASSES:
        _FROZEN_CLASSES[cls] = type(cls.__name__, (cls,), {"data": property(lambda self: self._frozen_data),
                                                            "__module__": cls.__module__})
    return _FROZEN_CLASSES[cls]


STREAM_LEVEL = 6  # zlib level of the content streams: pydyf's 9 takes 4-5 times as long for 5 % less


def _deflate(stream, level: int) -> None:
    """Compress a pydyf stream at ``level`` once, in place: it then holds its compressed bytes, the
    FlateDecode filter, and is written as is (pydyf's own compression is always level 9)."""
    stream.compress = False
    plain = stream.data  # <<dict>>\nstream\n...\nendstream; a dictionary's bytes hold no newline
    raw = plain[plain.index(b"\nstream\n") + 8:-len(b"\nendstream")]
    stream.stream = [zlib.compress(raw, level)]
    stream.extra["Filter"] = "/FlateDecode"


def serialize_once(document, pdf) -> None:
    """WeasyPrint finisher: serialize (and compress) every PDF object once.

    With a file identifier, which PDF/A requires, pydyf serializes every object a second time to hash it
    for the trailer's ID: every content stream is deflated twice at level 9. The finisher runs after the
    PDF is complete and just before it is written, so each object's bytes are final: it deflates the
    streams once at ``STREAM_LEVEL``, keeps every object's bytes and serves them to both passes. The pages
    hold the same content (tests/reports/test_layout.py checks it); on the 500-risk bench this saves about
    0.45 s of CPU, a fifth of ``write_pdf``, for a file about 5 % larger.
    """
    from pydyf import Stream

    for obj in pdf.objects:
        if obj.free == "f":
            continue
        if isinstance(obj, Stream) and obj.compress:
            _deflate(obj, STREAM_LEVEL)
        obj._frozen_data = obj.data
        obj.__class__ = _frozen_class(type(obj))


_PAUSE_LOCK = threading.Lock()
_PAUSE = {"depth": 0, "resume": False}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a render, then running again.

    A render allocates hundreds of thousands of objects (boxes, styles, text lines, PDF objects) that stay
    alive until it ends, and the collector scans them again at every threshold: on the 500-risk bench that
    is about 0.3 s of a 2.7 s render, more in a process with a larger heap (a worker with Django loaded).
    Nothing a render makes needs collecting before it ends; reference counting still frees everything that
    is not in a cycle, and the collector picks up the rest at its next run after the render (the bench's
    peak-memory row shows the cost). Nested or concurrent renders keep it paused until the last one ends,
    and it is only resumed if it was running before the first.
    """
    with _PAUSE_LOCK:
        if _PAUSE["depth"] == 0:
            _PAUSE["resume"] = gc.isenabled()
            gc.disable()
        _PAUSE["depth"] += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSE["depth"] -= 1
            if _PAUSE["depth"] == 0 and _PAUSE["resume"]:
                gc.enable()


def render_pdf(html: str, *, on_progress: Progress | None = None, fetcher: "StaticOnlyFetcher | None" = None,
               variant: str = PDF_VARIANT, tagged: bool = True, attachments: list | None = None) -> RenderedPdf:
    from weasyprint import HTML
    from weasyprint.logger import PROGRESS_LOGGER

    from .fetcher import REPORT_BASE_URL, StaticOnlyFetcher

    fetcher = fetcher or StaticOnlyFetcher()
    handler = _ProgressHandler(on_progress) if on_progress else None
    level, propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
    if handler:
        PROGRESS_LOGGER.addHandler(handler)
        PROGRESS_LOGGER.setLevel(logging.INFO)
        PROGRESS_LOGGER.propagate = False
    try:
        options = {"pdf_variant": variant or None, "pdf_tags": tagged}
        with cyclic_gc_paused():
            document = HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=fetcher).render(**options)
            data = document.write_pdf(attachments=attachments or None, finisher=serialize_once, **options)
    finally:
        if handler:
            PROGRESS_LOGGER.removeHandler(handler)
            PROGRESS_LOGGER.setLevel(level)
            PROGRESS_LOGGER.propagate = propagate
    return RenderedPdf(data, len(document.pages), variant or "", fetcher)
