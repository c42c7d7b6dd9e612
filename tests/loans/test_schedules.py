from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.errors import DomainError, InvalidAmount
from loans.money import daily_interest_kop
from loans.schedules import Installment, annuity_schedule, pdl_schedule, schedule_total_kop

ISSUE = date(2026, 5, 4)

principals = st.integers(min_value=100_000, max_value=50_000_000)
rates = st.integers(min_value=0, max_value=8_000)
period_lengths = st.integers(min_value=1, max_value=31)
period_counts = st.integers(min_value=1, max_value=26)


def accrue_daily(items: list[Installment], *, principal_kop: int, rate_ppm: int, room_kop=None):
    """Interest a day-by-day accrual charges when each installment is paid on its due date."""
    charged: list[int] = []
    outstanding = principal_kop
    day = ISSUE
    for item in items:
        interest = 0
        while day < item.due_date:
            daily = daily_interest_kop(outstanding, rate_ppm)
            if room_kop is not None:
                daily = min(daily, room_kop)
                room_kop -= daily
            interest += daily
            day += timedelta(days=1)
        charged.append(interest)
        outstanding -= item.principal_kop
    return charged


def test_pdl_of_10000_rub_at_0_8_percent_for_30_days_charges_2400_rub():
    items = pdl_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, term_days=30, issue_date=ISSUE
    )

    assert items == [
        Installment(seq=1, due_date=date(2026, 6, 3), principal_kop=1_000_000, interest_kop=240_000)
    ]
    assert items[0].total_kop == 1_240_000


def test_pdl_interest_rounds_each_day_down_to_the_kopeck():
    # 12 347 ₽ × 0.5 % = 6 173.5 kop a day → 6 173 kop (never above the rate), × 15 days
    items = pdl_schedule(
        principal_kop=1_234_700, daily_rate_ppm=5_000, term_days=15, issue_date=ISSUE
    )

    assert items[0].interest_kop == 15 * 6_173


def test_pdl_interest_stops_at_charges_room():
    items = pdl_schedule(
        principal_kop=1_000_000,
        daily_rate_ppm=8_000,
        term_days=30,
        issue_date=ISSUE,
        charges_room_kop=100_000,
    )

    assert items[0].interest_kop == 100_000
    assert items[0].principal_kop == 1_000_000


def test_pdl_with_zero_rate_charges_no_interest():
    items = pdl_schedule(principal_kop=500_000, daily_rate_ppm=0, term_days=7, issue_date=ISSUE)

    assert items[0].interest_kop == 0
    assert items[0].total_kop == 500_000


def test_annuity_hand_computed_example():
    # 30 000 ₽, 0.5 %/day, 6 fortnightly periods: i = 0.07, A = 6 293.87 ₽
    items = annuity_schedule(
        principal_kop=3_000_000, daily_rate_ppm=5_000, period_days=14, periods=6, issue_date=ISSUE
    )

    assert [item.total_kop for item in items[:-1]] == [629_387] * 5
    assert items[0].interest_kop == 210_000  # 14 × 150 ₽
    assert items[0].principal_kop == 419_387
    assert items[1].interest_kop == 14 * daily_interest_kop(3_000_000 - 419_387, 5_000)
    assert sum(item.principal_kop for item in items) == 3_000_000


def test_annuity_due_dates_step_by_period():
    items = annuity_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, period_days=14, periods=3, issue_date=ISSUE
    )

    assert [item.due_date for item in items] == [
        date(2026, 5, 18),
        date(2026, 6, 1),
        date(2026, 6, 15),
    ]
    assert [item.seq for item in items] == [1, 2, 3]


def test_annuity_last_installment_absorbs_rounding():
    items = annuity_schedule(
        principal_kop=3_000_000, daily_rate_ppm=5_000, period_days=14, periods=6, issue_date=ISSUE
    )
    paid_before_last = sum(item.principal_kop for item in items[:-1])

    assert items[-1].principal_kop == 3_000_000 - paid_before_last
    assert items[-1].total_kop != items[0].total_kop


def test_annuity_with_zero_rate_splits_principal_evenly():
    items = annuity_schedule(
        principal_kop=1_000_000, daily_rate_ppm=0, period_days=30, periods=3, issue_date=ISSUE
    )

    assert [item.principal_kop for item in items] == [333_333, 333_333, 333_334]
    assert all(item.interest_kop == 0 for item in items)


def test_annuity_interest_is_truncated_in_the_period_the_room_runs_out():
    full = annuity_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, period_days=14, periods=4, issue_date=ISSUE
    )
    room = full[0].interest_kop + 10_000

    capped = annuity_schedule(
        principal_kop=1_000_000,
        daily_rate_ppm=8_000,
        period_days=14,
        periods=4,
        issue_date=ISSUE,
        charges_room_kop=room,
    )

    assert capped[0].interest_kop == full[0].interest_kop
    assert capped[1].interest_kop == 10_000
    assert [item.interest_kop for item in capped[2:]] == [0, 0]
    assert sum(item.principal_kop for item in capped) == 1_000_000


