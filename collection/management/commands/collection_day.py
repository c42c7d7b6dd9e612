"""Run the collection steps of close-of-business for one closed business date."""

from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from collection.cob import run_collection_day
from kernel.errors import DomainError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Run the collection steps (open, refresh and close cases, promises, pre-collection "
        "reminders) for a business date the loan core's COB has closed. A date already done "
        "is reported, not run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", required=True, type=_date, help="YYYY-MM-DD")

    def handle(self, *args, on: date, **options):
        try:
            day = run_collection_day(on=on)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        steps = ", ".join(f"{name} {info['rows']}" for name, info in day.steps.items())
        self.stdout.write(f"collection {on.isoformat()}: {steps}")
