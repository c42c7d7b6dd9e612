"""Documents stored as shown: written once with their SHA-256 and template version, never changed.

The offer's contract is stored before a code can sign it; at signing, the terms read back from
the frozen loan must render to the very same text, which is stored again as the signed
contract (the same hash). A template change makes new documents only: a stored one keeps its
bytes.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loans.documents import rendering
from loans.documents.terms import contract_terms
from loans.errors import Conflict, DomainError, TransitionNotAllowed
from loans.models import ContractDocument, DocumentKind, Loan


class OfferChanged(DomainError):
    code = "offer_changed"


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@transaction.atomic
def document_store(
    *,
    loan: Loan,
    kind: str,
    template: rendering.DocumentTemplate,
    html: str,
    terms: dict,
    pdf: bytes | None = None,
) -> ContractDocument:
    """The stored document with this rendering, written (and its PDF produced from `html`
    unless given) the first time."""
    digest = sha256_hex(html)
    existing = ContractDocument.objects.filter(loan=loan, kind=kind, sha256=digest).first()
    if existing is not None:
        return existing
    if pdf is None:
        pdf = rendering.html_to_pdf(html)
    try:
        with transaction.atomic():
            return ContractDocument.objects.create(
                loan=loan,
                kind=kind,
                template_version=template.version,
                sha256=digest,
                html=html,
                pdf=pdf,
                pdf_sha256=sha256_hex(pdf),
                terms=terms,
            )
    except IntegrityError:  # written meanwhile by a concurrent request: that one stands
        return ContractDocument.objects.get(loan=loan, kind=kind, sha256=digest)


def offer_contract_hash(*, loan: Loan) -> str:
    """The hash the code signs for the offer shown now, without storing anything."""
    return sha256_hex(rendering.contract_html(contract_terms(loan=loan)))


def offer_contract(*, loan: Loan) -> ContractDocument:
    """The offer's contract as the borrower reads it now (approved, unsigned), stored."""
    if loan.signed_at is not None:
        raise TransitionNotAllowed("The offer is signed: its contract is the signed one")
    terms = contract_terms(loan=loan)
    return document_store(
        loan=loan,
        kind=DocumentKind.OFFER,
        template=rendering.CONTRACT,
        html=rendering.contract_html(terms),
        terms=terms,
    )


def offered_document(*, loan: Loan, sha256: str) -> ContractDocument:
    document = ContractDocument.objects.filter(
        loan=loan, kind=DocumentKind.OFFER, sha256=sha256
    ).first()
    if document is None:
        raise OfferChanged("The offer changed after the code was sent")
    return document


@transaction.atomic
def contract_signed_store(*, loan: Loan, offer: ContractDocument) -> ContractDocument:
    """After `loan_sign`: the frozen terms must be the offer's; the offer's text is stored as
    the signed contract."""
    terms = contract_terms(loan=loan)
    if terms != offer.terms:
        raise OfferChanged("The signed terms differ from the offer the borrower read")
    return document_store(
        loan=loan,
        kind=DocumentKind.SIGNED,
        template=rendering.CONTRACT,
        html=offer.html,
        terms=offer.terms,
        pdf=bytes(offer.pdf),
    )


def signed_contract(*, loan: Loan) -> ContractDocument:
    """The signed contract; for a loan signed without the borrower API (staff in the admin),
    rendered from its frozen terms the first time it is asked for."""
    document = (
        ContractDocument.objects.filter(loan=loan, kind=DocumentKind.SIGNED)
        .order_by("created_at", "pk")
        .first()
    )
    if document is not None:
        return document
    terms = contract_terms(loan=loan)
    return document_store(
        loan=loan,
        kind=DocumentKind.SIGNED,
        template=rendering.CONTRACT,
        html=rendering.contract_html(terms),
        terms=terms,
    )


def current_contract(*, loan: Loan) -> ContractDocument:
    """The contract a person should read now: the signed one, else the offer's."""
    if loan.signed_at is not None:
        return signed_contract(loan=loan)
    return offer_contract(loan=loan)


def schedule_document(*, loan: Loan) -> ContractDocument:
    """The payment schedule of the offer or of the signed contract, as its own document."""
    terms = contract_terms(loan=loan)
    return document_store(
        loan=loan,
        kind=DocumentKind.SCHEDULE,
        template=rendering.SCHEDULE,
        html=rendering.schedule_html(terms),
        terms=terms,
    )


class NoticeNotRequired(Conflict):
    code = "pdn_notice_not_required"


def pdn_notice(*, loan: Loan) -> ContractDocument:
    """The written notice of a debt load above 50 %, for the offer shown (or as signed)."""
    from loans.debt_load import debt_load_for_offer

    terms = contract_terms(loan=loan)
    debt_load = debt_load_for_offer(loan=loan)
    if debt_load is None or not debt_load.needs_notice:
        raise NoticeNotRequired(_("The debt load is not above 50 %: no notice is needed."))
    pdn = rendering.pdn_terms(debt_load)
    return document_store(
        loan=loan,
        kind=DocumentKind.PDN_NOTICE,
        template=rendering.PDN_NOTICE,
        html=rendering.pdn_notice_html(terms, pdn),
        terms={**terms, "pdn": pdn},
    )
