"""Run the nightly work now: close the open business days up to yesterday, each followed by
collection, surveys and repeat offers (what the close-of-business schedule runs at 00:05)."""

from django.core.management.base import BaseCommand

from zaymer.tasks import run_cob


class Command(BaseCommand):
    help = (
        "Close every open business day up to yesterday and run collection, surveys and offers "
        "for each, catching up collection for days closed before (safe to repeat)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"closed: {run_cob()}")
