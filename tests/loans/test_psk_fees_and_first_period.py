"""A fee taken at signing and a first period of the borrower's choice: ПСК by hand, the caps,
the payout and the book.

ПСК (353-FZ art. 6) = i × ЧБП × 100, i the root of Σ ДП_k / ((1 + e_k·i)(1 + i)^q_k) = 0, БП the
most frequent interval between flows, ЧБП = 365 / БП, q_k the whole base periods from the issue
to flow k, e_k the remaining fraction. The figures below are worked out in the docstrings.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from loans import services
from loans.business_date import set_business_date
from loans.documents import rendering
from loans.documents.terms import contract_terms
from loans.errors import CapExceeded, DomainError
from loans.models import Account, PayoutOrder
from loans.selectors import loan_quote
from tests.factories import (
    IlProductFactory,
    PdlProductFactory,
    applied_loan,
    bureaus_answered,
    signed_loan,
)
from tests.loans.helpers import balance, issued, rounded_down

# A Monday; 30 days on is Wednesday 2 December 2026, a working day.
PDL_ISSUE = dt.date(2026, 11, 2)
# A Monday; 21, 35, 49 and 63 days on are Mondays 26 October, 9 and 23 November and 7 December.
IL_ISSUE = dt.date(2026, 10, 5)
PRINCIPAL = 1_000_000  # 10 000,00 ₽


def plain(text: str) -> str:
    """Document text with its no-break spaces as plain ones."""
    return text.replace("\xa0", " ").replace("\u202f", " ").replace("&nbsp;", " ")


def fee_product(**overrides):
    """0.5 % a day for up to 30 days, 100,00 ₽ taken at signing out of the payout."""
    fields = {"code": "pdl-fee", "daily_rate_ppm": 5000, "signing_fee_kop": 10_000}
    return PdlProductFactory(**{**fields, **overrides})


def payday_product():
    """0.35 % a day, 14-day periods, the first period 7 to 28 days at the borrower's choice."""
    return IlProductFactory(code="il-payday", first_period_min_days=7, first_period_max_days=28)


@pytest.fixture
def pdl_day(db):
    set_business_date(on=PDL_ISSUE)
    return PDL_ISSUE


@pytest.fixture
def il_day(db):
    set_business_date(on=IL_ISSUE)
    return IL_ISSUE


def test_the_fee_at_signing_counts_in_psk_as_a_flow_on_the_issue_date(pdl_day):
    """10 000,00 ₽ for 30 days at 0.5 %/day with a fee of 100,00 ₽ taken from the payout.

    Interest: 30 × 50,00 = 1 500,00 ₽. Flows: day 0: −(10 000,00 − 100,00) = −9 900,00;
    day 30: +11 500,00. One repayment: БП = 30, ЧБП = 365/30, q = 1, e = 0, so
    i = 11 500 / 9 900 − 1 = 16/99 and ПСК = 16/99 × 365/30 × 100 = 196.6329… → 196.633 %
    (without the fee it would be 0.5 × 365 = 182.500 %). In money: 1 500,00 + 100,00 = 1 600,00 ₽.
    """
    loan = signed_loan(product=fee_product(), amount_kop=PRINCIPAL, term_days=30)

    assert loan.psk_percent == Decimal("196.633")
    assert loan.psk_kop == 160_000
    assert loan.signing_fee_kop == 10_000


def test_a_fee_that_breaks_the_cap_on_all_charges_is_refused_naming_the_cap(pdl_day):
    """300 days at 0.25 %/day: interest 300 × 25,00 = 7 500,00 ₽; with a fee of 3 000,00 ₽ the
    charges are 10 500,00 ₽, above the cap of 1.0 × 10 000,00 ₽ (while ПСК, 234.6 %, is under
    292 %)."""
    product = fee_product(
        code="pdl-long", daily_rate_ppm=2500, signing_fee_kop=300_000, max_term_days=300
    )
    loan = services.loan_approve(
        loan=services.loan_score(
            loan=applied_loan(product=product, amount_kop=PRINCIPAL, term_days=300)
        )
    )
    bureaus_answered(loan.borrower)
    with pytest.raises(CapExceeded, match="cap on all charges"):
        services.loan_sign(loan=loan)


def test_the_payout_is_the_principal_less_the_fee_and_the_book_proves_it(pdl_day, capsys):
    loan = issued(product=fee_product(), amount_kop=PRINCIPAL, term_days=30)

    assert PayoutOrder.objects.get(loan=loan).amount_kop == 990_000
    assert loan.principal_out_kop == PRINCIPAL
    assert balance(Account.LOAN_PRINCIPAL, loan=loan) == PRINCIPAL
    assert balance(Account.FEE_INCOME) == -10_000
    assert balance(Account.LOAN_FEES, loan=loan) == 0
    assert loan.fees_out_kop == 0
    assert loan.charges_total_kop == 10_000
    call_command("ledger_check")
    assert capsys.readouterr().out.startswith("ledger ok")


def test_the_fee_leaves_less_room_under_the_cap_for_interest(pdl_day):
    loan = issued(product=fee_product(), amount_kop=PRINCIPAL, term_days=30)

    assert loan.charges_room_kop == PRINCIPAL - 10_000


