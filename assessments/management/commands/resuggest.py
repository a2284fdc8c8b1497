"""`python manage.py resuggest [--system ID ...] [--team SLUG]`: bring registers in step with the catalog now."""

from django.core.management.base import BaseCommand, CommandError

from assessments.resuggest import resuggest_system
from threatmodel.models import AISystem


class Command(BaseCommand):
    help = "Re-run the threat engine and bring the register of some or all systems in step with it (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--system", type=int, action="append", default=[], help="A system id (repeatable).")
        parser.add_argument("--team", help="Only the systems of this team (slug).")

    def handle(self, *args, system=(), team=None, **options):
        qs = AISystem.objects.order_by("id")
        if system:
            qs = qs.filter(pk__in=system)
        if team:
            qs = qs.filter(team__slug=team)
        ids = list(qs.values_list("id", flat=True))
        if (system or team) and not ids:
            raise CommandError("no system matches")
        for pk in ids:
            result = resuggest_system(pk)
            d = result.as_dict()
            self.stdout.write(f"system {pk}: {d['matches']} matches; {d['created']} suggested, {d['removed']} removed, "
                              f"{d['staled']} stale, {d['resuggested']} suggested again, {d['refreshed']} refreshed"
                              + (f"; {len(result.skipped_refs)} threats not loaded" if result.skipped_refs else ""))
