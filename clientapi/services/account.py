"""What the borrower keeps on the account: consents to the documents and payout methods."""

from django.db import transaction
from django.utils import timezone

from clientapi import selectors
from clientapi.models import ClientAccount, Consent, PayoutDestination, PayoutMethodKind
from loans.business_date import current_business_date
from loans.errors import DomainError
from loans.payment_details import validate_bank_account, validate_card


@transaction.atomic
def consent_give(
    *, account: ClientAccount, kind: str, document_version: str, ip: str | None
) -> Consent:
    current = selectors.CONSENT_DOCUMENT_VERSIONS[kind]
    if document_version != current:
        raise DomainError(
            f"The current version of this document is {current}",
            code="outdated_document",
            field="document_version",
        )
    consent, _ = Consent.objects.get_or_create(
        account=account, kind=kind, document_version=document_version, defaults={"ip": ip}
    )
    return consent


@transaction.atomic
def payout_destination_add(*, account: ClientAccount, kind: str, data: dict) -> PayoutDestination:
    destination = PayoutDestination(account=account, kind=kind)
    if kind == PayoutMethodKind.CARD:
        validate_card(
            token=data["token"],
            last4=data["last4"],
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            today=current_business_date(),
        )
        destination.card_token = data["token"]
        destination.card_last4 = data["last4"]
        destination.card_exp_month = data["exp_month"]
        destination.card_exp_year = data["exp_year"]
    else:
        validate_bank_account(account=data["account"], bik=data["bik"])
        destination.account_number = data["account"]
        destination.bik = data["bik"]
    destination.save()
    return destination


@transaction.atomic
def payout_destination_remove(*, destination: PayoutDestination) -> None:
    destination.removed_at = timezone.now()
    destination.save(update_fields=["removed_at"])
