"""The object builders of every test folder, in one place. Objects are built through the same services
the views call where it matters (audit chain, validation); plain model factories are for fixtures that
only need rows, and bulk rows for the big systems of the workshop tests and benchmarks."""

import datetime
import random

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import services as reg
from assessments.models import Report, Risk, RiskStatus
from assessments.privacy import services as privacy_services
from assessments.resuggest import resuggest_system
from catalog.questions import questions_for
from threatmodel import services
from threatmodel.demo import build_support_assistant
from threatmodel.models import AISystem, Component, DataFlow, Membership, Role, Team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


def member(team: Team, role: str = Role.CONTRIBUTOR, **user_kwargs):
    user = UserFactory(**user_kwargs)
    Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return user


def make_system(team: Team, actor=None, name: str = "Test system", answers=None, **kwargs):
    return services.system_create(actor=actor, team=team, name=name, answers=answers or {}, **kwargs)


def make_component(system, kind: str = "input", name: str = "", answers=None, actor=None):
    return services.component_create(actor=actor, system=system, kind=kind, name=name or f"{kind} component",
                                     answers=answers or {})


def make_flow(system, source, target, answers=None, actor=None, label: str = ""):
    return services.flow_create(actor=actor, system=system, source=source, target=target, label=label,
                                answers=answers or {})


# --- the register ------------------------------------------------------------------

def make_support_system(team, actor):
    """The demo's retrieval-augmented support chatbot (4 components, 3 flows), re-suggested once."""
    system = build_support_assistant(actor=actor, team=team)
    resuggest_system(system.pk)
    return system


def make_injection_system(team, actor, **input_answers):
    """One untrusted input feeding an LLM: enough for prompt-injection threats to fire."""
    system = make_system(team, actor, name="Injection target", answers={"internet_facing": True})
    answers = {"source": "end_users", "purpose": ["prompt"], "untrusted_content": True, **input_answers}
    chat = make_component(system, "input", name="Chat", answers=answers, actor=actor)
    llm = make_component(system, "model", name="LLM", answers={"model_type": "llm", "provider": "third_party_api"},
                         actor=actor)
    services.flow_create(actor=actor, system=system, source=chat, target=llm, answers={})
    return system, chat, llm


def custom_risk(system, actor, **kwargs):
    defaults = {"title": "Custom risk", "likelihood": 3, "impact": 3}
    defaults.update(kwargs)
    return reg.risk_create(actor=actor, system=system, **defaults)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def join(team, *users, role=Role.CONTRIBUTOR):
    for user in users:
        Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})


def rich_system(team, *, owner, contributor):
    """The demo support assistant with decisions of every kind: statuses, acceptance, residual override,
    custom risks with mappings, verified and rejected mitigations, tickets, a stale risk, privacy with a
    sign-off, a register sign-off and a report record."""
    system = build_support_assistant(actor=contributor, team=team)
    resuggest_system(system.pk)
    risks = list(Risk.objects.filter(system=system, template__isnull=False).select_related("template", "component")
                 .order_by("template__ref", "component_id"))
    chat = system.components.get(name="Customer chat")
    on_chat = [r for r in risks if r.component_id == chat.pk]
    others = [r for r in risks if r.component_id != chat.pk]

    opened = reg.risk_transition(actor=contributor, risk=others[0], status=RiskStatus.OPEN)
    opened = reg.risk_update(actor=contributor, risk=opened, owner=contributor, due=in_days(30), likelihood=5)
    reg.risk_transition(actor=contributor, risk=others[1], status=RiskStatus.DISMISSED,
                             reason="Covered by the vendor's contract.")
    accepted = reg.risk_update(actor=contributor, risk=others[2], owner=contributor)
    accepted = reg.risk_accept(actor=owner, risk=accepted, review_date=in_days(90), reason="Low traffic for now.")
    overridden = reg.risk_transition(actor=contributor, risk=others[3], status=RiskStatus.OPEN)
    reg.risk_set_residual(actor=contributor, risk=overridden, likelihood=1, impact=2,
                               reason="Pen test found nothing.")
    stale_candidate = reg.risk_transition(actor=contributor, risk=on_chat[0], status=RiskStatus.OPEN)

    custom = reg.risk_create(actor=contributor, system=system, title="Ünïcode café risk ✓ — “quoted”",
                                  description="A custom risk.\nTwo lines.", component=chat, likelihood=2, impact=4,
                                  mappings=["OWASP-LLM-2025:LLM01:2025", "NIST-AI-RMF:MEASURE 2.7"])
    reg.risk_transition(actor=contributor, risk=custom, status=RiskStatus.CLOSED)
    system_wide = reg.risk_create(actor=contributor, system=system, title="Vendor outage", likelihood=3,
                                       impact=3, treatment="transfer")

    verified = reg.mitigation_create(actor=contributor, system=system, control="CTL-001", owner=owner,
                                          due=in_days(14), evidence="Guardrail config reviewed.",
                                          evidence_links=["https://wiki.example.com/guardrail"],
                                          risks=[opened.pk, custom.pk])
    for status in ("in_progress", "implemented", "verified"):
        verified = reg.mitigation_transition(actor=contributor, mitigation=verified, status=status)
    rejected = reg.mitigation_create(actor=contributor, system=system, title="Second vendor", kind="corrective",
                                          risks=[system_wide.pk])
    reg.mitigation_transition(actor=contributor, mitigation=rejected, status="rejected", reason="Too costly.")
    reg.mitigation_create(actor=contributor, system=system, title="Unlinked idea")

    reg.external_ref_set(actor=contributor, target=opened, tracker="jira", external_id="10001", key="SEC-1",
                              url="https://jira.example.com/browse/SEC-1", remote_status="In Progress",
                              remote_updated_at="2026-01-02T03:04:05+00:00")
    reg.external_ref_set(actor=contributor, target=verified, tracker="github", external_id="42", key="#42")

    # The model changes: the open risk on the chat no longer applies and turns stale.
    services.component_update(actor=contributor, component=chat, answers={**chat.answers,
                                                                             "untrusted_content": False})
    resuggest_system(system.pk)
    stale_candidate.refresh_from_db()

    privacy_services.privacy_assessment_save(actor=owner, system=system, values={
        "processing_description": "Answers customers' questions.", "rights_process": "Email the DPO.",
        "regimes": ["gdpr", "ccpa"]}, confirm=["data_subjects"])
    reg.review_sign_off(actor=contributor, system=system, role="author", comment="First pass.")
    Report.objects.create(system=system, kind="assurance", status="done", progress=100, stage="done",
                          sha256="a" * 64, content_sha256="b" * 64, size=1234, pages=3, pdf_variant="PDF/A-3b",
                          catalog_version="2026.01.1", requested_by=owner, requested_by_label=owner.username,
                          started_at=timezone.now(), finished_at=timezone.now())
    return system, {"stale": stale_candidate, "accepted": accepted}


