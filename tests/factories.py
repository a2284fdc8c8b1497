"""Shared factories. Objects are built through the same services the views call where it matters
(audit chain, validation); plain model factories are for fixtures that only need rows."""

import factory
from django.contrib.auth import get_user_model

from threatmodel import services
from threatmodel.models import Membership, Role, Team

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
