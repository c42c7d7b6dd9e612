"""Staff pages of the loan core: a loan's documents as PDF."""

import logging

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from kernel.errors import DomainError
from kernel.roles import ROLES, role_required
from loans.documents import storage
from loans.documents.http import pdf_response
from loans.models import ContractDocument, Loan

log = logging.getLogger("zaymer.security")

# The document a staff member asks for by name: made (and stored) on first request.
DOCUMENTS = {
    "contract": storage.current_contract,
    "schedule": storage.schedule_document,
    "pdn-notice": storage.pdn_notice,
}


def _shown(request, document: ContractDocument) -> HttpResponse:
    log.info(
        "document shown",
        extra={
            "fields": {
                "user_id": request.user.pk,
                "loan_id": document.loan_id,
                "document_id": document.pk,
                "kind": document.kind,
            }
        },
    )
    return pdf_response(document)


@role_required(*ROLES)
def loan_document(request, loan_id: int, name: str):
    """The loan's contract (the signed one, else the offer's) or schedule, as PDF."""
    make = DOCUMENTS.get(name)
    if make is None:
        raise Http404
    loan = get_object_or_404(Loan.objects.select_related("product", "borrower"), pk=loan_id)
    try:
        document = make(loan=loan)
    except DomainError as refusal:
        return HttpResponse(refusal.message, status=409, content_type="text/plain; charset=utf-8")
    return _shown(request, document)


@role_required(*ROLES)
def stored_document(request, pk: int):
    """One stored document exactly as it was written."""
    return _shown(request, get_object_or_404(ContractDocument, pk=pk))
