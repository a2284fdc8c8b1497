"""The demo data `make run` creates on first run: a team, a user and a worked AI system."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import AISystem, Membership, Role, Team

DEMO_USERNAME = "demo"
DEMO_TEAM = "demo"
DEMO_SYSTEM = "Customer support assistant"


def _password_file():
    return settings.VAR_DIR / "demo-login.txt"


def ensure_demo_user() -> tuple[object, str]:
    """Create the demo user once; its password lives in var/demo-login.txt (never in git)."""
    User = get_user_model()
    path = _password_file()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None and path.exists():
        return user, path.read_text().strip()
    password = secrets.token_urlsafe(12)
    if user is None:
        user = User.objects.create_user(DEMO_USERNAME, email="demo@example.invalid", password=password,
                                        is_staff=True, is_superuser=True)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return user, password


def build_support_assistant(*, actor, team) -> AISystem:
    """A retrieval-augmented support chatbot on a third-party LLM with tool access and web output."""
    system = services.system_create(
        actor=actor, team=team, name=DEMO_SYSTEM, lifecycle_stage="development", owner=actor,
        description="Answers customer questions in the web chat, grounded in the help-centre articles; "
                    "can look up order status through a tool.",
        answers={"internet_facing": True, "users": ["customers"], "sector": "general", "regimes": ["gdpr"],
                 "data_classification": "confidential"})
    chat = services.component_create(actor=actor, system=system, kind="input", name="Customer chat",
                                      description="Messages typed by customers in the web widget.",
                                      answers={"source": "end_users", "purpose": ["prompt"],
                                               "untrusted_content": True, "personal_data": "basic"})
    kb = services.component_create(actor=actor, system=system, kind="input", name="Help-centre articles",
                                    description="Indexed into a vector store for retrieval.",
                                    answers={"source": "internal_systems", "purpose": ["retrieval_corpus"],
                                             "untrusted_content": False, "personal_data": "none",
                                             "provenance_verified": False})
    llm = services.component_create(actor=actor, system=system, kind="model", name="Support LLM",
                                     description="Hosted foundation model called through the vendor's API.",
                                     answers={"provider": "third_party_api", "model_type": "llm",
                                              "hosting": "managed_api", "tool_access": True,
                                              "executes_code": False, "exposed_via_api": False})
    answer = services.component_create(actor=actor, system=system, kind="output", name="Chat answer",
                                        description="Rendered in the customer's browser.",
                                        answers={"consumer": ["end_user", "web_page"], "publicly_exposed": True,
                                                 "may_contain_personal_data": True, "human_review": False})
    services.flow_create(actor=actor, system=system, source=chat, target=llm, label="prompt",
                         answers={"crosses_trust_boundary": True, "encrypted_in_transit": True,
                                  "personal_data": True})
    services.flow_create(actor=actor, system=system, source=kb, target=llm, label="retrieved passages",
                         answers={"crosses_trust_boundary": False, "encrypted_in_transit": True,
                                  "personal_data": False})
    services.flow_create(actor=actor, system=system, source=llm, target=answer, label="completion",
                         answers={"crosses_trust_boundary": True, "encrypted_in_transit": True,
                                  "personal_data": True})
    return system


def seed_demo() -> dict:
    """Idempotent: running it again creates nothing new."""
    with transaction.atomic():
        user, password = ensure_demo_user()
        team = Team.objects.filter(slug=DEMO_TEAM).first()
        if team is None:
            team = services.team_create(actor=user, name="Demo team", slug=DEMO_TEAM)
        elif not Membership.objects.filter(team=team, user=user).exists():
            Membership.objects.create(team=team, user=user, role=Role.OWNER)
        created = False
        if not AISystem.objects.filter(team=team, name=DEMO_SYSTEM).exists():
            build_support_assistant(actor=user, team=team)
            created = True
    return {"user": user, "username": user.username, "password": password, "team": team, "created": created}
