"""Open the review task of every application in review that has none."""

from django.core.management.base import BaseCommand

from zaymer.pipeline import open_missing_reviews


class Command(BaseCommand):
    help = (
        "Give each loan in review without a review task its task, so that it appears in the "
        "underwriters' queue (after an upgrade, or for the demo data). Safe to repeat."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{open_missing_reviews()} review tasks opened")
