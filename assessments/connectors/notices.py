"""The mail team owners get once when a connector's token stops working."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from threatmodel.models import Membership, Role

from ..models import Connector, ConnectorHealth
from ..notifications import SUBJECT_PREFIX, absolute


def send_failing_notice(connector_id: int) -> int:
    connector = Connector.objects.select_related("team").filter(pk=connector_id).first()
    if connector is None or connector.health != ConnectorHealth.AUTH_FAILED:
        return 0
    emails = sorted({m.user.email for m in Membership.objects.filter(team=connector.team, role=Role.OWNER)
                     .select_related("user") if m.user.email})
    if not emails:
        return 0
    page = absolute(reverse("team_connectors", args=[connector.team.slug]))
    body = (f"The {connector.get_kind_display()} connector for {connector.target} in team {connector.team.name} "
            f"cannot sign in: {connector.last_error}\n\nTickets are not synced until its token is replaced: {page}\n"
            "You will not be mailed again about this until it has worked once more.")
    send_mail(f"{SUBJECT_PREFIX}Ticket connector {connector.target} needs a new token", body,
              settings.DEFAULT_FROM_EMAIL, emails)
    return len(emails)
