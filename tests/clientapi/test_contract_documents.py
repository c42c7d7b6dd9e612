"""The borrower reads the contract before signing; the code signs that stored document."""

import hashlib

from clientapi.models import Signature
from loans.business_date import set_business_date
from loans.models import ContractDocument, DocumentKind
from tests.clientapi.conftest import approved_application, last_code, sign
from tests.conftest import ISSUE_DATE


def _contract(api, loan_id):
    return api.get(f"/api/v1/applications/{loan_id}/contract/")


def test_the_offers_contract_is_served_as_pdf_with_the_hash_the_code_will_sign(borrower_api):
    application = approved_application(borrower_api)
    answer = _contract(borrower_api, application["id"])
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert answer["X-Document-SHA256"] == application["offer"]["document_hash"]
    assert answer["X-PDF-SHA256"] == hashlib.sha256(answer.content).hexdigest()


def test_asking_for_the_code_stores_the_offers_contract_with_its_hash(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    offer = ContractDocument.objects.get(loan_id=loan_id, kind=DocumentKind.OFFER)
    assert offer.sha256 == hashlib.sha256(offer.html.encode()).hexdigest()
    assert offer.pdf_sha256 == hashlib.sha256(bytes(offer.pdf)).hexdigest()
    assert offer.template_version


def test_the_signature_is_of_the_stored_offer_and_the_signed_contract_is_that_document(
    borrower_api,
):
    loan_id = approved_application(borrower_api)["id"]
    offered = _contract(borrower_api, loan_id)
    assert sign(borrower_api, loan_id).status_code == 201
    signature = Signature.objects.get(loan_id=loan_id)
    signed = ContractDocument.objects.get(loan_id=loan_id, kind=DocumentKind.SIGNED)
    assert signature.document_hash == offered["X-Document-SHA256"] == signed.sha256
    assert bytes(signed.pdf) == offered.content
    assert signature.document == signed.terms


def test_after_signing_the_api_serves_the_signed_contract(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert sign(borrower_api, loan_id).status_code == 201
    answer = _contract(borrower_api, loan_id)
    assert answer.status_code == 200
    signed = ContractDocument.objects.get(loan_id=loan_id, kind=DocumentKind.SIGNED)
    assert answer["X-Document-SHA256"] == signed.sha256
    assert answer.content == bytes(signed.pdf)


def test_another_borrowers_contract_is_not_found(borrower_api, api_factory):
    loan_id = approved_application(borrower_api)["id"]
    stranger = api_factory()
    for url in ("contract", "schedule-document"):
        answer = stranger.get(f"/api/v1/applications/{loan_id}/{url}/")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


def test_a_cancelled_application_has_no_contract_to_read(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert borrower_api.post(f"/api/v1/applications/{loan_id}/cancel/").status_code == 200
    answer = _contract(borrower_api, loan_id)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "contract_unavailable"
    assert "не одобрена" in answer.json()["error"]["message"]


def test_the_schedule_is_a_document_of_its_own_whose_totals_sum(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    answer = borrower_api.get(f"/api/v1/applications/{loan_id}/schedule-document/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    schedule = ContractDocument.objects.get(loan_id=loan_id, kind=DocumentKind.SCHEDULE)
    rows = schedule.terms["schedule"]
    assert sum(r["principal_kop"] for r in rows) == schedule.terms["principal_kop"]
    assert sum(r["interest_kop"] for r in rows) == schedule.terms["interest_total_kop"]
    assert sum(r["total_kop"] for r in rows) == schedule.terms["total_kop"]


def test_signing_is_refused_when_the_offer_changed_after_the_code_was_sent(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    code = last_code(borrower_api.phone)
    # The next business day the schedule starts a day later: another contract.
    set_business_date(on=ISSUE_DATE.replace(day=ISSUE_DATE.day + 1))
    answer = borrower_api.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": code},
        format="json",
        HTTP_IDEMPOTENCY_KEY="sign-changed",
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "offer_changed"
    assert not Signature.objects.filter(loan_id=loan_id).exists()
