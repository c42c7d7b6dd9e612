"""The open business date. COB closes it and opens the next one."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from kernel.request_memo import forget, remembered
from loans.models import BusinessDate

# The lender's own clock: business days, the nightly schedule and daytime notices run on it.
MOSCOW = ZoneInfo("Europe/Moscow")
BUSINESS_DATE = "business_date"


def current_business_date() -> date:
    return remembered(BUSINESS_DATE, _read_business_date)


def _read_business_date() -> date:
    row = BusinessDate.objects.filter(pk=1).first()
    if row is None:
        row, _ = BusinessDate.objects.get_or_create(pk=1, defaults={"date": timezone.localdate()})
    return row.date


def set_business_date(*, on: date) -> None:
    """Put the open day somewhere (demo data and tests); production moves it only through COB."""
    BusinessDate.objects.update_or_create(pk=1, defaults={"date": on})
    forget(BUSINESS_DATE)
