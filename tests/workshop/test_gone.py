"""Saving what someone else deleted meanwhile: a short note in the editor with the text to copy, not a 404."""

import pytest
from django.urls import reverse

from assessments import services
from threatmodel import services as tm
from threatmodel.models import Component, Role

from ..factories import member
from .helpers import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(team):
    return member(team, Role.CONTRIBUTOR, username="alice", first_name="Alice", last_name="Adams")


def test_saving_a_deleted_component_explains_and_keeps_the_text(login, contributor, alice, rag):
    component = Component.objects.filter(system=rag).order_by("id").first()
    data = {"version": component.version, "name": "Refund tool call", "description": "Calls the refund API"}
    tm.component_delete(actor=alice, component=component)
    response = login(contributor).post(reverse("workshop_component", args=[component.pk]), data,
                                       HTTP_HX_TARGET="editor", **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#editor" and response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert "was deleted by Alice Adams" in html and "just now" in html and 'role="alert"' in html
    assert "initial" not in html.split("<textarea", 1)[1]
    assert "name: Refund tool call" in html and "description: Calls the refund API" in html
    page = login(contributor).post(reverse("workshop_component", args=[component.pk]), data)
    assert page.status_code == 410 and "was deleted by Alice Adams" in page.content.decode()


def test_a_deleted_risk_card_and_mitigation_say_so(login, contributor, alice, rag):
    risk = services.risk_create(actor=contributor, system=rag, title="Custom one")
    mitigation = services.mitigation_create(actor=contributor, system=rag, title="Rate limit")
    services.risk_delete(actor=alice, risk=risk)
    services.mitigation_delete(actor=alice, mitigation=mitigation)
    client = login(contributor)
    edit = client.post(reverse("workshop_risk_edit", args=[risk.pk]), {"version": 1, "title": "Renamed"},
                       HTTP_HX_TARGET=f"risk-{risk.pk}", **HX)
    assert edit.status_code == 409 and edit["HX-Retarget"] == f"#risk-{risk.pk}"
    assert "This risk (Custom one) was deleted by Alice Adams" in edit.content.decode()
    assert "title: Renamed" in edit.content.decode()
    mit = client.post(reverse("workshop_mitigation_edit", args=[mitigation.pk]), {"version": 1}, **HX)
    assert mit.status_code == 409 and "This mitigation (Rate limit) was deleted" in mit.content.decode()


def test_another_teams_deleted_object_is_still_a_404(login, outsider, alice, rag):
    component = Component.objects.filter(system=rag).order_by("id").first()
    tm.component_delete(actor=alice, component=component)
    response = login(outsider).post(reverse("workshop_component", args=[component.pk]), {"name": "x"}, **HX)
    assert response.status_code == 404
