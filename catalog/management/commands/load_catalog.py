"""`python manage.py load_catalog [--quiet] [--data-dir DIR]`: validate and load the catalog files."""

from django.core.management.base import BaseCommand, CommandError

from catalog.exceptions import CatalogError
from catalog.services import catalog_load


class Command(BaseCommand):
    help = "Validate catalog/data/*.yaml and load it as a new catalog release (a no-op when unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one summary line (errors are always listed).")
        parser.add_argument("--data-dir", help="Load from this directory instead of settings.CATALOG_DATA_DIR.")

    def handle(self, *args, quiet=False, data_dir=None, **options):
        try:
            result = catalog_load(data_dir=data_dir)
        except CatalogError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"catalog not loaded: {len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''} "
                               "(the loaded catalog is unchanged)") from exc
        release = result.release
        if not result.created:
            self.stdout.write(f"catalog unchanged (release {release.version})")
            return
        summary = release.summary
        counts = summary["counts"]
        threats, controls = summary["threats"], summary["controls"]

        def tally(diff):
            return f"{len(diff['added'])} added, {len(diff['changed'])} changed, {len(diff['removed'])} retired"

        self.stdout.write(self.style.SUCCESS(
            f"catalog release {release.version} loaded: {counts['threats']} threats, {counts['controls']} controls, "
            f"{counts['frameworks']} frameworks ({counts['items']} items), {counts['questions']} questions"))
        if quiet:
            return
        previous = summary.get("previous")
        self.stdout.write(f"since {'release ' + previous if previous else 'an empty catalog'}:")
        for label, diff in (("threats", threats), ("controls", controls)):
            self.stdout.write(f"  {label}: {tally(diff)}")
            if previous is None:
                continue  # a first load adds everything: the counts say enough
            for sign, key in (("+", "added"), ("~", "changed"), ("-", "removed")):
                for ref in diff[key]:
                    self.stdout.write(f"    {sign} {ref}")
        self.stdout.write(f"checksum {release.checksum}")
