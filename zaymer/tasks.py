"""Tasks that cross apps: close-of-business of the loan core, then collection and the day's
surveys and repeat offers, per day; then the dashboards' tables for the new business date."""

from datetime import timedelta

from django.utils import timezone


def run_cob() -> str:
    """Close every open business day up to yesterday, each followed by its collection steps
    (catching up collection for days an earlier run closed but did not finish)."""
    from collection.cob import run_pending_days
    from collection.tasks import schedule_reminder_sending
    from feedback.tasks import run_daily
    from loans.cob import close_next_day
    from zaymer.dashboards import snapshots_build

    until = timezone.localdate() - timedelta(days=1)
    closed = []
    while (run := close_next_day(until=until)) is not None:
        closed.append(run.business_date.isoformat())
        run_pending_days()
        run_daily(on=run.business_date)
    run_pending_days()
    schedule_reminder_sending()
    if closed:
        snapshots_build()
    return ", ".join(closed) or "nothing to close"
