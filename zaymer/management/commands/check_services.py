"""Can this process reach what it needs? One line per service, or one line naming the setting
that is wrong and exit status 2."""

from django.core.management.base import BaseCommand

from zaymer.startup import check_services


class Command(BaseCommand):
    help = "Check that the database (DATABASE_URL) and the task broker (Q_BROKER_URL) answer."

    def handle(self, *args, **options):
        database, broker = check_services()
        self.stdout.write(f"database: {database}")
        self.stdout.write(f"broker: {broker}")
