"""Owners hear about their work: assignment mails and the daily digest, never twice a day per item."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessments import services, tasks
from assessments.models import NotificationLog, Risk
from assessments.notifications import digest_items, send_daily_digests
from threatmodel.models import Membership, Role

from ..factories import custom_risk, in_days, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(team):
    return member(team, Role.CONTRIBUTOR, username="engineer")


def test_assignment_mails_the_new_owner_once_a_day(system, contributor, engineer, django_capture_on_commit_callbacks):
    risk = Risk.objects.filter(system=system).first()
    with django_capture_on_commit_callbacks(execute=True):
        risk = services.risk_update(actor=contributor, risk=risk, owner=engineer, due=in_days(10))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [engineer.email] and risk.title[:40] in message.subject
    assert f"/risks/{risk.pk}/" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        risk = services.risk_update(actor=contributor, risk=risk, owner=contributor)
        risk = services.risk_update(actor=contributor, risk=risk, owner=engineer)
    assert len(mail.outbox) == 1  # same item, same day: not again; and nobody is mailed for self-assignment


def test_mitigation_assignment_is_mailed(system, contributor, engineer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        m = services.mitigation_create(actor=contributor, system=system, title="Rate limit", owner=engineer)
    assert len(mail.outbox) == 1 and f"/mitigations/{m.pk}/" in mail.outbox[0].body


def test_no_mail_when_the_assignment_was_rolled_back(system, contributor, engineer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017, PT011
        services.risk_create(actor=contributor, system=system, title="x", owner=engineer, likelihood=99)
    assert mail.outbox == []


@pytest.fixture
def workload(system, contributor, engineer, owner):
    soon = custom_risk(system, contributor, title="Due soon", owner=engineer, due=in_days(3))
    late = custom_risk(system, contributor, title="Late", owner=engineer, due=in_days(-1))
    custom_risk(system, contributor, title="Far away", owner=engineer, due=in_days(30))
    done = custom_risk(system, contributor, title="Closed", owner=engineer, due=in_days(-5))
    services.risk_transition(actor=contributor, risk=done, status="closed")
    accepted = custom_risk(system, contributor, title="Accepted", owner=engineer)
    services.risk_accept(actor=owner, risk=accepted, review_date=in_days(2))
    m = services.mitigation_create(actor=contributor, system=system, title="Mitigation late", owner=engineer,
                                   due=in_days(-3))
    verified = services.mitigation_create(actor=contributor, system=system, title="Finished", owner=engineer,
                                          due=in_days(-3), evidence="report")
    for status in ("in_progress", "implemented", "verified"):
        verified = services.mitigation_transition(actor=contributor, mitigation=verified, status=status)
    mail.outbox.clear()
    return {"soon": soon, "late": late, "accepted": accepted, "mitigation": m}


def test_digest_lists_due_overdue_and_expiring_acceptances(workload, engineer):
    items = digest_items()[engineer.pk]
    got = {(i.object_type, i.title, i.reason) for i in items}
    assert got == {("risk", "Due soon", "due_soon"), ("risk", "Late", "overdue"),
                   ("risk", "Accepted", "acceptance_expiring"), ("mitigation", "Mitigation late", "overdue")}
    assert send_daily_digests() == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Late (" in body and "overdue since" in body and "acceptance expires" in body and "Far away" not in body
    assert NotificationLog.objects.filter(user=engineer, reason="overdue").count() == 2


def test_digest_twice_the_same_day_mails_nobody_again(workload, engineer):
    assert send_daily_digests() == 1
    assert send_daily_digests() == 0
    assert tasks.send_daily_digests.delay() is not None  # the beat task, eager here
    assert len(mail.outbox) == 1
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert send_daily_digests(tomorrow) == 1  # a new day: the items are still due


def test_items_mailed_about_today_are_left_out_of_the_digest(workload, engineer, contributor,
                                                            django_capture_on_commit_callbacks):
    late = workload["late"]
    with django_capture_on_commit_callbacks(execute=True):
        late = services.risk_update(actor=contributor, risk=late, owner=contributor)
        services.risk_update(actor=contributor, risk=late, owner=engineer)
    assert len(mail.outbox) == 1
    titles = {i.title for i in digest_items()[engineer.pk]}
    assert "Late" not in titles and "Due soon" in titles


def test_users_can_switch_the_digest_off(workload, engineer, team):
    Membership.objects.filter(team=team, user=engineer).update(digest_enabled=False)
    assert engineer.pk not in digest_items()
    assert send_daily_digests() == 0 and mail.outbox == []
