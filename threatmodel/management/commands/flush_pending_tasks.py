from django.core.management.base import BaseCommand

from threatmodel.models import PendingTask
from threatmodel.queue import flush_pending


class Command(BaseCommand):
    help = "Hand tasks recorded while the broker was down to the broker (oldest first)."

    def handle(self, *args, **options):
        sent = flush_pending()
        left = PendingTask.objects.count()
        self.stdout.write(f"sent {sent} pending task(s); {left} still waiting")
        if left:
            raise SystemExit(1)
