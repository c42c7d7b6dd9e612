"""ПДН kept with the contract: exact, with its inputs, frozen at signing; the notice above 50 %."""

import datetime as dt
from decimal import Decimal

import pytest

from loans import services
from loans.debt_load import debt_load_freeze, debt_load_note
from loans.documents import storage
from loans.models import Borrower, DocumentKind
from loans.pdn import debt_load_exceeds_warning, debt_load_percent, income_for_pdn
from tests.factories import BorrowerFactory, applied_loan, bureaus_answered


def approved(*, income_kop: int = 8_000_000):
    borrower = BorrowerFactory(declared_income_kop=income_kop)
    loan = services.loan_score(loan=applied_loan(borrower=borrower))
    return services.loan_approve(loan=loan)


def test_a_debt_load_just_above_fifty_per_cent_warns_though_it_rounds_to_fifty():
    payments, income = [5_000_002], 10_000_000  # 50.00002 %
    assert debt_load_percent(monthly_payments_kop=payments, monthly_income_kop=income) == Decimal(
        "50.00"
    )
    assert debt_load_exceeds_warning(monthly_payments_kop=payments, monthly_income_kop=income)


def test_a_debt_load_of_exactly_fifty_per_cent_does_not_warn():
    assert not debt_load_exceeds_warning(monthly_payments_kop=[5_000_000], monthly_income_kop=10**7)


def test_the_income_rule_that_chose_the_income_is_named():
    on = dt.date(2026, 11, 2)
    common = {"loan_principal_kop": 1_000_000, "on_date": on, "regional_average_kop": 5_000_000}
    assert income_for_pdn(declared_kop=8_000_000, confirmed_kop=None, **common) == (
        5_000_000,
        "regional_average",
    )
    assert income_for_pdn(declared_kop=4_000_000, confirmed_kop=None, **common) == (
        4_000_000,
        "declared",
    )
    assert income_for_pdn(declared_kop=8_000_000, confirmed_kop=9_000_000, **common) == (
        9_000_000,
        "confirmed",
    )


def test_the_debt_load_is_kept_with_its_inputs(business_date):
    loan = approved()
    debt_load = debt_load_note(loan=loan, other_payments_kop=300_000)
    assert debt_load.other_payments_kop == 300_000
    assert debt_load.other_payments_source == "scoring"
    assert debt_load.new_payment_kop == 1_240_000  # 10 000 ₽ + 30 days at 0.8 %
    assert debt_load.income_kop == 8_000_000
    assert debt_load.income_rule == "declared"
    assert debt_load.percent == Decimal(1_540_000 * 100) / Decimal(8_000_000)


def test_without_the_robots_count_the_lenders_own_open_loans_are_counted(business_date):
    loan = approved()
    debt_load = debt_load_note(loan=loan, other_payments_kop=None)
    assert debt_load.other_payments_source == "internal"
    assert debt_load.other_payments_kop == 0


def test_a_signed_debt_load_is_never_recomputed(business_date):
    loan = approved()
    debt_load_note(loan=loan, other_payments_kop=0)
    bureaus_answered(loan.borrower)
    signed = services.loan_sign(loan=loan)
    frozen = debt_load_freeze(loan=signed)
    Borrower.objects.filter(pk=loan.borrower_id).update(declared_income_kop=100_000)
    again = debt_load_note(loan=signed, other_payments_kop=9_000_000)
    assert again.pk == frozen.pk
    assert again.frozen and again.income_kop == 8_000_000 and again.other_payments_kop == 0


def test_above_fifty_per_cent_the_borrower_gets_a_written_notice(business_date):
    loan = approved(income_kop=2_000_000)  # 12 400 ₽ a month on 20 000 ₽: 62 %
    notice = storage.pdn_notice(loan=loan)
    assert notice.kind == DocumentKind.PDN_NOTICE
    assert bytes(notice.pdf).startswith(b"%PDF")
    assert "ПДН): 62,00\u00a0%" in notice.html
    assert "высокий риск неисполнения" in notice.html
    assert notice.terms["pdn"]["income_rule"] == "declared"


def test_at_or_below_fifty_per_cent_no_notice_is_needed(business_date):
    with pytest.raises(storage.NoticeNotRequired):
        storage.pdn_notice(loan=approved())
