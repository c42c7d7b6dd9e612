"""`manage.py bureau_report --status`: events late or at risk of being late, by bureau; exits
non-zero when any is late. `--send` delivers what is due now (what the schedule does)."""

from django.core.management.base import BaseCommand, CommandError

from loans.bureau_outbox import deadline_report, deadline_working_days, late_count
from loans.business_date import current_business_date


class Command(BaseCommand):
    help = "Credit-history reporting: deadlines by bureau (--status) or send what is due (--send)"

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="late and at-risk events")
        parser.add_argument("--send", action="store_true", help="send the due submissions now")

    def handle(self, *args, status: bool, send: bool, **options):
        if not status and not send:
            raise CommandError("Say what to do: --status or --send")
        if send:
            from loans.bureau_sending import send_due

            counts = send_due()
            self.stdout.write(", ".join(f"{name} {n}" for name, n in counts.items()))
        if not status:
            return
        today = current_business_date()
        self.stdout.write(
            f"Business date {today:%Y-%m-%d}; deadline {deadline_working_days()} working days"
        )
        for row in deadline_report(today=today):
            self.stdout.write(f"{row.bureau}: late {len(row.late)}, at risk {len(row.at_risk)}")
            for submission in row.late:
                self.stdout.write(
                    f"  LATE  {submission.event} due {submission.deadline:%Y-%m-%d}"
                    f" ({submission.get_status_display()}) {submission.reason}"
                )
        late = late_count(today=today)
        if late:
            raise CommandError(f"{late} bureau submission(s) are late")
