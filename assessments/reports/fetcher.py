"""The only way WeasyPrint may load anything while rendering a report: the project's own static files.

Reports are rendered with ``base_url=REPORT_BASE_URL``, a name that does not resolve (``.invalid``),
so the templates' ``{% static %}`` links become ``https://report.invalid/static/...``. The fetcher
serves exactly those, from the static files finders, by file type; everything else (any other
host, ``file://``, ``data:``, a path that climbs out with ``..``) raises before any I/O. It never
opens a socket and so never follows a redirect.
"""

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

REPORT_ORIGIN = "https://report.invalid"
REPORT_BASE_URL = f"{REPORT_ORIGIN}/"
ALLOWED_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
MAX_BYTES = 5 * 1024 * 1024


class FetchRefused(ValueError):
    """A URL the report renderer will not load."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only the project's static files. ``requested`` lists every call."""

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.requested: list[str] = []
        self.served: list[str] = []
        self.refused: list[str] = []

    def static_path(self, url: str) -> str:
        """The relative static path a URL names, or FetchRefused."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != REPORT_ORIGIN or parts.query or parts.username or parts.password:
            raise FetchRefused(f"not one of the project's static files: {url[:200]}")
        prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        path = unquote(parts.path)
        if not path.startswith(prefix):
            raise FetchRefused(f"not under {prefix}: {url[:200]}")
        relative = path[len(prefix):]
        normalised = posixpath.normpath(relative)
        if (not relative or "\\" in relative or "\x00" in relative or normalised != relative
                or normalised.startswith(("../", "/")) or normalised == ".."):
            raise FetchRefused(f"not a plain static path: {url[:200]}")
        if posixpath.splitext(normalised)[1].lower() not in ALLOWED_TYPES:
            raise FetchRefused(f"file type not served to reports: {url[:200]}")
        return normalised

    def fetch(self, url, headers=None):
        self.requested.append(url)
        try:
            relative = self.static_path(url)
            found = finders.find(relative)
            if not found:
                raise FetchRefused(f"no such static file: {relative}")
            with open(found, "rb") as handle:
                body = handle.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FetchRefused(f"static file too large for a report: {relative}")
        except Exception:
            self.refused.append(url)
            raise
        self.served.append(url)
        content_type = ALLOWED_TYPES.get(posixpath.splitext(relative)[1].lower()) or mimetypes.guess_type(relative)[0]
        headers = {"Content-Type": f"{content_type}; charset=utf-8" if content_type == "text/css" else content_type}
        return URLFetcherResponse(url, body, headers, 200)

    def open(self, url, data=None, timeout=None):  # urllib's entry point: never used for the network
        return self.fetch(url if isinstance(url, str) else url.full_url)

    def __call__(self, url):
        return self.fetch(url)
