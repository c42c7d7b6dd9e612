"""The contact policy against the table of issue 6 (all times Europe/Moscow unless said)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from collection.models import BanKind, Channel, ContactAttempt, ContactBan, Outcome
from collection.models.contacts import ThirdPartyConsent
from collection.policy import contact_allowed
from tests.collection.conftest import MSK, msk
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 12, 8)
SATURDAY = dt.date(2026, 12, 12)


def at(day: dt.date, hour: int, minute: int = 0, zone=MSK) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def contacted(borrower, channel, when, outcome=Outcome.PROMISE):
    return ContactAttempt.objects.create(
        borrower=borrower, channel=channel, at=when, local_at="", outcome=outcome, actor_label="t"
    )


@pytest.fixture
def debtor():
    return BorrowerFactory(time_zone="Europe/Moscow")


def test_the_days_are_what_the_table_says():
    assert TUESDAY.weekday() == 1 and SATURDAY.weekday() == 5


def test_a_first_call_in_office_hours_is_allowed(debtor):
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 10))
    assert verdict.allowed and verdict.next_allowed_at is None


def test_a_second_call_the_same_day_waits_for_tomorrow_morning(debtor):
    contacted(debtor, Channel.CALL, at(TUESDAY, 10))
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 15))
    assert not verdict.allowed
    assert verdict.code == "calls_per_day_limit"
    assert "1 per day" in verdict.reason
    assert verdict.next_allowed_at == at(TUESDAY + dt.timedelta(days=1), 8)


def test_a_third_call_in_a_week_waits_for_next_monday(debtor):
    monday = TUESDAY - dt.timedelta(days=1)
    contacted(debtor, Channel.CALL, at(monday, 10))
    contacted(debtor, Channel.CALL, at(TUESDAY, 10))
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY + dt.timedelta(days=1), 10)
    )
    assert not verdict.allowed and verdict.code == "calls_per_week_limit"
    assert verdict.next_allowed_at == at(monday + dt.timedelta(days=7), 8)


def test_the_month_limit_of_calls(debtor):
    first = dt.date(2026, 12, 1)
    for week in range(4):
        for day in (0, 1):
            contacted(debtor, Channel.CALL, at(first + dt.timedelta(days=7 * week + day), 10))
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(first.replace(day=29), 10)
    )
    assert verdict.code == "calls_per_month_limit"
    # 1 January is a holiday: weekend hours.
    assert verdict.next_allowed_at == at(dt.date(2027, 1, 1), 9)


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"), [(21, 59, True), (22, 1, False), (7, 59, False), (8, 0, True)]
)
def test_weekday_hours(debtor, hour, minute, allowed):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, hour, minute)
    )
    assert verdict.allowed is allowed
    if not allowed:
        assert verdict.code == "quiet_hours"
        expected_day = TUESDAY + dt.timedelta(days=1) if hour >= 22 else TUESDAY
        assert verdict.next_allowed_at == at(expected_day, 8)


def test_saturday_at_0830_waits_until_nine(debtor):
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(SATURDAY, 8, 30))
    assert not verdict.allowed and verdict.code == "quiet_hours"
    assert verdict.next_allowed_at == at(SATURDAY, 9)
    assert (
        contact_allowed(
            case_or_borrower=debtor, channel=Channel.SMS, at=at(SATURDAY, 20, 0)
        ).allowed
        is False
    )


def test_a_public_holiday_keeps_weekend_hours(debtor):
    holiday = dt.date(2027, 1, 5)  # a Tuesday among the new-year days off
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(holiday, 8, 30))
    assert verdict.code == "quiet_hours"
    assert verdict.next_allowed_at == at(holiday, 9)


def test_a_debtor_in_vladivostok_called_in_moscow_office_hours():
    debtor = BorrowerFactory(time_zone="Asia/Vladivostok")
    vladivostok = ZoneInfo("Asia/Vladivostok")
    # 15:00 in Moscow is 22:00 in Vladivostok: too late there.
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 15))
    assert not verdict.allowed and verdict.code == "quiet_hours"
    assert verdict.next_allowed_at == at(TUESDAY + dt.timedelta(days=1), 8, zone=vladivostok)
    assert verdict.next_allowed_at == at(TUESDAY + dt.timedelta(days=1), 1)
    # 10:00 in Moscow is 17:00 there.
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 10)
    ).allowed


def test_a_robot_call_after_a_human_call_shares_the_counter(debtor):
    contacted(debtor, Channel.CALL, at(TUESDAY, 10))
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.ROBOT_CALL, at=at(TUESDAY, 12)
    )
    assert not verdict.allowed and verdict.code == "calls_per_day_limit"


def test_an_unanswered_call_does_not_count(debtor):
    contacted(debtor, Channel.CALL, at(TUESDAY, 10), outcome=Outcome.NO_ANSWER)
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 12)
    ).allowed


def test_messages_have_their_own_counter(debtor):
    contacted(debtor, Channel.CALL, at(TUESDAY, 9))
    contacted(debtor, Channel.SMS, at(TUESDAY, 10), outcome=Outcome.SENT)
    assert contact_allowed(case_or_borrower=debtor, channel=Channel.SMS, at=at(TUESDAY, 11)).allowed
    contacted(debtor, Channel.MESSENGER, at(TUESDAY, 11), outcome=Outcome.SENT)
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.SMS, at=at(TUESDAY, 12))
    assert verdict.code == "messages_per_day_limit"


def test_one_visit_a_week(debtor):
    contacted(debtor, Channel.VISIT, at(TUESDAY, 12))
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.VISIT, at=at(TUESDAY + dt.timedelta(days=2), 12)
    )
    assert verdict.code == "visits_per_week_limit"


def test_after_a_bankruptcy_flag_nothing_outgoing_is_allowed(debtor):
    ContactBan.objects.create(
        borrower=debtor, kind=BanKind.BANKRUPTCY, valid_from=TUESDAY, document="court ruling"
    )
    for channel in (Channel.CALL, Channel.ROBOT_CALL, Channel.SMS, Channel.LETTER, Channel.VISIT):
        verdict = contact_allowed(case_or_borrower=debtor, channel=channel, at=at(TUESDAY, 10))
        assert not verdict.allowed and verdict.code == "ban_bankruptcy"
        assert verdict.next_allowed_at is None
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.INCOMING_CALL, at=at(TUESDAY, 23)
    ).allowed


def test_a_hospital_ban_ends_when_it_says(debtor):
    ContactBan.objects.create(
        borrower=debtor,
        kind=BanKind.HOSPITAL,
        valid_from=TUESDAY,
        valid_to=TUESDAY + dt.timedelta(days=2),
        document="hospital certificate",
    )
    verdict = contact_allowed(case_or_borrower=debtor, channel=Channel.CALL, at=at(TUESDAY, 10))
    assert verdict.code == "ban_hospital"
    assert verdict.next_allowed_at == at(TUESDAY + dt.timedelta(days=3), 0)


def test_incoming_calls_are_never_limited(debtor):
    contacted(debtor, Channel.CALL, at(TUESDAY, 10))
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.INCOMING_CALL, at=at(TUESDAY, 23, 30)
    ).allowed


def test_third_parties_only_with_consent_and_not_after_they_object(debtor):
    consent = ThirdPartyConsent.objects.create(
        borrower=debtor, person="P", relation="sister", signed_on=TUESDAY, document="consent"
    )
    when = at(TUESDAY, 10)
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=when, third_party=consent
    ).allowed
    consent.objected_on = TUESDAY
    consent.save()
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=when, third_party=consent
    )
    assert verdict.code == "third_party_objected"
    someone_elses = ThirdPartyConsent.objects.create(
        borrower=BorrowerFactory(), person="Q", relation="boss", signed_on=TUESDAY, document="c"
    )
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=when, third_party=someone_elses
    )
    assert verdict.code == "no_third_party_consent"


def test_letters_keep_no_hours(debtor):
    assert contact_allowed(
        case_or_borrower=debtor, channel=Channel.LETTER, at=msk(2026, 12, 8, 23, 30)
    ).allowed


# --- the production calendar (issue 18): weekend hours on the days the decrees made off -------


def test_a_call_at_0830_on_new_years_eve_2027_is_refused(debtor):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(dt.date(2027, 12, 31), 8, 30)
    )
    assert not verdict.allowed and verdict.code == "quiet_hours"
    assert verdict.next_allowed_at == at(dt.date(2027, 12, 31), 9)


def test_a_call_at_0830_on_the_4th_of_january_2028_is_refused(debtor):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(dt.date(2028, 1, 4), 8, 30)
    )
    assert not verdict.allowed and verdict.code == "quiet_hours"


def test_a_call_at_0830_on_the_working_saturday_of_february_2027_is_allowed(debtor):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(dt.date(2027, 2, 20), 8, 30)
    )
    assert verdict.allowed


def test_a_call_at_0830_on_the_22nd_of_february_2027_is_refused(debtor):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(dt.date(2027, 2, 22), 8, 30)
    )
    assert not verdict.allowed and verdict.code == "quiet_hours"


def test_a_call_at_0830_on_the_5th_of_november_2027_is_refused(debtor):
    verdict = contact_allowed(
        case_or_borrower=debtor, channel=Channel.CALL, at=at(dt.date(2027, 11, 5), 8, 30)
    )
    assert not verdict.allowed and verdict.code == "quiet_hours"
