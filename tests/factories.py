"""Factories: rows built through the same services production uses wherever a rule applies."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from loans import services
from loans.business_date import current_business_date, set_business_date
from loans.gateway import SandboxGateway
from loans.models import Borrower, CalendarOverride, Loan, Product, ProductKind, Region
from loans.models.products import PenaltyMode
from loans.payment_details import compute_control_digit

_phones = itertools.count(9_000_000_000)
_passports = itertools.count(100_000)

DEMO_BIK = "044525225"


def valid_account() -> str:
    digit = compute_control_digit(account_with_zero_control="40817810000000000001", bik=DEMO_BIK)
    return f"40817810{digit}00000000001"


class CalendarOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarOverride

    day = dt.date(2028, 1, 10)
    is_working = False
    name = "Перенос выходного дня"
    decree = "Постановление Правительства РФ (тест)"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "77"
    name = "Москва"
    time_zone = "Europe/Moscow"
    average_income_kop = 13_000_000


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    full_name = factory.Sequence(lambda n: f"Иванов Иван {n}")
    birth_date = dt.date(1990, 5, 17)
    phone = factory.LazyFunction(lambda: f"+7{next(_phones)}")
    passport_series = "4510"
    passport_number = factory.LazyFunction(lambda: f"{next(_passports):06d}")
    region = factory.SubFactory(RegionFactory)
    time_zone = "Europe/Moscow"
    employment = "employed"
    declared_income_kop = 8_000_000


class PdlProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = "pdl30"
    name = "До зарплаты"
    kind = ProductKind.PDL
    min_amount_kop = 100_000
    max_amount_kop = 3_000_000
    min_term_days = 5
    max_term_days = 30
    daily_rate_ppm = 8000
    penalty_mode = PenaltyMode.ANNUAL_WITH_INTEREST
    max_prolongations = 3
    prolongation_fee_kop = 0


class IlProductFactory(PdlProductFactory):
    code = "il168"
    name = "Рассрочка"
    kind = ProductKind.IL
    min_amount_kop = 1_000_000
    max_amount_kop = 10_000_000
    min_term_days = 56
    max_term_days = 168
    daily_rate_ppm = 3500
    period_days = 14
    max_prolongations = 0


def applied_loan(
    *, product=None, borrower=None, amount_kop=1_000_000, term_days=30, first_period_days=None
) -> Loan:
    return services.loan_apply(
        borrower=borrower or BorrowerFactory(),
        product=product or PdlProductFactory(),
        amount_kop=amount_kop,
        term_days=term_days,
        first_period_days=first_period_days,
    )


def bureaus_answered(borrower: Borrower, *, high_psk_loans: int = 0) -> None:
    """The bureaus answered just now (what the signing service does when the answer is stale),
    keeping the self-ban on record as it is."""
    services.borrower_record_self_ban(
        borrower=borrower,
        active=bool(borrower.self_ban_active),
        checked_at=timezone.now(),
        high_psk_loans=high_psk_loans,
    )


def signed_loan(**kwargs) -> Loan:
    loan = applied_loan(**kwargs)
    loan = services.loan_score(loan=loan)
    loan = services.loan_approve(loan=loan)
    if not services.bureau_answer_is_fresh(borrower=loan.borrower):
        bureaus_answered(loan.borrower)
        loan.borrower.refresh_from_db()
    return services.loan_sign(loan=loan)


def live_loan(*, on: dt.date | None = None, **kwargs) -> Loan:
    """A loan paid out and serviced, issued on `on` (the business date is moved there)."""
    if on is not None:
        set_business_date(on=on)
    else:
        current_business_date()
    loan = signed_loan(**kwargs)
    SandboxGateway.reset()
    services.loan_disburse(
        loan=loan,
        method="bank_account",
        destination={"account": valid_account(), "bik": DEMO_BIK},
    )
    return Loan.objects.get(pk=loan.pk)


_client_phones = itertools.count(9_300_000_000)


def payment_intent(*, amount_kop: int, loan: Loan | None = None, credit_line=None):
    """A payment the borrower started at the provider (what the API's repayment start writes),
    for a loan or a card; the provider's webhook settles it."""
    from clientapi.models import ClientAccount, IntentPurpose, PaymentIntent

    borrower = loan.borrower if loan is not None else credit_line.borrower
    account = ClientAccount.objects.filter(borrower=borrower).first()
    if account is None:
        account = ClientAccount.objects.create(phone=f"+7{next(_client_phones)}", borrower=borrower)
    return PaymentIntent.objects.create(
        loan=loan,
        credit_line=credit_line,
        account=account,
        purpose=IntentPurpose.REPAYMENT,
        amount_kop=amount_kop,
        confirmation_url="https://pay.sandbox.invalid/checkout/",
    )
