"""`python manage.py catalog_coverage [--files]`: per framework, items covered / total.

Exits non-zero when an OWASP LLM 2025, OWASP ML 2023 or OWASP agentic 2026 item, a CoSAI risk, a
NIST AI RMF function or a CAF AI security capability is covered by no threat or control, unless
catalog.coverage.OUT_OF_SCOPE lists it with a reason (printed).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.coverage import coverage_failures, coverage_from_db, coverage_from_loaded, out_of_scope
from catalog.exceptions import CatalogError
from catalog.loader import read_catalog
from catalog.models import CatalogRelease


class Command(BaseCommand):
    help = "Print framework coverage of the loaded catalog; fail if a required item is uncovered."

    def add_arguments(self, parser):
        parser.add_argument("--files", action="store_true",
                            help="Read catalog/data/*.yaml instead of the loaded release.")
        parser.add_argument("--uncovered", action="store_true", help="List every uncovered item.")

    def handle(self, *args, files=False, uncovered=False, **options):
        if files:
            try:
                coverage = coverage_from_loaded(read_catalog(settings.CATALOG_DATA_DIR))
            except CatalogError as exc:
                for error in exc.errors:
                    self.stderr.write(error)
                raise CommandError("the catalog files are invalid") from exc
            source = "catalog files"
        else:
            release = CatalogRelease.objects.order_by("-id").first()
            if release is None:
                raise CommandError("no catalog loaded: run `manage.py load_catalog` (or pass --files)")
            coverage = coverage_from_db()
            source = f"catalog release {release.version}"
        self.stdout.write(f"coverage of {source} (covered = mapped by a threat or control, or a parent of one)")
        width = max(len(c.key) for c in coverage)
        for fw in coverage:
            kinds = ", ".join(f"{kind} {c}/{t}" for kind, (c, t) in fw.by_kind.items())
            self.stdout.write(f"  {fw.key.ljust(width)}  {fw.covered:>3}/{fw.total:<3} ({fw.percent:>3}%)  {kinds}")
            if uncovered and fw.uncovered:
                for item in fw.uncovered:
                    self.stdout.write(f"      - {item.ref} {item.title}")
        for key, ref, reason in out_of_scope(coverage):
            self.stdout.write(f"  out of scope: {key} {ref}: {reason}")
        failures = coverage_failures(coverage)
        if failures:
            for failure in failures:
                self.stderr.write(f"uncovered: {failure}")
            raise CommandError(f"{len(failures)} required item{'s' if len(failures) != 1 else ''} uncovered")
        self.stdout.write(self.style.SUCCESS("every required item is covered or explained"))
