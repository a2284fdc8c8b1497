"""The OpenAPI schema validates without warnings, every operation carries an example, and the docs page is
served from our own static files (drf-spectacular-sidecar) under the site's CSP."""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_spectacular_validates_with_no_warning(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out),
                 stdout=io.StringIO(), stderr=io.StringIO())
    schema = json.loads(out.read_text())
    assert schema["openapi"].startswith("3.") and "/api/v1/risks/" in schema["paths"]


def _has_example(node) -> bool:
    if isinstance(node, dict):
        return "example" in node or "examples" in node or any(_has_example(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_example(v) for v in node)
    return False


def test_every_operation_has_an_example(client):
    schema = client.get("/api/schema/?format=json").json()
    missing = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            parts = [op.get("requestBody", {}), op.get("parameters", [])]
            parts += [r for code, r in op.get("responses", {}).items() if code.startswith("2")]
            if not _has_example(parts):
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing
    risk = schema["paths"]["/api/v1/risks/{id}/"]["patch"]
    assert any(p["name"] == "If-Match" and p["required"] for p in risk["parameters"])
    assert {"412", "428", "409"} <= set(risk["responses"]) and "429" in risk["responses"]


def test_docs_page_uses_local_assets_and_no_inline_script(client, settings):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from a CDN
    assert not re.search(r"<script>(?!</script>)", html) and "<style>" not in html
    for src in sources:
        if src.startswith(settings.STATIC_URL):
            assert finders.find(src[len(settings.STATIC_URL):]), src
    script = next(s for s in sources if "script" in s and "static" not in s)
    js = client.get(script)
    assert js.status_code == 200 and "SwaggerUIBundle" in js.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
