"""The invitation flow in Chromium: an owner invites by email, the invited person opens the mailed link,
chooses a password and lands in the team; axe finds no serious or critical violation on either page."""

import pytest
from django.core import mail

from .conftest import collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


def test_invite_accept_and_join(page, live_server, workshop_team, settings):
    from threatmodel.models import Membership

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    base, team = live_server.url, workshop_team["team"]
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(f"{base}/teams/{team.slug}/settings/")
    assert violations(page) == []
    page.fill("#id_m-email", "newcomer@example.org")
    page.select_option("#id_m-role", "viewer")
    page.click("button[name=invite]")
    page.get_by_text("Invitation sent").wait_for()
    assert page.get_by_role("cell", name="newcomer@example.org").is_visible()
    assert not Membership.objects.filter(team=team, user__email="newcomer@example.org").exists()
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line).strip()
    page.click("form.logout button")
    page.goto(link)
    page.get_by_role("heading", name=f"Join {team.name}").wait_for()
    assert violations(page) == []
    page.fill("#id_n-username", "newcomer")
    page.fill("#id_n-password1", "a-Fine-passphrase-42")
    page.fill("#id_n-password2", "a-Fine-passphrase-42")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert Membership.objects.get(team=team, user__username="newcomer").role == "viewer"
    page.goto(link)
    assert page.get_by_role("heading", name="This invitation link does not work").is_visible()
    assert not [e for e in errors if "404" not in e]
