"""`python manage.py import_model FILE --team SLUG [--user U] [--dry-run] [--kind ID=KIND ...] [--new]`.

Imports a Threat Dragon, Threat Composer or OTM file, or restores a system export, exactly as the
import page does: the preview is printed first; with --dry-run nothing is written at all. A model
imported before is updated (use --new for a separate copy).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments.interop import services
from assessments.interop.errors import ImportProblem
from assessments.interop.limits import max_bytes
from threatmodel.models import Team


class Command(BaseCommand):
    help = "Import a threat model file (Threat Dragon, Threat Composer, OTM) or restore a system export."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--user", help="Import as this user (a contributor of the team); default: the system.")
        parser.add_argument("--dry-run", action="store_true", help="Print the preview and write nothing.")
        parser.add_argument("--format", choices=["threat-dragon", "threat-composer", "otm", "system-export"],
                            help="Skip format detection.")
        parser.add_argument("--kind", action="append", default=[], metavar="ID=KIND",
                            help="The kind (input, model, output) of a component, by its id in the file (repeatable).")
        parser.add_argument("--new", action="store_true", help="Create a separate system even if this model was "
                                                               "imported before.")

    def handle(self, *args, file, team, user=None, dry_run=False, format=None, kind=(), new=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        if path.stat().st_size > max_bytes():
            raise CommandError(f"{file}: {path.stat().st_size} bytes; the import limit is {max_bytes()} bytes")
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"no team '{team}'")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user '{user}'")
        kinds = {}
        for item in kind:
            source_id, sep, value = item.rpartition("=")
            if not sep or not source_id:
                raise CommandError(f"--kind {item}: use ID=KIND")
            kinds[source_id] = value
        try:
            with transaction.atomic():
                record = services.import_preview(actor=actor, team=team_obj, data=path.read_bytes(),
                                                 filename=path.name, forced_format=format)
                self._print_preview(services.stage(record, kinds=kinds, mode="new" if new else None).as_dict())
                if dry_run:
                    transaction.set_rollback(True)
                    self.stdout.write("dry run: nothing was written")
                    return
                record = services.import_confirm(actor=actor, record=record, kinds=kinds,
                                                 mode="new" if new else None, background=False)
        except ImportProblem as problem:
            raise CommandError(f"{file}: {problem.path}: {problem.message}") from None
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        summary = record.summary
        verb = "updated" if summary.get("mode") == "update" else "imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} system {record.system_id} '{record.system.name}' (import #{record.pk}): "
            f"created {summary.get('created', {})}, updated {summary.get('updated', {})}"))
        for note in summary.get("notes", []):
            self.stdout.write(f"  note: {note['path']}: {note['message']}")

    def _print_preview(self, preview: dict) -> None:
        out = self.stdout
        out.write(f"{preview['format_label']}: '{preview['system']['name']}'")
        if preview["update"]:
            out.write(f"  updates system {preview['update']['system']['id']} '{preview['update']['system']['name']}' "
                      f"(imported before{' from the same file' if preview['update']['same_file'] else ''})")
        for action, counts in preview["counts"].items():
            if counts:
                out.write(f"  {action}: " + ", ".join(f"{n} {section}" for section, n in counts.items()))
        for c in preview["components"]:
            out.write(f"  component {c['id']} '{c['name']}': {c['kind']} ({c['kind_reason']})")
        for note in preview["notes"]:
            out.write(f"  {note['level']}: {note['path']}: {note['message']}")
