"""Repayments and prolongations started at the payment provider, for a loan or the virtual
card: the money arrives by the provider's webhook (clientapi.services.webhooks)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce

from cards import accrual as card_accrual
from cards.errors import CreditLineClosed
from cards.models import CreditLine, CreditLineStatus
from clientapi.models import ClientAccount, IntentPurpose, IntentStatus, PaymentIntent
from loans import services as loan_services
from loans.errors import DomainError, InvalidAmount, TransitionNotAllowed
from loans.models import Loan, LoanStatus


def _intent(
    *,
    account: ClientAccount,
    purpose: str,
    amount_kop: int,
    loan: Loan | None = None,
    credit_line: CreditLine | None = None,
    days=None,
):
    intent = PaymentIntent(
        loan=loan,
        credit_line=credit_line,
        account=account,
        purpose=purpose,
        amount_kop=amount_kop,
        prolongation_days=days,
    )
    intent.confirmation_url = f"{settings.PAYMENT_PAGE_URL}{intent.pk}"
    intent.save()
    return intent


def _check_within_debt(*, amount_kop: int, full_kop: int, started_kop: int) -> None:
    """A new payment, with those already started and not yet paid, is at most the debt."""
    if amount_kop + started_kop <= full_kop:
        return
    raise InvalidAmount(
        f"The full repayment today is {full_kop} kop, {started_kop} kop of it already started",
        code="amount_above_debt",
        field="amount_kop",
    )


@transaction.atomic
def repayment_start(*, account: ClientAccount, loan: Loan, amount_kop: int) -> PaymentIntent:
    if loan.status not in (LoanStatus.SERVICED, LoanStatus.OVERDUE):
        raise TransitionNotAllowed("Only a live loan takes repayments")
    loan = Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)
    full = loan_services.repayment_quote_kop(loan=loan)
    started = loan.payment_intents.filter(status=IntentStatus.PENDING).aggregate(
        total=Coalesce(Sum("amount_kop"), 0)
    )["total"]
    _check_within_debt(amount_kop=amount_kop, full_kop=full, started_kop=started)
    return _intent(
        account=account, loan=loan, purpose=IntentPurpose.REPAYMENT, amount_kop=amount_kop
    )


@transaction.atomic
def prolongation_start(*, account: ClientAccount, loan: Loan, days: int) -> PaymentIntent:
    quote = loan_services.prolongation_quote(loan=loan, days=days)
    if quote["pay_kop"] <= 0:
        # The core takes a prolongation only against a payment.
        raise DomainError(
            "Nothing has accrued yet; a prolongation is possible from tomorrow",
            code="prolongation_not_due",
        )
    return _intent(
        account=account,
        loan=loan,
        purpose=IntentPurpose.PROLONGATION,
        amount_kop=quote["pay_kop"],
        days=days,
    )


@transaction.atomic
def credit_line_repayment_start(
    *, account: ClientAccount, credit_line: CreditLine, amount_kop: int
) -> PaymentIntent:
    """Start a card repayment at the provider. With the card's payments already started and not
    yet paid, at most the whole debt of today: the card keeps no overpayment. Nothing reaches
    the card until the provider's webhook says the money is paid."""
    line = CreditLine.objects.select_for_update().get(pk=credit_line.pk)
    if line.status == CreditLineStatus.CLOSED:
        raise CreditLineClosed("The credit line is closed")
    full = card_accrual.credit_line_repayment_quote_kop(credit_line=line)
    started = line.payment_intents.filter(status=IntentStatus.PENDING).aggregate(
        total=Coalesce(Sum("amount_kop"), 0)
    )["total"]
    _check_within_debt(amount_kop=amount_kop, full_kop=full, started_kop=started)
    return _intent(
        account=account, credit_line=line, purpose=IntentPurpose.REPAYMENT, amount_kop=amount_kop
    )
