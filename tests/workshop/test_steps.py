"""The step guide is honest: Components is done only with an input, a model and an output; Next never points
to a step that cannot start."""

import pytest

from assessments.workshop.selectors import workshop_data
from threatmodel import services as tm
from threatmodel.models import Component

from ..factories import make_system

pytestmark = pytest.mark.django_db


def steps_of(system):
    data = workshop_data(system)
    return {s.key: s for s in data["steps"]}, data["next_step"]


def test_components_is_not_done_without_a_model_and_an_output(team, contributor, catalog):
    system = make_system(team, contributor, name="Only inputs")
    steps, nxt = steps_of(system)
    assert not steps["components"].complete and steps["components"].can_start
    tm.component_create(actor=contributor, system=system, kind="input", name="Chat")  # no questions answered needed
    for c in Component.objects.filter(system=system):
        tm.component_update(actor=contributor, component=c, answers={})
    steps, nxt = steps_of(system)
    assert not steps["components"].complete
    assert "add at least one model and one output" in steps["components"].text
    assert nxt is not None and nxt.key in ("system", "components")


def test_next_never_points_to_a_step_with_nothing_to_do(team, contributor, catalog):
    system = make_system(team, contributor, name="Empty")
    steps, nxt = steps_of(system)
    assert nxt is not None and nxt.can_start
    assert not steps["scoring"].can_start and not steps["mitigations"].can_start  # nothing in the register yet
    for key in ("suggestions", "scoring", "mitigations"):
        if not steps[key].can_start:
            assert nxt.key != key


def test_a_complete_model_completes_the_components_step(rag):
    steps, _nxt = steps_of(rag)
    assert not steps["components"].missing
