from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from threatmodel import services
from threatmodel.models import Membership, Role, Team


class Command(BaseCommand):
    help = ("Create a team API token for scripts and CI; creates the team and the user if they do not exist. "
            "Prints only the token.")

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--user", required=True, help="username the token acts as")
        parser.add_argument("--role", choices=Role.values, default=None,
                            help="the user's role in the team (default: contributor for new members; "
                                 "an existing member keeps theirs)")
        parser.add_argument("--scopes", default="read,write", help="comma-separated: read, write")
        parser.add_argument("--name", default="", help="a label for the token")

    def handle(self, *args, **opts):
        scopes = [s.strip() for s in opts["scopes"].split(",") if s.strip()]
        try:
            with transaction.atomic():
                User = get_user_model()
                user, _ = User.objects.get_or_create(username=opts["user"])
                if not user.has_usable_password() and not user.password:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                team = Team.objects.filter(slug=opts["team"]).first()
                if team is None:
                    team = services.team_create(actor=None, name=opts["team"], slug=opts["team"])
                membership = Membership.objects.filter(team=team, user=user).first()
                role = opts["role"] or (membership.role if membership else Role.CONTRIBUTOR)
                if membership is None or membership.role != role:
                    _set_role(team, user, role)
                _, raw = services.api_token_create(actor=None, team=team, user=user,
                                                   name=opts["name"] or f"cli token for {user.username}",
                                                   scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(raw)


def _set_role(team, user, role):
    """The command acts as the system (no actor): the first member of a new team becomes its owner."""
    from threatmodel.audit import audit_record

    membership, created = Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    audit_record(team=team, actor=None, action="membership.created" if created else "membership.updated",
                 object_type="membership", object_id=str(user.pk), object_repr=f"user-{user.pk}",
                 changes={"role": [None, role]})
