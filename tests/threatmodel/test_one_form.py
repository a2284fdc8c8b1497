"""One page UI per write: the system pages and the workshop share the component and flow forms, which know
their one write, and the helpers that map a service onto a form exist once."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.workshop.views import common as workshop_common
from assessments.workshop.views import model as workshop_model
from threatmodel import forms, views
from threatmodel.models import Component, DataFlow

from ..factories import make_component, make_system

ROOT = Path(__file__).resolve().parents[2]


def test_both_pages_use_the_same_form_classes():
    assert workshop_model.ComponentForm is views.ComponentForm is forms.ComponentForm
    assert workshop_model.FlowForm is views.FlowForm is forms.FlowForm
    assert workshop_common.run_service is views.run_service is forms.run_service
    assert workshop_model.write_form is workshop_common.write_form


@pytest.mark.parametrize("helper", ["add_service_errors", "can_edit", "require_edit", "run_service",
                                    "save_mitigation"])
def test_each_form_helper_is_defined_once(helper):
    pattern = re.compile(rf"^\s*def {helper}\(", re.MULTILINE)
    found = [p.relative_to(ROOT).as_posix() for package in ("threatmodel", "assessments", "catalog", "config")
             for p in (ROOT / package).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert len(found) == 1, found


@pytest.mark.django_db
def test_the_form_writes_the_same_from_both_pages(login, team, contributor, catalog):
    system = make_system(team, contributor, name="Copilot")
    client = login(contributor)
    client.post(reverse("component_create", args=[system.pk]), {"kind": "input", "name": "Chat"})
    client.post(reverse("workshop_component_new", args=[system.pk]), {"kind": "model", "name": "LLM"},
                HTTP_HX_REQUEST="true")
    chat, llm = Component.objects.get(system=system, name="Chat"), Component.objects.get(system=system, name="LLM")
    client.post(reverse("flow_create", args=[system.pk]), {"source": chat.pk, "target": llm.pk, "label": "asks"})
    flow = DataFlow.objects.get(system=system)
    response = client.post(reverse("workshop_flow", args=[flow.pk]), {
        "source": chat.pk, "target": llm.pk, "label": "prompts", "version": flow.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    flow.refresh_from_db()
    assert flow.label == "prompts" and flow.version == 2
    out = make_component(system, kind="output", name="Reply", actor=contributor)
    response = client.post(reverse("component_edit", args=[out.pk]), {"kind": "output", "name": "Answer",
                                                                      "version": out.version})
    assert response.status_code == 302
    out.refresh_from_db()
    assert out.name == "Answer" and out.version == 2
