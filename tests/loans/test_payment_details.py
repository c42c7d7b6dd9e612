from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.errors import InvalidPaymentDetails
from loans.payment_details import (
    compute_control_digit,
    looks_like_card_number,
    validate_bank_account,
    validate_card,
)

SBER_MOSCOW_BIK = "044525225"
TODAY = date(2026, 6, 15)
TEST_CARD = "4111111111111111"


def with_control_digit(template: str, bik: str) -> str:
    digit = compute_control_digit(account_with_zero_control=template, bik=bik)
    return template[:8] + digit + template[9:]


def valid_card(**overrides):
    fields = {
        "token": "tok_3f9a1c2b7d",
        "last4": "1111",
        "exp_month": 12,
        "exp_year": 2027,
        "today": TODAY,
    }
    fields.update(overrides)
    return fields


def test_control_digit_matches_bank_of_russia_worked_example():
    # Bank of Russia rules of 08.09.1997 N 515, example 3: BIK 049805746, account 40602810K…25
    digit = compute_control_digit(account_with_zero_control="40602810000000000025", bik="049805746")

    assert digit == "7"


def test_account_with_computed_control_digit_is_valid():
    account = with_control_digit("40817810000000000001", SBER_MOSCOW_BIK)

    validate_bank_account(account=account, bik=SBER_MOSCOW_BIK)


def test_compute_control_digit_ignores_the_digit_already_in_place():
    assert compute_control_digit(
        account_with_zero_control="40817810900000000001", bik=SBER_MOSCOW_BIK
    ) == compute_control_digit(
        account_with_zero_control="40817810000000000001", bik=SBER_MOSCOW_BIK
    )


def test_wrong_control_digit_is_rejected():
    account = with_control_digit("40817810000000000001", SBER_MOSCOW_BIK)
    wrong = account[:8] + str((int(account[8]) + 1) % 10) + account[9:]

    with pytest.raises(InvalidPaymentDetails, match="control key") as refused:
        validate_bank_account(account=wrong, bik=SBER_MOSCOW_BIK)

    assert refused.value.field == "account"
    assert wrong not in refused.value.message


def test_account_valid_for_one_bank_is_rejected_for_another():
    account = with_control_digit("40817810000000000001", SBER_MOSCOW_BIK)

    with pytest.raises(InvalidPaymentDetails, match="control key"):
        validate_bank_account(account=account, bik="044525974")


@pytest.mark.parametrize(
    "account",
    [
        "4081781070000000000",
        "408178107000000000011",
        "4081781070000000000a",
        "40817 10700000000001",
    ],
)
def test_account_must_be_exactly_20_digits(account):
    with pytest.raises(InvalidPaymentDetails, match="20 digits") as refused:
        validate_bank_account(account=account, bik=SBER_MOSCOW_BIK)

    assert refused.value.field == "account"


def test_account_with_non_ascii_digits_is_rejected():
    arabic_indic = "٤٠٨١٧٨١٠٧٠٠٠٠٠٠٠٠٠٠١"

    with pytest.raises(InvalidPaymentDetails, match="20 digits"):
        validate_bank_account(account=arabic_indic, bik=SBER_MOSCOW_BIK)


@pytest.mark.parametrize("bik", ["04452522", "0445252250", "144525225", "04452522x"])
def test_bik_must_be_9_digits_starting_with_04(bik):
    with pytest.raises(InvalidPaymentDetails, match="BIK") as refused:
        validate_bank_account(account="40817810700000000001", bik=bik)

    assert refused.value.field == "bik"
    assert bik not in refused.value.message


@settings(max_examples=100, deadline=None)
@given(
    template=st.text(alphabet="0123456789", min_size=20, max_size=20),
    bik_tail=st.text(alphabet="0123456789", min_size=7, max_size=7),
)
def test_computed_control_digit_always_validates(template, bik_tail):
    bik = "04" + bik_tail

    validate_bank_account(account=with_control_digit(template, bik), bik=bik)


@pytest.mark.parametrize(
    "value",
    [
        TEST_CARD,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555555555554444",
        "6011000990139424",
    ],
)
def test_luhn_valid_card_numbers_are_detected(value):
    assert looks_like_card_number(value)


@pytest.mark.parametrize(
    "value", ["4111111111111112", "411111111111", "41111111111111111111", "tok_4111111111111111"]
)
def test_other_values_do_not_look_like_card_numbers(value):
    assert not looks_like_card_number(value)


def test_valid_card_token_is_accepted():
    validate_card(**valid_card())


@pytest.mark.parametrize("token", [TEST_CARD, "4111-1111-1111-1111"])
def test_card_number_as_token_is_rejected_without_echoing_it(token):
    with pytest.raises(InvalidPaymentDetails, match="card number") as refused:
        validate_card(**valid_card(token=token))

    assert refused.value.field == "token"
    assert "4111" not in str(refused.value)


@pytest.mark.parametrize("token", ["short", "x" * 129, "tok with spaces", "tok/slash!"])
def test_malformed_token_is_rejected(token):
    with pytest.raises(InvalidPaymentDetails) as refused:
        validate_card(**valid_card(token=token))

    assert refused.value.field == "token"
    assert token not in refused.value.message


@pytest.mark.parametrize("last4", ["111", "11111", "11a1", ""])
def test_last4_must_be_four_digits(last4):
    with pytest.raises(InvalidPaymentDetails, match="4 digits") as refused:
        validate_card(**valid_card(last4=last4))

    assert refused.value.field == "last4"


@pytest.mark.parametrize("month", [0, 13])
def test_expiry_month_must_be_1_to_12(month):
    with pytest.raises(InvalidPaymentDetails, match="month") as refused:
        validate_card(**valid_card(exp_month=month))

    assert refused.value.field == "exp_month"


def test_expired_card_is_rejected():
    with pytest.raises(InvalidPaymentDetails, match="expired"):
        validate_card(**valid_card(exp_month=5, exp_year=2026))


def test_card_is_valid_through_the_end_of_its_expiry_month():
    validate_card(**valid_card(exp_month=6, exp_year=2026, today=date(2026, 6, 30)))


def test_card_expired_last_year_is_rejected():
    with pytest.raises(InvalidPaymentDetails, match="expired"):
        validate_card(**valid_card(exp_month=12, exp_year=2025))
