"""Builders for register tests: systems are made with the real services (audit chain, validation)."""

import datetime

from django.utils import timezone

from assessments import services
from assessments.reconcile import reconcile_system
from threatmodel import services as tm_services
from threatmodel.demo import build_support_assistant

from ..factories import make_component, make_system


def make_support_system(team, actor):
    """The demo's retrieval-augmented support chatbot (4 components, 3 flows), reconciled once."""
    system = build_support_assistant(actor=actor, team=team)
    reconcile_system(system.pk)
    return system


def make_injection_system(team, actor, **input_answers):
    """One untrusted input feeding an LLM: enough for prompt-injection threats to fire."""
    system = make_system(team, actor, name="Injection target", answers={"internet_facing": True})
    answers = {"source": "end_users", "purpose": ["prompt"], "untrusted_content": True, **input_answers}
    chat = make_component(system, "input", name="Chat", answers=answers, actor=actor)
    llm = make_component(system, "model", name="LLM", answers={"model_type": "llm", "provider": "third_party_api"},
                         actor=actor)
    tm_services.flow_create(actor=actor, system=system, source=chat, target=llm, answers={})
    return system, chat, llm


def open_suggestions(system, actor) -> int:
    """Accept every suggestion of the system (the register counts only what a person triaged)."""
    from assessments.models import Risk

    suggestions = list(Risk.objects.filter(system=system, status="suggested").order_by("id"))
    for risk in suggestions:
        services.risk_transition(actor=actor, risk=risk, status="open")
    return len(suggestions)


def custom_risk(system, actor, **kwargs):
    defaults = {"title": "Custom risk", "likelihood": 3, "impact": 3}
    defaults.update(kwargs)
    return services.risk_create(actor=actor, system=system, **defaults)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
