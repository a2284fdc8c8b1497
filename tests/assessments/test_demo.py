from io import StringIO

import pytest
from django.core.management import call_command

from assessments.demo import SELF_SYSTEM
from assessments.models import Mitigation, Risk
from threatmodel.audit import audit_verify
from threatmodel.demo import DEMO_SYSTEM
from threatmodel.models import AISystem, Team

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_prints_the_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first, second = run(), run()
    assert "Created" in first and "already present" in second
    team = Team.objects.get(slug="demo")
    assert sorted(AISystem.objects.filter(team=team).values_list("name", flat=True)) == sorted([DEMO_SYSTEM,
                                                                                                  SELF_SYSTEM])
    password = (tmp_path / "demo-login.txt").read_text().strip()
    assert password in first and password in second
    assert audit_verify(team=team).ok


def test_demo_chatbot_gets_suggestions_and_self_model_is_mitigated(catalog, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        run()
    chatbot = AISystem.objects.get(name=DEMO_SYSTEM)
    suggested = Risk.objects.filter(system=chatbot, status="suggested")
    assert suggested.filter(template__mappings__ref="LLM01:2025").exists()
    own = AISystem.objects.get(name=SELF_SYSTEM)
    custom = Risk.objects.filter(system=own, template__isnull=True)
    assert custom.count() >= 8
    assert Mitigation.objects.filter(system=own, status="verified").count() == custom.count()
    assert all(r.residual_likelihood * r.residual_impact < r.likelihood * r.impact for r in custom)
