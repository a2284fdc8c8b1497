"""`python manage.py verify_audit [--team SLUG] [--expect-head HASH]`: walk the audit chain(s).

Prints, per team, the number of events and the head hash (keep it somewhere else: a chain can
only prove that nothing before the head was edited, inserted or deleted; comparing the head
with an earlier copy also catches events cut off the end). Exits non-zero naming the first
broken link of the first broken chain.
"""

from django.core.management.base import BaseCommand, CommandError

from threatmodel.audit import audit_verify
from threatmodel.models import Team


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail of every team (or one); print the head hash."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="Only this team (slug).")
        parser.add_argument("--expect-head", help="Fail unless the team's head hash is this one (with --team).")

    def handle(self, *args, team=None, expect_head=None, **options):
        teams = Team.objects.order_by("slug")
        if team:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"no team '{team}'")
        elif expect_head:
            raise CommandError("--expect-head needs --team")
        broken = []
        for t in teams:
            report = audit_verify(team=t)
            if report.ok:
                self.stdout.write(f"{t.slug}: {report.count} events, chain intact, head {report.head}")
            else:
                message = (f"{t.slug}: chain broken at event #{report.broken_at}: {report.problem} "
                           f"(last good head {report.head})")
                self.stderr.write(message)
                broken.append(message)
            if expect_head and report.ok and report.head != expect_head:
                message = (f"{t.slug}: head is {report.head}, expected {expect_head} "
                           "(events missing or added at the end)")
                self.stderr.write(message)
                broken.append(message)
        if broken:
            raise CommandError(broken[0])
