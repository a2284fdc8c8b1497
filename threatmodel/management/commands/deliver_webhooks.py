"""`python manage.py deliver_webhooks`: attempt every webhook delivery that is due now.

What Celery beat's `threatmodel.webhooks.deliver_due` does every minute; useful without a broker
(development: tasks run eagerly and retries wait for this) or to drain the queue by hand."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from threatmodel.webhooks import delivery


class Command(BaseCommand):
    help = "Attempt every webhook delivery that is due (first attempts and retries)."

    def handle(self, *args, **options):
        counts: dict[str, int] = {}
        for pk in delivery.due(timezone.now()):
            result = delivery.attempt(pk)
            status = result.status if result is not None else "skipped"
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
