"""Validation of payout details: Russian bank accounts and tokenised cards.

Rejected values never appear in error messages: they may be card data.
"""

import re
from datetime import date

from loans.errors import DomainError, InvalidPaymentDetails

_ACCOUNT_RE = re.compile(r"[0-9]{20}")
_BIK_RE = re.compile(r"04[0-9]{7}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,128}")
_LAST4_RE = re.compile(r"[0-9]{4}")
_CARD_DIGITS_RE = re.compile(r"[0-9]{13,19}")
_CARD_SEPARATORS_RE = re.compile(r"[ -]")

_KEY_WEIGHTS = (7, 1, 3)
_CONTROL_INDEX = 8  # the control key is the 9th digit of the account


def validate_bank_account(*, account: str, bik: str) -> None:
    """Check the account and BIK formats and the Bank of Russia control key."""
    _check_formats(account=account, bik=bik)
    if _key_sum(bik[-3:] + account) % 10:
        raise InvalidPaymentDetails(
            "the account number does not match the bank's BIK (control key mismatch)",
            field="account",
        )


def compute_control_digit(*, account_with_zero_control: str, bik: str) -> str:
    """The control digit (index 8) that makes the account valid for the BIK.

    The digit already at index 8 is ignored.
    """
    _check_formats(account=account_with_zero_control, bik=bik)
    zeroed = (
        account_with_zero_control[:_CONTROL_INDEX]
        + "0"
        + account_with_zero_control[_CONTROL_INDEX + 1 :]
    )
    # The control digit sits at position 3 + 8 = 11 of the 23-digit string, weight 3; since
    # 3 · 3 ≡ -1 (mod 10), digit 3·s mod 10 brings the key sum s to a multiple of 10.
    return str(_key_sum(bik[-3:] + zeroed) % 10 * 3 % 10)


def looks_like_card_number(value: str) -> bool:
    """True for 13–19 digits (spaces and dashes ignored) that pass the Luhn check."""
    digits = _CARD_SEPARATORS_RE.sub("", value)
    return bool(_CARD_DIGITS_RE.fullmatch(digits)) and _luhn_valid(digits)


def validate_card(*, token: str, last4: str, exp_month: int, exp_year: int, today: date) -> None:
    """Check a card token from the processor with its display data and expiry."""
    if not isinstance(token, str) or looks_like_card_number(token):
        raise InvalidPaymentDetails(
            "the token looks like a card number; send the processor's token, never the card",
            field="token",
        )
    if not _TOKEN_RE.fullmatch(token):
        raise InvalidPaymentDetails(
            "the token must be 8 to 128 characters of latin letters, digits, '_' or '-'",
            field="token",
        )
    if not isinstance(last4, str) or not _LAST4_RE.fullmatch(last4):
        raise InvalidPaymentDetails("last4 must be exactly 4 digits", field="last4")
    if not _is_int(exp_month) or not 1 <= exp_month <= 12:
        raise InvalidPaymentDetails("the expiry month must be 1 to 12", field="exp_month")
    if not _is_int(exp_year) or not 2000 <= exp_year <= 9999:
        raise InvalidPaymentDetails("the expiry year must have four digits", field="exp_year")
    # A card is valid through the last day of its expiry month.
    if (exp_year, exp_month) < (today.year, today.month):
        raise InvalidPaymentDetails("the card has expired", field="exp_year")


def _check_formats(*, account: str, bik: str) -> None:
    if not isinstance(bik, str) or not _BIK_RE.fullmatch(bik):
        raise InvalidPaymentDetails(
            "the BIK must be exactly 9 digits starting with 04", field="bik"
        )
    if not isinstance(account, str) or not _ACCOUNT_RE.fullmatch(account):
        raise InvalidPaymentDetails("the account must be exactly 20 digits", field="account")


def _key_sum(digits: str) -> int:
    """Σ of the last digits of digit × weight, weights 7, 1, 3 repeating."""
    return sum(int(d) * _KEY_WEIGHTS[i % 3] % 10 for i, d in enumerate(digits))


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def payout_destination_fields(*, method: str, destination: dict, today: date) -> dict:
    """The checked fields of a payout to the borrower's own card (a provider token, the last
    four digits and the expiry) or bank account (20 digits and BIK), as payout orders keep
    them; refused with the field at fault."""
    if method == "card":
        exp_month = _whole_number(destination.get("exp_month"), field="exp_month")
        exp_year = _whole_number(destination.get("exp_year"), field="exp_year")
        validate_card(
            token=destination.get("token", ""),
            last4=destination.get("last4", ""),
            exp_month=exp_month,
            exp_year=exp_year,
            today=today,
        )
        return {
            "card_token": destination["token"],
            "card_last4": destination["last4"],
            "card_exp_month": exp_month,
            "card_exp_year": exp_year,
        }
    if method == "bank_account":
        validate_bank_account(
            account=destination.get("account", ""), bik=destination.get("bik", "")
        )
        return {"account_number": destination["account"], "bik": destination["bik"]}
    raise DomainError(f"Unknown payout method '{method}'", code="invalid_method", field="method")


def _whole_number(value, *, field: str) -> int:
    """A card's expiry month or year as sent (number or digits); 0 when missing."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    what = "month" if field == "exp_month" else "year"
    raise InvalidPaymentDetails(f"the expiry {what} must be a whole number", field=field)
