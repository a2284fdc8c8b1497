"""Verify a report PDF: ``manage.py verify_report report.pdf`` (exit status 1 when it does not verify).

Recomputes the content SHA-256 from the canonical JSON embedded in the PDF, compares it with the hash
the PDF states and with the stored report (content hash and file SHA-256), then says what differs
between the report and the system's current state.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Report
from assessments.reports.verify import verify_pdf
from threatmodel.models import AISystem


class Command(BaseCommand):
    help = "Verify a report PDF against its embedded content, the stored report and the current state."

    def add_arguments(self, parser):
        parser.add_argument("pdf", help="path of the PDF to verify")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, pdf, **options):
        path = Path(pdf)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        result = verify_pdf(data, reports=Report.objects.all(), systems=AISystem.objects.all())
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            self._print(path, result)
        if not result.ok:
            raise CommandError(f"{path} does not verify")

    def _print(self, path, r) -> None:
        w = self.stdout.write
        w(f"file            {path} (SHA-256 {r.file_sha256})")
        w(f"stated hash     {r.stated_sha256 or '-'}")
        w(f"recomputed hash {r.recomputed_sha256 or '-'}")
        w(f"stored report   {f'#{r.report_id}' if r.report_id else '-'}")
        for problem in r.problems:
            w(self.style.ERROR(f"problem: {problem}"))
        if r.ok:
            w(self.style.SUCCESS("verified: the content and the file are those of the stored report"))
        if r.current_sha256:
            if r.current_sha256 == r.recomputed_sha256:
                w("current state: unchanged since the report")
            else:
                w(f"current state: changed (now {r.current_sha256}); differences:")
                for line in r.differences:
                    w(f"  {line}")
