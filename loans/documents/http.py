"""A stored document as an HTTP answer, the same for the borrower API and the staff pages."""

from django.http import HttpResponse

from loans.models import ContractDocument


def pdf_response(document: ContractDocument) -> HttpResponse:
    """The PDF bytes as stored; `X-Document-SHA256` is the hash of the canonical rendering (what
    the signing code signs), `X-PDF-SHA256` the hash of these bytes."""
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["X-Document-SHA256"] = document.sha256
    response["X-PDF-SHA256"] = document.pdf_sha256
    response["X-Template-Version"] = document.template_version
    response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.loan_id}.pdf"'
    return response
