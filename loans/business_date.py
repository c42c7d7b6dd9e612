"""The open business date. COB closes it and opens the next one."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from loans.models import BusinessDate

# The lender's own clock: business days, the nightly schedule and daytime notices run on it.
MOSCOW = ZoneInfo("Europe/Moscow")


def current_business_date() -> date:
    row = BusinessDate.objects.filter(pk=1).first()
    if row is None:
        row, _ = BusinessDate.objects.get_or_create(pk=1, defaults={"date": timezone.localdate()})
    return row.date


def set_business_date(*, on: date) -> None:
    """Put the open day somewhere (demo data and tests); production moves it only through COB."""
    BusinessDate.objects.update_or_create(pk=1, defaults={"date": on})
