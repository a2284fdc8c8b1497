from django.core.management.base import BaseCommand

from threatmodel.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo team, user and AI system (idempotent) and print the login."

    def handle(self, *args, **options):
        result = seed_demo()
        verb = "Created" if result["created"] else "Demo data already present:"
        self.stdout.write(f"{verb} team '{result['team'].slug}' with its demo AI system.")
        self.stdout.write(self.style.SUCCESS(
            f"Log in at http://127.0.0.1:8000/ as  {result['username']}  /  {result['password']}"))
