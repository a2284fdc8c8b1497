"""The step guide is honest: Components is done only with an input, a model and an output; Next never points
to a step that cannot start."""

from types import SimpleNamespace

import pytest

from assessments.workshop.presenter import next_step, progress, workshop_data
from threatmodel import services as tm

from ..factories import make_system


def model(kinds=(), *, system=(3, 3), components=(4, 4)):
    """A model part with one component per kind; `system`/`components` are (answered, questions)."""
    return SimpleNamespace(components=[SimpleNamespace(kind=k) for k in kinds],
                           system_answered=system[0], system_questions=system[1],
                           answered=system[0] + components[0], questions=system[1] + components[1])


def register(**counts):
    return SimpleNamespace(counts={"reviewed": 0, "total": 0, "scored": 0, "register": 0, "mitigated": 0, **counts})


def by_key(steps):
    return {s.key: s for s in steps}


def test_components_is_not_done_while_a_lane_is_empty():
    steps = by_key(progress(model(["input", "input"]), register()))
    c = steps["components"]
    assert c.done == c.total  # every question answered ...
    assert not c.complete and c.can_start  # ... but no model and no output yet
    assert c.text.endswith("add at least one model and one output")
    steps = by_key(progress(model(["input", "model"]), register()))
    assert not steps["components"].complete and steps["components"].missing == "add at least one output"


def test_components_is_done_with_the_three_kinds_and_every_question_answered():
    assert by_key(progress(model(["input", "model", "output"]), register()))["components"].complete
    half = by_key(progress(model(["input", "model", "output"], components=(2, 4)), register()))["components"]
    assert not half.complete and half.percent == 50 and not half.missing


def test_an_empty_system_points_to_its_first_steps_never_to_later_ones():
    steps = progress(model(system=(0, 3), components=(0, 0)), register())
    nxt = next_step(steps)
    assert nxt.key == "system"
    byk = by_key(steps)
    assert byk["components"].text == "none yet; add at least one input and one model and one output"
    for key in ("suggestions", "scoring", "mitigations"):
        assert not byk[key].can_start and not byk[key].complete


def test_next_skips_steps_that_cannot_start_and_done_steps():
    full = model(["input", "model", "output"])
    assert next_step(progress(model(["input"]), register())).key == "components"  # system done; lanes missing
    assert next_step(progress(full, register())) is None  # nothing suggested, nothing in the register
    assert next_step(progress(full, register(total=5, reviewed=2))).key == "suggestions"
    nxt = next_step(progress(full, register(total=5, reviewed=5, register=3, scored=3, mitigated=1)))
    assert nxt.key == "mitigations"
    for steps in (progress(model(), register()), progress(full, register(total=2, reviewed=2))):
        nxt = next_step(steps)
        assert nxt is None or nxt.can_start and not nxt.complete


@pytest.mark.django_db
def test_the_page_data_follows_the_model(team, contributor, catalog):
    system = make_system(team, contributor, name="Only inputs")
    tm.component_create(actor=contributor, system=system, kind="input", name="Chat")
    steps = by_key(workshop_data(system)["steps"])
    assert not steps["components"].complete
    assert "add at least one model and one output" in steps["components"].text
    tm.component_create(actor=contributor, system=system, kind="model", name="LLM")
    tm.component_create(actor=contributor, system=system, kind="output", name="Reply")
    data = workshop_data(system)
    assert not by_key(data["steps"])["components"].missing
    assert data["next_step"] is None or data["next_step"].can_start
