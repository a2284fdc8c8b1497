"""Who gets into a team: creation can be limited to staff; membership only by an accepted invitation."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from threatmodel import services
from threatmodel.audit import audit_verify
from threatmodel.models import Invitation, Membership, Role, Team

pytestmark = pytest.mark.django_db


def test_team_creation_can_be_limited_to_staff(settings, client, django_user_model):
    settings.TEAM_CREATION_STAFF_ONLY = True
    user = django_user_model.objects.create_user("plain", password="x-long-enough-1")
    with pytest.raises(PermissionDenied):
        services.team_create(actor=user, name="Mine")
    client.force_login(user)
    assert client.get(reverse("team_create")).status_code == 403
    assert client.post(reverse("team_create"), {"name": "Mine"}).status_code == 403
    assert b"New team" not in client.get(reverse("dashboard")).content
    staff = django_user_model.objects.create_user("ops", password="x-long-enough-1", is_staff=True)
    assert services.team_create(actor=staff, name="Ops").pk
    settings.TEAM_CREATION_STAFF_ONLY = False
    assert services.team_create(actor=user, name="Mine").pk
    assert Team.objects.filter(name="Mine").exists()


def _link(mail) -> str:
    return next(line for line in mail.body.splitlines() if "/invitations/" in line).strip()


def test_membership_only_by_accepted_invitation(team, owner, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x-long-enough-1")
    with pytest.raises(ValidationError):
        services.membership_set(actor=owner, team=team, user=stranger, role=Role.VIEWER)
    assert not Membership.objects.filter(team=team, user=stranger).exists()


def test_owner_invites_new_person_who_sets_their_own_password(client, mailoutbox, team, owner, django_user_model,
                                                              django_capture_on_commit_callbacks):
    client.force_login(owner)
    url = reverse("team_settings", args=[team.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"invite": "1", "m-email": "New.Person@Example.org", "m-role": "viewer"})
    assert response.status_code == 302
    assert team.memberships.count() == 1  # nobody added yet
    (mail,) = mailoutbox
    assert mail.to == ["new.person@example.org"]
    assert team.name not in mail.body and owner.username not in mail.body  # fixed text, nothing typed by others
    link = _link(mail)
    assert link.startswith("http://testserver/invitations/inv_")
    path = link.removeprefix("http://testserver")
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and team.name.encode() in page.content
    weak = client.post(path, {"n-username": "newbie", "n-password1": "123", "n-password2": "123"})
    assert weak.status_code == 200 and not django_user_model.objects.filter(username="newbie").exists()
    done = client.post(path, {"n-username": "newbie", "n-password1": "a-Good-passphrase-77",
                              "n-password2": "a-Good-passphrase-77"})
    assert done.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert user.email == "new.person@example.org" and user.check_password("a-Good-passphrase-77")
    assert Membership.objects.get(team=team, user=user).role == Role.VIEWER
    assert client.get(path).status_code == 404  # single use
    assert Invitation.objects.get().state == "accepted"
    assert audit_verify(team=team).ok


def test_existing_account_accepts_while_logged_in(client, team, owner, outsider):
    _, raw = services.invitation_create(actor=owner, team=team, email="someone@example.org", role=Role.CONTRIBUTOR)
    path = reverse("invitation_accept", args=[raw])
    client.force_login(outsider)
    assert not Membership.objects.filter(team=team, user=outsider).exists()
    assert client.post(path).status_code == 302
    assert Membership.objects.get(team=team, user=outsider).role == Role.CONTRIBUTOR
    assert client.post(path).status_code == 404


def test_expired_and_revoked_invitations_do_nothing(client, team, owner, outsider):
    invitation, raw = services.invitation_create(actor=owner, team=team, email="late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(outsider)
    assert client.post(reverse("invitation_accept", args=[raw])).status_code == 404
    invitation, raw = services.invitation_create(actor=owner, team=team, email="later@example.org")
    services.invitation_revoke(actor=owner, invitation=invitation)
    assert client.post(reverse("invitation_accept", args=[raw])).status_code == 404
    with pytest.raises(ValidationError):
        services.invitation_accept(raw=raw, user=outsider)
    assert not Membership.objects.filter(team=team, user=outsider).exists()


def test_invite_form_reveals_no_usernames(client, team, owner, outsider):
    client.force_login(owner)
    url = reverse("team_settings", args=[team.slug])
    page = client.get(url).content.decode()
    assert "m-username" not in page
    answers = [client.post(url, {"invite": "1", "m-email": email, "m-role": "viewer"}, follow=True)
               for email in (outsider.email or "known@example.org", "nobody-at-all@example.org")]
    texts = [r.content.decode().replace(e, "") for r, e in zip(answers, (outsider.email or "known@example.org",
                                                                        "nobody-at-all@example.org"), strict=True)]
    assert all(r.status_code == 200 for r in answers)
    assert all("Invitation sent" in t for t in texts)
    assert not Membership.objects.filter(team=team, user=outsider).exists()


def test_only_owners_invite(team, contributor):
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=contributor, team=team, email="x@example.org")


def test_password_change_and_reset_pages(client, mailoutbox, owner):
    owner.email = "owner@example.org"
    owner.save()
    client.force_login(owner)
    assert client.get(reverse("password_change")).status_code == 200
    client.logout()
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.post(reverse("password_reset"), {"email": "owner@example.org"}).status_code == 302
    (mail,) = mailoutbox
    link = next(line for line in mail.body.splitlines() if "/accounts/password/reset/" in line).strip()
    path = link[link.index("/accounts/"):]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a-Brand-new-pass-88",
                                                    "new_password2": "a-Brand-new-pass-88"})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a-Brand-new-pass-88")


def test_no_mail_quotes_a_strangers_text(team, owner, django_user_model, mailoutbox,
                                         django_capture_on_commit_callbacks):
    """Assignment mails go to members only (who accepted); nobody outside can make the app mail them a title."""
    from assessments import services as register

    from ..factories import make_system

    stranger = django_user_model.objects.create_user("stranger", email="s@example.org", password="x-long-enough-1")
    system = make_system(team, owner)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        register.risk_create(actor=owner, system=system, title="Click http://evil.example now", owner=stranger)
    assert not [m for m in mailoutbox if "s@example.org" in m.to]
