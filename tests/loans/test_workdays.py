"""The production calendar (`loans.workdays`): the `holidays` library with the administrator's
overrides, pinned against the decrees for 2026 and 2027."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from loans import workdays
from loans.models import CalendarOverride
from tests.factories import CalendarOverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


D = dt.date

# The decree of 2025 for 2026 and the decree of 2026 for 2027: every non-working weekday.
DAYS_OFF_2026 = [
    *(D(2026, 1, d) for d in (1, 2, 5, 6, 7, 8, 9)),
    D(2026, 2, 23),
    D(2026, 3, 9),
    D(2026, 5, 1),
    D(2026, 5, 11),
    D(2026, 6, 12),
    D(2026, 11, 4),
    D(2026, 12, 31),
]
DAYS_OFF_2027 = [
    *(D(2027, 1, d) for d in (1, 4, 5, 6, 7, 8)),
    D(2027, 2, 22),
    D(2027, 2, 23),
    D(2027, 3, 8),
    D(2027, 5, 3),
    D(2027, 5, 10),
    D(2027, 6, 14),
    D(2027, 11, 4),
    D(2027, 11, 5),
    D(2027, 12, 31),
]


def weekdays_off(year: int) -> list[dt.date]:
    day, end, off = D(year, 1, 1), D(year, 12, 31), []
    while day <= end:
        if day.weekday() < 5 and not workdays.is_working_day(day):
            off.append(day)
        day += dt.timedelta(days=1)
    return off


def test_the_weekdays_off_of_2026_are_the_decrees():
    assert weekdays_off(2026) == DAYS_OFF_2026


def test_the_weekdays_off_of_2027_are_the_decrees():
    assert weekdays_off(2027) == DAYS_OFF_2027


def test_saturday_the_20th_of_february_2027_is_a_working_day():
    assert workdays.is_working_day(D(2027, 2, 20))


@pytest.mark.parametrize("day", [D(2027, 2, 22), D(2027, 11, 5), D(2027, 12, 31)])
def test_the_transferred_days_off_of_2027_are_off(day):
    assert not workdays.is_working_day(day)


def test_an_ordinary_saturday_is_off_and_an_ordinary_monday_works():
    assert not workdays.is_working_day(D(2026, 12, 12))
    assert workdays.is_working_day(D(2026, 12, 14))


def test_2026_and_2027_are_confirmed_and_2028_is_not():
    assert workdays.year_confirmed(2026) and workdays.year_confirmed(2027)
    assert not workdays.year_confirmed(2028)
    assert workdays.unconfirmed_years(D(2027, 12, 1), D(2028, 2, 1)) == [2028]


def test_an_unconfirmed_year_still_keeps_the_labour_codes_new_year_holidays():
    assert not workdays.is_working_day(D(2028, 1, 4))


def test_an_override_confirms_its_year():
    CalendarOverrideFactory(day=D(2028, 1, 10), is_working=False)
    assert workdays.year_confirmed(2028)


def test_an_override_wins_over_the_library():
    CalendarOverrideFactory(day=D(2027, 2, 20), is_working=False)
    CalendarOverrideFactory(day=D(2027, 3, 9), is_working=True)
    assert not workdays.is_working_day(D(2027, 2, 20))
    assert not workdays.is_working_day(D(2027, 3, 8))
    assert workdays.is_working_day(D(2027, 3, 9)) is True


def test_two_entries_for_one_day_are_refused_with_a_message():
    CalendarOverrideFactory(day=D(2028, 1, 10), is_working=False)
    second = CalendarOverride(day=D(2028, 1, 10), is_working=True, decree="another decree")
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert "already has an entry" in str(refused.value)


def test_the_next_working_day_after_the_new_year_holidays():
    assert workdays.next_working_day(D(2026, 12, 30)) == D(2027, 1, 11)
    assert workdays.on_or_after(D(2027, 1, 1)) == D(2027, 1, 11)
    assert workdays.next_working_day(D(2027, 2, 19)) == D(2027, 2, 20)
    assert workdays.on_or_after(D(2027, 2, 21)) == D(2027, 2, 24)


def test_a_working_day_is_its_own_due_day():
    assert workdays.on_or_after(D(2026, 12, 14)) == D(2026, 12, 14)


def test_three_working_days_after_a_friday_before_a_holiday():
    # Fri 2027-11-05 is off; after Thu 11-04 (off) come Mon 8, Tue 9, Wed 10.
    assert workdays.add_working_days(D(2027, 11, 3), 3) == D(2027, 11, 10)


def test_working_days_between_counts_the_end_not_the_start():
    assert workdays.working_days_between(D(2026, 12, 11), D(2026, 12, 15)) == 2


# --- the admin and the collector's page say when a year is unconfirmed --------------------


def test_the_admin_says_which_years_are_unconfirmed(admin_client):
    from django.urls import reverse

    from loans.business_date import set_business_date

    set_business_date(on=D(2027, 12, 1))
    body = admin_client.get(reverse("admin:loans_calendaroverride_changelist")).content.decode()
    assert "2028" in body and "не подтверждён" in body


def test_the_admin_refuses_a_second_entry_for_the_same_day(admin_client):
    from django.urls import reverse

    CalendarOverrideFactory(day=D(2028, 1, 10))
    response = admin_client.post(
        reverse("admin:loans_calendaroverride_add"),
        {"day": "2028-01-10", "is_working": "on", "name": "", "decree": "another"},
    )
    assert response.status_code == 200
    assert "уже есть запись" in response.content.decode()
    assert CalendarOverride.objects.count() == 1