# --- big systems (workshop tests, benchmarks) ----------------------------------------

def _answers(rng: random.Random, scope: str, answered: float = 0.8) -> dict:
    out = {}
    for q in questions_for(scope):
        if rng.random() > answered:
            continue
        if q.type == "bool":
            out[q.key] = rng.random() < 0.6
        elif q.type == "choice":
            out[q.key] = rng.choice(q.choices)[0]
        else:
            out[q.key] = [v for v, _ in rng.sample(q.choices, k=rng.randint(1, min(3, len(q.choices))))]
    return out


def big_system(team, actor, *, components: int = 60, seed: int = 7, name: str = "Big system",
               accept: int = 40, dismiss: int = 10, mitigate: int = 10, custom: int = 5) -> AISystem:
    """A system with `components` components, flows between them, the engine's suggestions, and a register
    with accepted, dismissed, mitigated and custom risks. Bulk writes for the model (fast), the register's
    services for the decisions (realistic versions, links and audit)."""
    rng = random.Random(seed)
    system = AISystem.objects.create(team=team, name=name, slug=f"big-{seed}-{components}",
                                     answers=_answers(rng, "system"))
    kinds = ["input", "model", "output"]
    comps = Component.objects.bulk_create([
        Component(system=system, kind=kinds[i % 3] if i >= 3 else kinds[i], name=f"{kinds[i % 3]} {i}",
                  answers=_answers(rng, kinds[i % 3]), position=i)
        for i in range(components)])
    models = [c for c in comps if c.kind == "model"]
    flows = []
    for c in comps:
        if c.kind == "input":
            flows.append(DataFlow(system=system, source=c, target=rng.choice(models), label="data",
                                  answers=_answers(rng, "flow")))
        elif c.kind == "output":
            flows.append(DataFlow(system=system, source=rng.choice(models), target=c, label="answer",
                                  answers=_answers(rng, "flow")))
    DataFlow.objects.bulk_create(flows)
    resuggest_system(system.pk)
    risks = list(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).order_by("id"))
    rng.shuffle(risks)
    accepted = risks[:accept]
    for risk in accepted:
        reg.risk_transition(actor=actor, risk=risk, status="open")
    for risk in risks[accept:accept + dismiss]:
        reg.risk_transition(actor=actor, risk=risk, status="dismissed", reason="Not in scope")
    for i, risk in enumerate(accepted[:mitigate]):
        reg.mitigation_create(actor=actor, system=system, title=f"Mitigation {i}", owner=actor,
                                   risks=[risk.pk, accepted[-1 - i].pk])
    for i in range(custom):
        reg.risk_create(actor=actor, system=system, title=f"Custom risk {i}", component=comps[i].pk,
                             likelihood=1 + i % 5, impact=1 + (i * 2) % 5, owner=actor)
    return system
