"""A debt load above 50 %: the borrower reads the notice and acknowledges it when signing."""

from loans.models import Borrower, ContractDocument, DebtLoad, DocumentKind
from tests.clientapi.conftest import approved_application, last_code


def _heavy(api) -> int:
    """An approved application whose borrower's income makes the ПДН 62 %."""
    loan_id = approved_application(api)["id"]
    Borrower.objects.filter(loans__pk=loan_id).update(declared_income_kop=2_000_000)
    return loan_id


def _sign(api, loan_id, **extra):
    assert api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    return api.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": last_code(api.phone), **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"sign-{loan_id}-{len(extra)}",
    )


def test_the_offer_says_when_a_debt_load_notice_is_required(borrower_api):
    loan_id = _heavy(borrower_api)
    offer = borrower_api.get(f"/api/v1/applications/{loan_id}/").json()["offer"]
    assert offer["pdn_notice_required"] is True


def test_the_notice_is_served_as_pdf_before_signing(borrower_api):
    loan_id = _heavy(borrower_api)
    answer = borrower_api.get(f"/api/v1/applications/{loan_id}/pdn-notice/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert ContractDocument.objects.filter(loan_id=loan_id, kind=DocumentKind.PDN_NOTICE).exists()


def test_signing_without_acknowledging_the_notice_is_refused_clearly(borrower_api):
    loan_id = _heavy(borrower_api)
    answer = _sign(borrower_api, loan_id)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "pdn_notice_required"
    assert error["field"] == "pdn_notice_acknowledged"
    assert "50 %" in error["message"]


def test_signing_with_the_acknowledgement_keeps_it_with_the_frozen_debt_load(borrower_api):
    loan_id = _heavy(borrower_api)
    answer = _sign(borrower_api, loan_id, pdn_notice_acknowledged=True)
    assert answer.status_code == 201, answer.json()
    debt_load = DebtLoad.objects.get(loan_id=loan_id)
    assert debt_load.frozen and debt_load.needs_notice
    assert debt_load.notice_acknowledged_at is not None


def test_no_notice_is_served_when_the_debt_load_is_not_above_fifty(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    answer = borrower_api.get(f"/api/v1/applications/{loan_id}/pdn-notice/")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "pdn_notice_not_required"
