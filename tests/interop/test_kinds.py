"""Kinds of a diagram that describes no AI system: its processes are not all made "model"; the preview asks,
with a default per shape and position, and the person's choice (page or API) is what is applied."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assessments.interop import detect, services
from assessments.interop.rules import NO_MODEL_NOTE, propose_kinds
from threatmodel.models import AISystem

pytestmark = pytest.mark.django_db


def web_app() -> bytes:
    """A plain web shop in Threat Dragon v2: no word of it names an AI model."""
    elements = [("shopper", "actor", "tm.Actor", "Shopper"), ("web", "process", "tm.Process", "Web server"),
                ("orders", "process", "tm.Process", "Order service"), ("db", "store", "tm.Store", "Orders table"),
                ("mailer", "process", "tm.Process", "Mailer")]
    cells = [{"id": cid, "shape": shape, "position": {"x": 150 * i, "y": 40}, "size": {"width": 100, "height": 60},
              "data": {"name": name, "type": kind, "description": "", "threats": []}}
             for i, (cid, shape, kind, name) in enumerate(elements)]
    for source, target in (("shopper", "web"), ("web", "orders"), ("orders", "db"), ("orders", "mailer")):
        cells.append({"id": f"{source}-{target}", "shape": "flow", "source": {"cell": source},
                      "target": {"cell": target}, "data": {"name": "HTTPS", "type": "tm.Flow", "threats": []}})
    return json.dumps({"version": "2.2.0", "summary": {"title": "Web shop"}, "detail": {
        "contributors": [], "diagrams": [{"id": 0, "title": "Shop", "diagramType": "STRIDE", "version": "2.2.0",
                                          "cells": cells}]}}).encode()


def test_processes_of_a_diagram_without_ai_are_not_made_models(catalog):
    plan = detect.read(web_app(), filename="shop.json")
    kinds = {c.source_id: (c.kind, c.kind_ask) for c in plan.components}
    assert kinds == {"shopper": ("input", False), "web": ("input", True), "orders": ("input", True),
                     "db": ("output", False), "mailer": ("output", True)}
    assert any(n.message == NO_MODEL_NOTE for n in plan.notes)


def test_a_diagram_with_a_model_still_proposes_one():
    elements = [{"id": "a", "type": "actor", "name": "User"}, {"id": "m", "type": "process", "name": "LLM"},
                {"id": "p", "type": "process", "name": "Batch job"}]
    kinds = propose_kinds(elements, [("a", "m")])
    assert kinds["m"][:1] == ("model",) and not kinds["m"][2]
    assert kinds["p"] == ("model", kinds["p"][1], True)  # a guess next to a real model: asked


def test_the_preview_asks_and_the_api_applies_the_choice(catalog, team, owner, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(owner)
    upload = SimpleUploadedFile("shop.json", web_app(), content_type="application/json")
    body = client.post("/api/v1/imports/", {"file": upload, "team": team.slug}, format="multipart").json()
    preview = body["preview"]
    assert preview["names_no_model"] and preview["kind_asks"] == 3
    asked = {c["id"]: c["kind"] for c in preview["components"] if c["kind_ask"]}
    assert asked == {"web": "input", "orders": "input", "mailer": "output"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/imports/{body['id']}/confirm/", {"kinds": {"orders": "model"}},
                               format="json")
    assert response.status_code == 202, response.json()
    system = AISystem.objects.get(team=team)
    assert dict(system.components.values_list("name", "kind")) == {
        "Shopper": "input", "Web server": "input", "Order service": "model", "Orders table": "output",
        "Mailer": "output"}


def test_the_page_marks_the_kinds_to_check(catalog, login, team, contributor):
    client = login(contributor)
    record = services.import_preview(actor=contributor, team=team, data=web_app(), filename="shop.json")
    html = client.get(f"/import/{record.pk}/").content.decode()
    assert "Please check the 3 kinds" in html and "no element of this diagram names an AI model" in html
    assert html.count("<strong>check:</strong>") == 3
