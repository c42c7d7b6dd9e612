"""Tasks that cross apps."""

from datetime import timedelta

from django.utils import timezone

from zaymer import nightly


def run_cob() -> str:
    """The schedule's night (`zaymer.nightly`): every open business day up to yesterday."""
    runs = nightly.run_night(until=timezone.localdate() - timedelta(days=1))
    return ", ".join(run.business_date.isoformat() for run in runs) or "nothing to close"
