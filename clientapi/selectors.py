"""Reads of the borrower API: own objects only, offers and the loan calculator."""

import hashlib
import json

from django.db.models import QuerySet
from django.http import Http404

from clientapi.models import ClientAccount, Consent, ConsentKind, PayoutDestination
from loans import selectors as loan_selectors
from loans.errors import DomainError
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
    )


def offer_document(*, loan: Loan, quote: Quote) -> dict:
    """The offer as the borrower signs it; its hash binds the signature to these terms."""
    return {
        "loan_id": loan.pk,
        "borrower_id": loan.borrower_id,
        "product": loan.product.code,
        "principal_kop": quote.principal_kop,
        "term_days": quote.term_days,
        "daily_rate_ppm": loan.daily_rate_ppm or loan.product.daily_rate_ppm,
        "issue_date": quote.issue_date.isoformat(),
        "schedule": [
            [i.seq, i.due_date.isoformat(), i.principal_kop, i.interest_kop] for i in quote.items
        ],
        "total_kop": quote.total_kop,
        "psk_percent": str(quote.psk.percent),
        "psk_kop": quote.psk.amount_kop,
        "currency": "RUB",
    }


def document_hash(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
