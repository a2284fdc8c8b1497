"""Helpers for the workshop tests: htmx headers, finding a suggestion, reading a form's values."""

from html.parser import HTMLParser

from assessments.models import Risk

HX = {"HTTP_HX_REQUEST": "true"}


def suggestion(system, ref: str, component_name: str | None = None) -> Risk:
    qs = Risk.objects.filter(system=system, template__ref=ref)
    if component_name:
        qs = qs.filter(component__name=component_name)
    return qs.order_by("id").first()


class _FormParser(HTMLParser):
    """The values a browser would submit for the first form in some HTML (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._option_value = None
        self._textarea = None
        self._form_seen = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form_seen += 1
        if self._form_seen != 1:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data.lstrip("\n") if not self.data[self._textarea][0] else data


def form_data(html: str) -> dict[str, list[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.data
