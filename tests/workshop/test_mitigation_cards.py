"""The mitigation list is rendered in Python (cards.mitigation_card) for speed; a single card comes back from
its template after an edit. Both draw the same card."""

import datetime
import re

import pytest
from django.template.loader import render_to_string

from assessments import services
from assessments.workshop import cards
from assessments.workshop.presenter import mitigation_for_card

from .helpers import suggestion

pytestmark = pytest.mark.django_db


def normal(html: str) -> str:
    html = re.sub(r">\s+<", "><", str(html).strip())
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize("can_edit", [True, False])
def test_python_and_template_cards_are_the_same(contributor, rag, can_edit):
    risk = suggestion(rag, "AI-IN-001")
    control = risk.template.controls.order_by("ref").first()
    with_control = services.mitigation_create(actor=contributor, system=rag, control=control.ref, owner=contributor,
                                              due=datetime.date(2020, 1, 2), risks=[risk.pk])
    custom = services.mitigation_create(actor=contributor, system=rag, title="Canary <prompts> & co")
    for m in (with_control, custom):
        m = mitigation_for_card(m)
        template = render_to_string("workshop/_mitigation_card.html", {"m": m, "mode": "view", "can_edit": can_edit})
        assert normal(cards.mitigation_card(m, can_edit=can_edit)) == normal(template)
