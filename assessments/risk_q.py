"""The register's named conditions as Q objects (overdue, due soon, mapped to a framework item), shared
by the selectors and the FilterSets."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from catalog.models import FrameworkItem

from .models import RISK_INACTIVE, Risk, Treatment

DUE_SOON_DAYS = 7


def overdue_risk_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    active = ~Q(status__in=RISK_INACTIVE)
    late = (Q(due__lt=today) & ~Q(treatment=Treatment.ACCEPT)) | Q(treatment=Treatment.ACCEPT,
                                                                     acceptance_review_date__lt=today)
    return active & late


def due_soon_risk_q(today: datetime.date | None = None, days: int = DUE_SOON_DAYS) -> Q:
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    return ~Q(status__in=RISK_INACTIVE) & (
        (Q(due__gte=today, due__lte=horizon) & ~Q(treatment=Treatment.ACCEPT))
        | Q(treatment=Treatment.ACCEPT, acceptance_review_date__gte=today, acceptance_review_date__lte=horizon))


def framework_item_q(item_id: int) -> Q:
    """Risks mapped to a framework item: through their template, or by hand for a custom risk."""
    via_template = FrameworkItem.threats.through.objects.filter(
        threattemplate_id=OuterRef("template_id"), frameworkitem_id=item_id)
    by_hand = Risk.custom_mappings.through.objects.filter(risk_id=OuterRef("pk"), frameworkitem_id=item_id)
    return Q(Exists(via_template), template__isnull=False) | Q(Exists(by_hand), template__isnull=True)
