"""`python manage.py export_system SYSTEM [--team SLUG] [--format json|otm] [--output FILE]`.

SYSTEM is a system id, or its slug with --team. Writes the system export (restorable with
import_model; schema: assessments/interop/schema/system-export-v1.json) or an OTM document.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.interop.export import export_system
from assessments.interop.otm_export import export_otm
from threatmodel.models import AISystem


class Command(BaseCommand):
    help = "Export a whole system as JSON (restorable) or as Open Threat Model."

    def add_arguments(self, parser):
        parser.add_argument("system", help="The system's id, or its slug with --team.")
        parser.add_argument("--team", help="The team's slug (when SYSTEM is a slug).")
        parser.add_argument("--format", choices=["json", "otm"], default="json")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, system, team=None, format="json", output=None, **options):
        qs = AISystem.objects.select_related("team")
        if team:
            found = qs.filter(team__slug=team, slug=system).first() or (
                qs.filter(team__slug=team, pk=int(system)).first() if system.isdigit() else None)
        else:
            found = qs.filter(pk=int(system)).first() if system.isdigit() else None
        if found is None:
            where = f" in team '{team}'" if team else " (give --team with a slug)"
            raise CommandError(f"no system '{system}'{where}")
        doc = export_otm(found) if format == "otm" else export_system(found)
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {output} ({len(text.encode())} bytes)")
        else:
            self.stdout.write(text, ending="")
