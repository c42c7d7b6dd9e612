"""An application through the API and its offer: what the application needs first, the code
that signs the offer, signing and the payout, cancelling, and another payout method after a
failed payout."""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from clientapi import profiles, selectors, signing
from clientapi.models import (
    ClientAccount,
    CodePurpose,
    LoanRequest,
    OneTimeCode,
    PayoutDestination,
    Signature,
)
from clientapi.refusals import (
    ConsentsRequired,
    ProfileRequired,
    ProfileUnderReview,
    SigningPaused,
    WrongCode,
)
from clientapi.services.codes import code_consume, code_send
from loans import debt_load as debt_loads
from loans import services as loan_services
from loans.documents import storage as documents
from loans.errors import DomainError, TransitionNotAllowed
from loans.models import Borrower, Loan, LoanStatus, PayoutOrder


def application_preflight(
    *, account: ClientAccount, destination_id: int
) -> tuple[Borrower, PayoutDestination]:
    """What an application needs before it reaches the loan core."""
    if profiles.passport_review_pending(account=account):
        raise ProfileUnderReview("The passport waits for staff review")
    if account.borrower_id is None:
        raise ProfileRequired("The profile is not filled in")
    if selectors.missing_consents(account=account):
        raise ConsentsRequired("Consents are missing")
    destination = selectors.account_destinations(account=account).filter(pk=destination_id).first()
    if destination is None:
        raise DomainError(
            "Unknown payout method", code="invalid_payout_method", field="payout_method"
        )
    return account.borrower, destination


@transaction.atomic
def offer_code_send(*, account: ClientAccount, loan: Loan) -> OneTimeCode:
    """Store the offer's contract as the borrower can read it now and send the code that signs
    its hash (the SHA-256 of its canonical rendering), within the signing limits
    (clientapi.signing)."""
    signing.signing_code_allowed(account=account, loan=loan)
    selectors.offer_quote(loan=loan)
    document = documents.offer_contract(loan=loan)
    debt_load = debt_loads.debt_load_for_offer(loan=loan)
    if debt_load is not None and debt_load.needs_notice:
        documents.pdn_notice(loan=loan)  # stored before the code that signs can be sent
    return code_send(
        phone=account.phone,
        purpose=CodePurpose.SIGN_OFFER,
        loan=loan,
        document_hash=document.sha256,
    )


def offer_sign(
    *,
    account: ClientAccount,
    loan: Loan,
    code: str,
    ip: str | None,
    destination: PayoutDestination | None = None,
    pdn_notice_acknowledged: bool = False,
) -> PayoutOrder:
    """Sign with the code and order the payout to the method chosen in the application, or to
    `destination` (required when the application was not made through the API: a loan staff
    registered, or a seeded one).

    A debt load above 50 % needs the borrower's acknowledgement of the written notice; without
    it signing is refused before the code is checked (the code stays usable).
    Not one transaction on purpose: a wrong code must stay counted when signing is refused.
    """
    if loan.status != LoanStatus.APPROVED or loan.signed_at is not None:
        raise DomainError("Only an approved, unsigned offer can be signed", code="already_signed")
    request = LoanRequest.objects.select_related("payout_destination").filter(loan=loan).first()
    if destination is None and request is None:
        raise DomainError(
            "Choose where the money goes", code="payout_method_required", field="payout_method"
        )
    debt_load = debt_loads.debt_load_for_offer(loan=loan)
    if debt_load is not None and debt_load.needs_notice and not pdn_notice_acknowledged:
        raise DomainError(
            "The debt load is above 50 %: read the notice and acknowledge it to sign",
            code="pdn_notice_required",
            field="pdn_notice_acknowledged",
        )
    signing.signing_lock_check(loan=loan)
    # The bureaus (when their answer is stale) before the code is used and the loan locked:
    # if they do not answer, the borrower retries later with the same code.
    import_string(settings.SIGNING_BUREAU_CHECK)(loan=loan)
    try:
        otp = code_consume(
            phone=account.phone, purpose=CodePurpose.SIGN_OFFER, code=code, loan=loan
        )
    except WrongCode:
        pause = signing.signing_failure_record(account=account, loan=loan)
        if pause is not None:
            raise SigningPaused("Signing is paused after wrong codes", retry_after=pause) from None
        raise
    return _sign_and_disburse(
        account=account,
        loan=loan,
        otp=otp,
        code=code,
        ip=ip,
        destination=destination,
        request=request,
        acknowledged=pdn_notice_acknowledged,
    )


def _payout_destination_for(
    *,
    account: ClientAccount,
    loan: Loan,
    destination: PayoutDestination | None,
    request: LoanRequest | None,
) -> PayoutDestination:
    """The method the money goes to, kept on the loan's request record (made here for a loan
    that has none). The caller holds the loan's row lock."""
    if destination is None:
        if request is None:
            raise DomainError(
                "Choose where the money goes", code="payout_method_required", field="payout_method"
            )
        return request.payout_destination
    if request is None:
        LoanRequest.objects.create(loan=loan, account=account, payout_destination=destination)
    elif request.payout_destination_id != destination.pk:
        request.payout_destination = destination
        request.save(update_fields=["payout_destination"])
    return destination


@transaction.atomic
def _sign_and_disburse(
    *,
    account: ClientAccount,
    loan: Loan,
    otp: OneTimeCode,
    code: str,
    ip: str | None,
    destination: PayoutDestination | None,
    request: LoanRequest | None,
    acknowledged: bool,
) -> PayoutOrder:
    loan = Loan.objects.select_for_update().select_related("product", "borrower").get(pk=loan.pk)
    selectors.offer_quote(loan=loan)
    # The code signed the stored offer; the offer shown now must still be that one.
    offer = documents.offered_document(loan=loan, sha256=otp.document_hash)
    if documents.offer_contract_hash(loan=loan) != offer.sha256:
        raise DomainError("The offer changed after the code was sent", code="offer_changed")
    loan = loan_services.loan_sign(loan=loan)
    signed = documents.contract_signed_store(loan=loan, offer=offer)
    debt_load = debt_loads.debt_load_freeze(loan=loan)
    if debt_load is not None and debt_load.needs_notice:
        documents.pdn_notice(loan=loan)
        debt_loads.debt_load_acknowledge(debt_load=debt_load, acknowledged=acknowledged)
    Signature.objects.create(
        loan=loan,
        account=account,
        code=code,
        document_hash=signed.sha256,
        document=signed.terms,
        ip=ip,
    )
    destination = _payout_destination_for(
        account=account, loan=loan, destination=destination, request=request
    )
    return loan_services.loan_disburse(
        loan=loan, method=destination.kind, destination=destination.destination()
    )


@transaction.atomic
def application_cancel(*, loan: Loan) -> Loan:
    if loan.signed_at is not None:
        raise TransitionNotAllowed("A signed offer cannot be cancelled")
    return loan_services.loan_cancel(loan=loan, reason="cancelled by the borrower")


@transaction.atomic
def payout_retry(
    *, account: ClientAccount, loan: Loan, destination: PayoutDestination
) -> PayoutOrder:
    """After a failed payout the borrower picks a method again."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    request = LoanRequest.objects.filter(loan=loan).first()
    _payout_destination_for(account=account, loan=loan, destination=destination, request=request)
    return loan_services.loan_disburse(
        loan=loan, method=destination.kind, destination=destination.destination()
    )