def test_zero_charges_room_means_no_interest():
    items = annuity_schedule(
        principal_kop=1_000_000,
        daily_rate_ppm=8_000,
        period_days=14,
        periods=4,
        issue_date=ISSUE,
        charges_room_kop=0,
    )

    assert schedule_total_kop(items) == 1_000_000


def test_schedule_total_sums_principal_and_interest():
    items = [
        Installment(seq=1, due_date=ISSUE, principal_kop=100, interest_kop=7),
        Installment(seq=2, due_date=ISSUE, principal_kop=200, interest_kop=3),
    ]

    assert schedule_total_kop(items) == 310


@pytest.mark.parametrize("principal_kop", [0, -1])
def test_non_positive_principal_is_refused(principal_kop):
    with pytest.raises(InvalidAmount, match="principal must be positive"):
        pdl_schedule(
            principal_kop=principal_kop, daily_rate_ppm=8_000, term_days=30, issue_date=ISSUE
        )


def test_negative_rate_is_refused():
    with pytest.raises(InvalidAmount, match="daily rate"):
        pdl_schedule(principal_kop=1_000, daily_rate_ppm=-1, term_days=30, issue_date=ISSUE)


def test_zero_term_is_refused():
    with pytest.raises(InvalidAmount, match="term"):
        pdl_schedule(principal_kop=1_000, daily_rate_ppm=8_000, term_days=0, issue_date=ISSUE)


@pytest.mark.parametrize(("period_days", "periods"), [(0, 3), (14, 0)])
def test_annuity_needs_at_least_one_period_of_at_least_one_day(period_days, periods):
    with pytest.raises(DomainError):
        annuity_schedule(
            principal_kop=1_000,
            daily_rate_ppm=8_000,
            period_days=period_days,
            periods=periods,
            issue_date=ISSUE,
        )


def test_negative_charges_room_is_refused():
    with pytest.raises(InvalidAmount, match="room"):
        pdl_schedule(
            principal_kop=1_000,
            daily_rate_ppm=8_000,
            term_days=30,
            issue_date=ISSUE,
            charges_room_kop=-1,
        )


def test_float_principal_is_refused():
    with pytest.raises(InvalidAmount, match="whole number"):
        pdl_schedule(principal_kop=1000.0, daily_rate_ppm=8_000, term_days=30, issue_date=ISSUE)


@settings(max_examples=100, deadline=None)
@given(principals, rates, period_lengths, period_counts)
def test_annuity_principals_sum_to_the_principal(principal, rate, period_days, periods):
    items = annuity_schedule(
        principal_kop=principal,
        daily_rate_ppm=rate,
        period_days=period_days,
        periods=periods,
        issue_date=ISSUE,
    )

    assert sum(item.principal_kop for item in items) == principal
    assert all(item.principal_kop >= 0 and item.interest_kop >= 0 for item in items)


@settings(max_examples=100, deadline=None)
@given(principals, rates, period_lengths, period_counts)
def test_annuity_installments_are_equal_except_the_last(principal, rate, period_days, periods):
    items = annuity_schedule(
        principal_kop=principal,
        daily_rate_ppm=rate,
        period_days=period_days,
        periods=periods,
        issue_date=ISSUE,
    )

    assert len({item.total_kop for item in items[:-1]}) <= 1


@settings(max_examples=100, deadline=None)
@given(principals, rates, period_lengths, period_counts)
def test_period_interest_is_period_days_times_daily_interest_of_outstanding(
    principal, rate, period_days, periods
):
    items = annuity_schedule(
        principal_kop=principal,
        daily_rate_ppm=rate,
        period_days=period_days,
        periods=periods,
        issue_date=ISSUE,
    )

    outstanding = principal
    for item in items:
        assert item.interest_kop == period_days * daily_interest_kop(outstanding, rate)
        outstanding -= item.principal_kop
    assert outstanding == 0


@settings(max_examples=60, deadline=None)
@given(
    principals,
    rates,
    period_lengths,
    st.integers(min_value=1, max_value=8),
    st.one_of(st.none(), st.integers(min_value=0, max_value=20_000_000)),
)
def test_schedule_interest_equals_daily_accrual_paid_on_due_dates(
    principal, rate, period_days, periods, room
):
    items = annuity_schedule(
        principal_kop=principal,
        daily_rate_ppm=rate,
        period_days=period_days,
        periods=periods,
        issue_date=ISSUE,
        charges_room_kop=room,
    )

    charged = accrue_daily(items, principal_kop=principal, rate_ppm=rate, room_kop=room)

    assert [item.interest_kop for item in items] == charged
    if room is not None:
        assert sum(charged) <= room
