"""Catalog pages: browse, search, filter by framework item, details, coverage; accessible, CSP-clean."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(loaded, login, viewer):
    return login(viewer)


def page(client, name, *args, **params):
    response = client.get(reverse(f"catalog:{name}", args=args), params)
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script (CSP)"
    assert not re.search(r"\sstyle=", html), "no style attributes (CSP)"
    return response, html


def test_pages_need_a_login(loaded, client):
    for name, args in (("threat_list", ()), ("threat_detail", ("AI-IN-001",)), ("coverage", ())):
        response = client.get(reverse(f"catalog:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_threat_list_searches_and_filters(client_in):
    response, html = page(client_in, "threat_list")
    assert response.context["page"].paginator.count >= 80
    assert 'aria-current="page">Catalog<' in html
    for label in ("Search", "Framework", "Applies to", "Category"):
        assert re.search(rf'<label for="id_\w+">{label}', html), label
    _, html = page(client_in, "threat_list", q="membership inference")
    assert "Membership inference" in html
    response, html = page(client_in, "threat_list", framework="OWASP-LLM-2025", ref="LLM06:2025")
    titles = [t.title for t in response.context["page"].object_list]
    assert titles and all("LLM06:2025" in [m.ref for m in t.mappings.all()]
                          for t in response.context["page"].object_list)
    response, _ = page(client_in, "threat_list", applies_to="system")
    assert {t.ref[:6] for t in response.context["page"].object_list} == {"AI-SYS"}


def test_threat_list_pages(client_in):
    response, html = page(client_in, "threat_list")
    assert 'rel="next"' in html and len(response.context["page"].object_list) == 50
    response, html = page(client_in, "threat_list", page=2)
    assert 'rel="prev"' in html and response.context["page"].number == 2


def test_threat_detail_explains_the_rule_in_plain_words(client_in):
    _, html = page(client_in, "threat_detail", "AI-IN-001")
    assert "When it is suggested" in html
    assert "“Can outsiders put content into this input?” is yes" in html
    assert "includes “Prompt or instruction to a generative model”" in html
    assert 'href="/catalog/controls/CTL-001/"' in html
    assert "MEASURE 2.7" in html and "NIST AI Risk Management Framework" in html
    assert client_in.get(reverse("catalog:threat_detail", args=["AI-IN-999"])).status_code == 404


def test_control_pages(client_in):
    response, html = page(client_in, "control_list", kind="detective")
    assert response.context["page"].paginator.count > 0
    assert {c.kind for c in response.context["page"].object_list} == {"detective"}
    _, html = page(client_in, "control_detail", "CTL-001")
    assert "How to verify it" in html and "Threats it addresses" in html
    assert 'href="/catalog/threats/AI-IN-001/"' in html


def test_coverage_lists_every_ai_rmf_subcategory(client_in):
    response, html = page(client_in, "coverage")
    assert response.context["subcategory_count"] == 72
    for ref in ("GOVERN 1.1", "MAP 5.2", "MEASURE 2.7", "MANAGE 4.3"):
        assert f'<th scope="row">{ref}</th>' in html, ref
    assert len(re.findall(r'<th scope="row">(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+</th>', html)) == 72
    assert "OWASP Top 10 for LLM Applications" in html and "10 / 10 (100%)" in html
    assert response.context["failures"] == []


def test_framework_page_links_items_to_filtered_lists(client_in):
    _, html = page(client_in, "framework_detail", "OWASP-LLM-2025")
    assert "LLM01:2025" in html
    assert "/catalog/?framework=OWASP-LLM-2025&amp;ref=LLM01%3A2025" in html


@pytest.mark.parametrize("name", ["threat_list", "control_list", "coverage"])
def test_query_counts_are_flat(client_in, name):
    def count(**params):
        with CaptureQueriesContext(connection) as ctx:
            page(client_in, name, **params)
        return len(ctx.captured_queries)

    assert count(page=1) == count(page=2) if name != "coverage" else count() <= 15


def test_threat_page_shows_mapping_notes_score_answers_detection_and_probes(client_in):
    _, html = page(client_in, "threat_detail", "AI-MD-044")
    assert "Why: ATLAS names agent resource consumption as a cost-harvesting sub-technique." in html
    assert "likelihood -2" in html and "Requests are rate limited and capped, so a loop hits a ceiling." in html
    assert "counts as in place: The model is answered as rate limited and capped." in html
    assert "Test probes" in html and "Log sources" in html and "agent trace" in html
    _, html = page(client_in, "threat_detail", "AI-MD-040")
    assert "AML.CS0040" in html  # an ATLAS case study reference


def test_threat_page_shows_why_for_nist_caf_and_600_1_mappings(client_in):
    _, html = page(client_in, "threat_detail", "AI-IN-001")
    assert "Why: Resistance to override prompts is a security property" in html  # NIST-AI-RMF MEASURE 2.7
    assert "Why: The prompt field is an exposed input flaw;" in html  # CAF-AI-SEC vulnerability-management/input
    assert "Why: 600-1 names prompt injection as a core information security risk" in html  # NIST-AI-600-1 2.9
    mappings = html[html.index('<dl class="mappings">'):]
    mappings = mappings[:mappings.index("</dl>")]
    assert mappings.count('class="badge"') == mappings.count('class="help mapping-note"') == 11  # each has a why


def test_framework_page_shows_the_attribution(client_in):
    _, html = page(client_in, "framework_detail", "COSAI-RISK-MAP")
    assert "licensed under the Apache License 2.0" in html
