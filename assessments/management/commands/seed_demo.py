from django.core.management.base import BaseCommand

from assessments.demo import seed_self_model
from threatmodel.demo import seed_demo


class Command(BaseCommand):
    help = ("Create the demo team, user and AI systems (a support chatbot and this application's own threat "
            "model); idempotent. Prints the login.")

    def handle(self, *args, **options):
        result = seed_demo()
        self_created = seed_self_model(actor=result["user"], team=result["team"])
        verb = "Created" if result["created"] or self_created else "Demo data already present:"
        self.stdout.write(f"{verb} team '{result['team'].slug}' with its demo AI systems.")
        self.stdout.write(self.style.SUCCESS(
            f"Log in at http://127.0.0.1:8000/ as  {result['username']}  /  {result['password']}"))
