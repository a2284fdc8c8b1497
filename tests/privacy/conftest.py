import pytest

from threatmodel import services as tm_services

from ..factories import make_component, make_system


@pytest.fixture
def speech_app(team, owner):
    """A children's speech app: a child's voice goes to a third-party speech model."""
    system = make_system(team, owner, name="Story buddy", answers={
        "internet_facing": True, "users": ["children", "public"], "regimes": ["gdpr", "coppa"]})
    voice = make_component(system, "input", name="Child's voice", actor=owner,
                           answers={"source": "end_users", "purpose": ["prompt"], "personal_data": "children"})
    model = make_component(system, "model", name="Speech recogniser", actor=owner,
                           answers={"model_type": "speech", "provider": "third_party_api", "logs_prompts": True})
    reply = make_component(system, "output", name="Spoken reply", actor=owner,
                           answers={"consumer": ["end_user"], "affects_individuals": False})
    tm_services.flow_create(actor=owner, system=system, source=voice, target=model, answers={"personal_data": True})
    tm_services.flow_create(actor=owner, system=system, source=model, target=reply, answers={})
    return system


@pytest.fixture
def forecaster(team, owner):
    """An internal forecasting model with no personal data."""
    system = make_system(team, owner, name="Demand forecast",
                         answers={"internet_facing": False, "users": ["employees"]})
    sales = make_component(system, "input", name="Sales history", actor=owner,
                           answers={"source": "internal_systems", "purpose": ["training"], "personal_data": "none"})
    model = make_component(system, "model", name="Forecaster", actor=owner,
                           answers={"model_type": "regression", "provider": "in_house"})
    tm_services.flow_create(actor=owner, system=system, source=sales, target=model, answers={"personal_data": False})
    return system


@pytest.fixture
def kids_app(team, owner):
    """The children's speech app, with no regime named by the system: the geography says US and EU."""
    system = make_system(team, owner, name="Story buddy", answers={"internet_facing": True,
                                                                    "users": ["children", "public"]})
    voice = make_component(system, "input", name="Child's voice", actor=owner,
                           answers={"source": "end_users", "purpose": ["prompt"], "personal_data": "children"})
    model = make_component(system, "model", name="Speech recogniser", actor=owner,
                           answers={"model_type": "speech", "provider": "third_party_api"})
    tm_services.flow_create(actor=owner, system=system, source=voice, target=model, answers={"personal_data": True})
    return system
