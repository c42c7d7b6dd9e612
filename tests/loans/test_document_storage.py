"""Stored documents are evidence: written once, never changed, whatever the template does."""

import pytest
from django.core.exceptions import ValidationError

from loans import services
from loans.documents import rendering, storage
from loans.models import ContractDocument
from tests.factories import applied_loan, signed_loan


def approved():
    return services.loan_approve(loan=services.loan_score(loan=applied_loan()))


def test_a_stored_document_cannot_be_changed(business_date):
    document = storage.offer_contract(loan=approved())
    document.template_version = "edited"
    with pytest.raises(ValidationError):
        document.save()


def test_the_same_offer_is_stored_once(business_date):
    loan = approved()
    assert storage.offer_contract(loan=loan).pk == storage.offer_contract(loan=loan).pk
    assert ContractDocument.objects.filter(loan=loan).count() == 1


def test_a_template_change_makes_a_new_document_and_leaves_the_stored_one(
    business_date, monkeypatch
):
    loan = approved()
    first = storage.offer_contract(loan=loan)
    stored_pdf, stored_version = bytes(first.pdf), first.template_version
    monkeypatch.setattr(
        rendering, "CONTRACT", rendering.DocumentTemplate(rendering.CONTRACT.name, "ИУ-next", "ИУ")
    )
    second = storage.offer_contract(loan=loan)
    assert second.pk != first.pk
    assert second.template_version == "ИУ-next"
    first.refresh_from_db()
    assert bytes(first.pdf) == stored_pdf
    assert first.template_version == stored_version


def test_a_loan_signed_by_staff_gets_its_contract_from_the_frozen_terms(business_date):
    loan = signed_loan()
    document = storage.signed_contract(loan=loan)
    assert document.kind == "signed"
    assert document.terms["psk_percent"] == str(loan.psk_percent)
