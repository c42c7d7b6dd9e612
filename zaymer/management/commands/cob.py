from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from loans.business_date import current_business_date
from zaymer.nightly import run_night


class Command(BaseCommand):
    help = (
        "Close business days in order up to --until (default: yesterday), each followed by the "
        "night's steps (collection, surveys and offers), then the dashboards (zaymer.nightly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", help="Last business date to close, YYYY-MM-DD")

    def handle(self, *args, until=None, **options):
        if until:
            try:
                last = date.fromisoformat(until)
            except ValueError as exc:
                raise CommandError(f"--until must be a date as YYYY-MM-DD, got {until!r}") from exc
        else:
            last = timezone.localdate() - timezone.timedelta(days=1)
        opened = current_business_date()
        if last < opened - timezone.timedelta(days=1):
            raise CommandError(
                f"{last} is already closed; the open business date is {opened.isoformat()}"
            )
        runs = run_night(until=last)
        for run in runs:
            parts = ", ".join(
                f"{k} {v['rows']} rows in {v['seconds']} s" for k, v in run.steps.items()
            )
            self.stdout.write(f"closed {run.business_date}: {parts}")
        self.stdout.write(f"open business date: {current_business_date().isoformat()}")