def test_the_first_period_of_the_borrowers_choice_sets_the_first_due_date(il_day):
    """10 000,00 ₽ in 4 payments of 14-day periods at 0.35 %/day, the first after 21 days.

    The annuity on the regular period: i = 0.0035 × 14 = 0.049,
    A = 1 000 000 × 0.049 / (1 − 1.049^−4) = 281 356.7… → 281 357 kop.
    Interest is for the days each payment covers, a day's interest rounded down:
    1: 21 × 3 500 = 73 500, principal 281 357 − 73 500 = 207 857, left 792 143;
    2: 14 × ⌊2 772.50⌋ = 38 808, principal 242 549, left 549 594;
    3: 14 × ⌊1 923.58⌋ = 26 922, principal 254 435, left 295 159;
    4: 14 × ⌊1 033.06⌋ = 14 462 with the rest of the principal: 309 621.
    """
    loan = signed_loan(
        product=payday_product(), amount_kop=PRINCIPAL, term_days=56, first_period_days=21
    )

    rows = list(
        loan.schedule_items.order_by("seq").values_list("due_date", "principal_kop", "interest_kop")
    )
    assert rows == [
        (dt.date(2026, 10, 26), 207_857, 73_500),
        (dt.date(2026, 11, 9), 242_549, 38_808),
        (dt.date(2026, 11, 23), 254_435, 26_922),
        (dt.date(2026, 12, 7), 295_159, 14_462),
    ]
    assert 14 * rounded_down(792_143 * 3500, 1_000_000) == 38_808


def test_a_longer_first_period_enters_psk_through_e_k(il_day):
    """The flows of the test above: −1 000 000 on day 0, then 281 357 on days 21, 35 and 49 and
    309 621 on day 63. Intervals 21, 14, 14, 14: БП = 14, ЧБП = 365/14. Each flow is half a period
    past a whole number of periods: q = 1, 2, 3, 4 and e = 7/14 = 0.5 for all four, so i solves
    −1 000 000 + Σ ДП_k / ((1 + 0.5 i)(1 + i)^q_k) = 0: i = 0.0486028686 (by bisection on the
    expression above), ПСК = i × 365/14 × 100 = 126.7146… → 126.715 %. In money: the interest,
    73 500 + 38 808 + 26 922 + 14 462 = 153 692 kop.
    """
    loan = signed_loan(
        product=payday_product(), amount_kop=PRINCIPAL, term_days=56, first_period_days=21
    )

    assert loan.psk_percent == Decimal("126.715")
    assert loan.psk_kop == 153_692


@pytest.mark.parametrize("days", [6, 29])
def test_a_first_period_outside_the_products_limits_is_refused(il_day, days):
    with pytest.raises(DomainError, match="between 7 and 28 days") as refused:
        applied_loan(
            product=payday_product(), amount_kop=PRINCIPAL, term_days=56, first_period_days=days
        )
    assert refused.value.field == "first_period_days"


def test_a_product_without_the_option_refuses_a_first_period(il_day):
    with pytest.raises(DomainError, match="no first period") as refused:
        applied_loan(
            product=IlProductFactory(), amount_kop=PRINCIPAL, term_days=56, first_period_days=21
        )
    assert refused.value.code == "invalid_first_period"


def test_the_contracts_row_15_names_the_fee_and_what_is_paid_out(pdl_day):
    terms = contract_terms(loan=signed_loan(product=fee_product(), amount_kop=PRINCIPAL))

    row_15 = next(row for row in rendering.contract_rows(terms) if row[0] == "15")
    text = plain(row_15[2])
    assert "Комиссия за выдачу займа 100,00 ₽ (сто рублей 00 копеек)" in text
    assert "перечисляется 9 900,00 ₽" in text
    assert terms["signing_fee_kop"] == 10_000
    assert terms["payout_kop"] == 990_000


def test_the_schedule_document_shows_the_fee_withheld_on_the_issue_date(pdl_day):
    terms = contract_terms(loan=signed_loan(product=fee_product(), amount_kop=PRINCIPAL))

    html = plain(rendering.schedule_html(terms))
    assert "Комиссия за выдачу займа 100,00" in html
    assert "к перечислению заёмщику 9 900,00" in html


def test_a_contract_without_a_fee_says_no_paid_services(pdl_day):
    terms = contract_terms(loan=signed_loan(amount_kop=PRINCIPAL))

    row_15 = next(row for row in rendering.contract_rows(terms) if row[0] == "15")
    assert row_15[2] == "Не оказываются."


def test_the_quote_of_a_chosen_first_period_is_the_contracts(il_day):
    """The offer a borrower reads has the schedule and ПСК the signature then freezes."""
    quote = loan_quote(
        product=payday_product(), amount_kop=PRINCIPAL, term_days=56, first_period_days=21
    )

    assert quote.items[0].due_date == dt.date(2026, 10, 26)
    assert quote.psk.percent == Decimal("126.715")


def test_the_quote_of_a_fee_product_counts_the_fee_in_psk(pdl_day):
    quote = loan_quote(product=fee_product(), amount_kop=PRINCIPAL, term_days=30)

    assert quote.psk.percent == Decimal("196.633")
    assert quote.psk.amount_kop == 160_000


def test_the_database_refuses_a_negative_fee_at_signing(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        fee_product(code="pdl-negative", signing_fee_kop=-1)


def test_the_database_refuses_a_first_period_range_upside_down(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        IlProductFactory(code="il-upside-down", first_period_min_days=20, first_period_max_days=10)
