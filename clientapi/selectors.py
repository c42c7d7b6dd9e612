"""Reads of the borrower API: own objects only, offers and the loan calculator."""

from django.db.models import QuerySet
from django.http import Http404

from clientapi.models import ClientAccount, Consent, ConsentKind, PayoutDestination
from kernel.errors import DomainError
from loans import selectors as loan_selectors
from loans.models import Loan, LoanStatus, Product
from loans.selectors import Quote, loan_quote

# The versions of the documents a borrower consents to; a new version needs a new consent.
CONSENT_DOCUMENT_VERSIONS = {
    ConsentKind.PERSONAL_DATA: "2026-01",
    ConsentKind.CREDIT_BUREAU: "2026-01",
    ConsentKind.E_SIGNATURE: "2026-01",
}


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("code")


def active_product(*, code: str) -> Product:
    product = active_products().filter(code=code).first()
    if product is None:
        raise DomainError("Unknown product", code="product_inactive", field="product")
    return product


def account_loans(*, account: ClientAccount) -> QuerySet[Loan]:
    if account.borrower_id is None:
        return Loan.objects.none()
    return loan_selectors.borrower_loans(borrower=account.borrower)


def account_loan(*, account: ClientAccount, pk, for_update: bool = False) -> Loan:
    """The account's own loan; any other id is simply not found."""
    loans = account_loans(account=account)
    if for_update:
        loans = loans.select_for_update()
    loan = loans.filter(pk=pk).first() if str(pk).isdigit() else None
    if loan is None:
        raise Http404
    return loan


def account_destinations(*, account: ClientAccount) -> QuerySet[PayoutDestination]:
    return account.payout_destinations.filter(removed_at__isnull=True)


def missing_consents(*, account: ClientAccount) -> list[str]:
    given = set(Consent.objects.filter(account=account).values_list("kind", "document_version"))
    return [kind for kind, v in CONSENT_DOCUMENT_VERSIONS.items() if (kind, v) not in given]


def offer_quote(*, loan: Loan) -> Quote:
    if loan.status != LoanStatus.APPROVED or loan.signed_at is not None:
        raise Http404
    return loan_quote(
        product=loan.product,
        amount_kop=loan.principal_kop,
        term_days=loan.term_days,
        daily_rate_ppm=loan.daily_rate_ppm,
        first_period_days=loan.first_period_days,
    )
