"""Create (or bring up to date) the django-q2 schedules the back office runs on. Idempotent."""

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from loans.business_date import MOSCOW

COB_AT = time(0, 5)


def next_cob_run(now: datetime | None = None) -> datetime:
    """The next 00:05 in Moscow (the business day closes after midnight, Moscow time)."""
    now = (now or timezone.now()).astimezone(MOSCOW)
    candidate = datetime.combine(now.date(), COB_AT, tzinfo=MOSCOW)
    return candidate if candidate > now else candidate + timedelta(days=1)


# name → the fields that define the schedule (next_run is only set when creating)
SCHEDULES = {
    "close-of-business": {
        "func": "zaymer.tasks.run_cob",
        "schedule_type": Schedule.DAILY,
        "minutes": None,
        "cron": None,
        "repeats": -1,
    },
    "poll-pending-payouts": {
        "func": "loans.tasks.poll_pending_payouts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
        "cron": None,
        "repeats": -1,
    },
    "deliver-borrower-messages": {
        "func": "loans.tasks.deliver_messages",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "cron": None,
        "repeats": -1,
    },
    "release-due-payouts": {
        "func": "loans.tasks.release_due_payouts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "cron": None,
        "repeats": -1,
    },
    "report-to-credit-bureaus": {
        "func": "loans.tasks.send_bureau_reports",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "cron": None,
        "repeats": -1,
    },
    "tidy-review-queue": {
        "func": "underwriting.tasks.tidy_queue",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "cron": None,
        "repeats": -1,
    },
}
FIRST_RUN = {"close-of-business": next_cob_run}


class Command(BaseCommand):
    help = (
        "Create the django-q2 schedules: close-of-business and then collection daily at 00:05 "
        "Europe/Moscow (zaymer.tasks.run_cob), polling of pending payouts every 5 minutes "
        "(loans.tasks.poll_pending_payouts), payouts whose 115-FZ cooling time has passed every "
        "minute (loans.tasks.release_due_payouts), delivery of borrower messages every minute "
        "(loans.tasks.deliver_messages), and the review queue's tidying every minute "
        "(underwriting.tasks.tidy_queue: withdrawn applications out, idle tasks released). "
        "Safe to run any number of times: an existing "
        "schedule is kept (with its next run) and only its task and interval are corrected."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for name, spec in SCHEDULES.items():
            existing = list(Schedule.objects.filter(name=name).order_by("pk"))
            if not existing:
                first_run = FIRST_RUN.get(name, timezone.now)()
                Schedule.objects.create(name=name, next_run=first_run, **spec)
                self.stdout.write(f"created {name}: {spec['func']}, first run {first_run}")
                continue
            schedule, duplicates = existing[0], existing[1:]
            for duplicate in duplicates:
                duplicate.delete()
            changed = [field for field, value in spec.items() if getattr(schedule, field) != value]
            if schedule.next_run is None:
                schedule.next_run = FIRST_RUN.get(name, timezone.now)()
                changed.append("next_run")
            for field in changed:
                if field in spec:
                    setattr(schedule, field, spec[field])
            if changed:
                schedule.save()
                self.stdout.write(f"updated {name}: {', '.join(changed)}")
            else:
                self.stdout.write(f"{name} is up to date (next run {schedule.next_run})")
            if duplicates:
                self.stdout.write(f"removed {len(duplicates)} duplicate(s) of {name}")
