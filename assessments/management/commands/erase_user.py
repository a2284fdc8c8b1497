from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from assessments.erasure import user_erase


class Command(BaseCommand):
    help = "Erase a user's personal data; reassign what they own to a team owner; keep the audit chain valid."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called '{username}'.")
        counts = user_erase(actor=None, user=user)
        self.stdout.write(f"Erased user-{user.pk}: reassigned {counts['systems']} systems, {counts['risks']} risks, "
                          f"{counts['mitigations']} mitigations in {counts['teams']} teams.")
