"""Owners hear about their work: a mail when a risk or mitigation is assigned to them, and a daily digest
of what is due within 7 days, overdue, or whose acceptance expires.

Mail goes through Django's mail backend (console in development), always from a Celery task queued on
commit. Nobody is mailed twice about the same item on the same day: every mail first inserts one
``NotificationLog`` row per (user, item, day) under a unique constraint, in the same transaction as
the send, so a re-run (or a second worker) finds the rows and skips, and a failed send rolls them back.
Each user switches the digest off per team with ``Membership.digest_enabled``.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import MITIGATION_DONE, RISK_INACTIVE, Mitigation, NotificationLog, Risk, Treatment

log = logging.getLogger(__name__)
DIGEST_HORIZON_DAYS = 7
SUBJECT_PREFIX = "[AI Threat Register] "


def notify_assigned(obj, owner, actor) -> None:
    """Queue the assignment mail for after commit (nobody is mailed about their own assignment)."""
    if owner is None or (actor is not None and owner.pk == actor.pk):
        return
    object_type = "risk" if isinstance(obj, Risk) else "mitigation"
    pk, user_id = obj.pk, owner.pk

    from threatmodel.queue import enqueue

    # a broker outage keeps it as a pending task
    enqueue("assessments.tasks.send_assignment_notice", object_type, pk, user_id)


def absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def item_url(object_type: str, pk: int) -> str:
    return absolute(reverse("risk_detail" if object_type == "risk" else "mitigation_detail", args=[pk]))


@dataclass
class DigestItem:
    object_type: str
    pk: int
    title: str
    system: str
    reason: str  # overdue | due_soon | acceptance_expired | acceptance_expiring
    date: datetime.date

    @property
    def url(self) -> str:
        return item_url(self.object_type, self.pk)

    @property
    def reason_text(self) -> str:
        return {
            "overdue": f"overdue since {self.date:%Y-%m-%d}",
            "due_soon": f"due {self.date:%Y-%m-%d}",
            "acceptance_expired": f"acceptance expired {self.date:%Y-%m-%d}: review it",
            "acceptance_expiring": f"acceptance expires {self.date:%Y-%m-%d}",
        }[self.reason]


def _claim(user_id: int, items: list[DigestItem], day: datetime.date) -> None:
    """Insert the sent-log rows; IntegrityError if another run already mailed one of these items today."""
    NotificationLog.objects.bulk_create([
        NotificationLog(user_id=user_id, object_type=i.object_type, object_id=i.pk, day=day, reason=i.reason)
        for i in items])


def send_assignment_notice(object_type: str, object_id: int, user_id: int) -> bool:
    """Mail the new owner once; False when there is nothing to send (gone, reassigned, already mailed today)."""
    model = Risk if object_type == "risk" else Mitigation
    obj = model.objects.select_related("system", "owner").filter(pk=object_id).first()
    if obj is None or obj.owner_id != user_id or not obj.owner.email or not obj.owner.is_active:
        return False
    day = timezone.localdate()
    if NotificationLog.objects.filter(user_id=user_id, object_type=object_type, object_id=object_id, day=day).exists():
        return False
    item = DigestItem(object_type, obj.pk, obj.title, obj.system.name, "assigned", day)
    context = {"user": obj.owner, "item": item, "obj": obj, "kind": object_type}
    try:
        with transaction.atomic():
            NotificationLog.objects.create(user_id=user_id, object_type=object_type, object_id=object_id, day=day,
                                           reason="assigned")
            send_mail(SUBJECT_PREFIX + f"Assigned to you: {obj.title}"[:150],
                      render_to_string("assessments/email/assigned.txt", context),
                      settings.DEFAULT_FROM_EMAIL, [obj.owner.email])
    except IntegrityError:
        return False
    return True


def digest_items(day: datetime.date | None = None) -> dict[int, list[DigestItem]]:
    """Per user id: their open items due within the horizon, overdue, or whose acceptance expires.

    Only teams where the owner's membership has the digest switched on; items already mailed about
    today are left out. Three queries whatever the number of items.
    """
    day = day or timezone.localdate()
    horizon = day + datetime.timedelta(days=DIGEST_HORIZON_DAYS)
    subscribed = Q(system__team__memberships__user_id=F("owner_id"),
                   system__team__memberships__digest_enabled=True)
    risks = (Risk.objects.filter(subscribed, owner__isnull=False, owner__is_active=True)
             .exclude(status__in=RISK_INACTIVE)
             .filter(Q(~Q(treatment=Treatment.ACCEPT), due__lte=horizon)
                     | Q(treatment=Treatment.ACCEPT, acceptance_review_date__lte=horizon))
             .select_related("system").order_by("due", "id"))
    mitigations = (Mitigation.objects.filter(subscribed, owner__isnull=False, owner__is_active=True, due__lte=horizon)
                   .exclude(status__in=MITIGATION_DONE).select_related("system").order_by("due", "id"))
    out: dict[int, list[DigestItem]] = {}
    for risk in risks:
        if risk.treatment == Treatment.ACCEPT:
            date = risk.acceptance_review_date
            reason = "acceptance_expired" if date < day else "acceptance_expiring"
        else:
            date = risk.due
            reason = "overdue" if date < day else "due_soon"
        item = DigestItem("risk", risk.pk, risk.title, risk.system.name, reason, date)
        out.setdefault(risk.owner_id, []).append(item)
    for m in mitigations:
        reason = "overdue" if m.due < day else "due_soon"
        out.setdefault(m.owner_id, []).append(DigestItem("mitigation", m.pk, m.title, m.system.name, reason, m.due))
    if out:
        mailed = set(NotificationLog.objects.filter(day=day, user_id__in=list(out))
                     .values_list("user_id", "object_type", "object_id"))
        out = {uid: kept for uid, items in out.items()
               if (kept := [i for i in items if (uid, i.object_type, i.pk) not in mailed])}
    return out


def send_daily_digests(day: datetime.date | None = None) -> int:
    """Send today's digests; returns the number of mails sent. Safe to run twice on the same day."""
    day = day or timezone.localdate()
    per_user = digest_items(day)
    users = get_user_model().objects.in_bulk(list(per_user))
    sent = 0
    for user_id, items in per_user.items():
        user = users.get(user_id)
        if user is None or not user.email:
            continue
        order = {"overdue": 0, "acceptance_expired": 1, "due_soon": 2, "acceptance_expiring": 3}
        items.sort(key=lambda i: (order[i.reason], i.date, i.object_type, i.pk))
        context = {"user": user, "items": items, "day": day, "horizon": DIGEST_HORIZON_DAYS,
                   "overdue": sum(1 for i in items if i.reason in ("overdue", "acceptance_expired"))}
        try:
            with transaction.atomic():
                _claim(user_id, items, day)
                send_mail(SUBJECT_PREFIX + f"{len(items)} item{'s' if len(items) != 1 else ''} need your attention",
                          render_to_string("assessments/email/digest.txt", context),
                          settings.DEFAULT_FROM_EMAIL, [user.email])
        except IntegrityError:
            log.info("digest for user %s on %s already sent by another run", user_id, day)
            continue
        sent += 1
    return sent
