"""The contract's УИд: a UUID with a check character, given at signing (218-FZ art. 4)."""

import re

import pytest
from django.urls import reverse

from loans.credit_uid import check_character, is_valid_credit_uid, new_credit_uid
from tests.factories import applied_loan, signed_loan

UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]$")


def test_a_new_uid_has_38_characters_in_the_bank_of_russias_layout():
    uid = new_credit_uid()
    assert len(uid) == 38 and UID.match(uid)


def test_the_check_character_is_the_weighted_sum_of_the_digits_modulo_16():
    # 32 ones: weights 1..10 three times and 1, 2 → 3 × 55 + 3 = 168; 168 mod 16 = 8.
    assert check_character("11111111-1111-1111-1111-111111111111") == "8"


def test_a_mistyped_uid_fails_its_check():
    uid = new_credit_uid()
    typo = format((int(uid[0], 16) + 1) % 16, "x") + uid[1:]  # the first digit, weight 1
    assert is_valid_credit_uid(uid) and not is_valid_credit_uid(typo)


def test_a_uid_without_the_check_character_is_not_valid():
    assert not is_valid_credit_uid(new_credit_uid()[:36])


def test_an_unsigned_application_has_no_uid(business_date):
    assert applied_loan().credit_uid is None


def test_signing_gives_the_contract_a_valid_uid(business_date):
    assert is_valid_credit_uid(signed_loan().credit_uid)


def test_every_contract_gets_its_own_uid(business_date):
    assert signed_loan().credit_uid != signed_loan().credit_uid


@pytest.mark.django_db
def test_the_admin_shows_the_uid_and_finds_the_loan_by_it(admin_client, business_date):
    loan = signed_loan()
    page = admin_client.get(reverse("admin:loans_loan_change", args=[loan.pk])).content.decode()
    assert loan.credit_uid in page
    found = admin_client.get(reverse("admin:loans_loan_changelist") + f"?q={loan.credit_uid}")
    assert f"/admin/loans/loan/{loan.pk}/change/" in found.content.decode()
