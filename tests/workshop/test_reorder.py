"""Cards reordered within their lane: the order is kept (Component.position) and audited."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from threatmodel import services as tm
from threatmodel.models import AuditEvent, Component
from threatmodel.selectors import system_model

from .helpers import HX

pytestmark = pytest.mark.django_db


def lane_ids(system, kind):
    return [c.pk for c in system_model(system)[0] if c.kind == kind]


def test_reorder_a_lane_and_keep_it(login, contributor, viewer, rag):
    tm.component_create(actor=contributor, system=rag, kind="input", name="Third input")
    before = lane_ids(rag, "input")
    wanted = list(reversed(before))
    response = login(contributor).post(reverse("workshop_lane_reorder", args=[rag.pk]),
                                       {"kind": "input", "order": wanted}, **HX)
    assert response.status_code == 204 and response["HX-Trigger"] == "workshop:refresh"
    assert lane_ids(rag, "input") == wanted
    event = AuditEvent.objects.filter(action="system.components_reordered").latest("seq")
    assert event.changes == {"input order": [before, wanted]}
    page = login(contributor).get(reverse("workshop", args=[rag.pk])).content.decode()
    assert page.index(f'data-component="{wanted[0]}"') < page.index(f'data-component="{wanted[-1]}"')
    assert login(viewer).post(reverse("workshop_lane_reorder", args=[rag.pk]),
                              {"kind": "input", "order": before}, **HX).status_code == 403


def test_an_order_that_misses_or_repeats_a_card_is_refused(contributor, rag):
    ids = lane_ids(rag, "input")
    for order in (ids[:-1], ids + ids[:1], [*ids[:-1], 10**9]):
        with pytest.raises(ValidationError):
            tm.components_reorder(actor=contributor, system=rag, kind="input", order=order)
    assert lane_ids(rag, "input") == ids
    with pytest.raises(ValidationError):
        tm.components_reorder(actor=contributor, system=rag, kind="lane", order=ids)
    assert Component.objects.filter(system=rag, kind="input").count() == len(ids)
