"""The contract's unique identifier (УИд, 218-FZ art. 4; the Bank of Russia's rules for it).

Thirty-eight characters: a UUID (32 lowercase hexadecimal digits in five hyphenated groups)
followed by a hyphen and one check character, NNNNNNNN-NNNN-NNNN-NNNN-NNNNNNNNNNNN-K. The check
character is computed from the 32 digits alone: each digit's value (0–15) is multiplied by its
weight, the weights running 1, 2, …, 10 and starting again, and the sum modulo 16 is written as
one hexadecimal digit. (The weighting is the one the Bank of Russia's reference program uses as
we read it; `check_character` is the single place to correct should the text say otherwise.)
Given when the loan is approved (the offer's contract names it; signing keeps it), stored on
the loan (`credit_uid`), printed on the contract and sent with every bureau event.
"""

import re
import uuid

PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]$")
WEIGHTS = tuple(range(1, 11))


def check_character(uuid_text: str) -> str:
    digits = uuid_text.replace("-", "").lower()
    if len(digits) != 32 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"not a UUID: {uuid_text!r}")
    total = sum(int(c, 16) * WEIGHTS[i % len(WEIGHTS)] for i, c in enumerate(digits))
    return format(total % 16, "x")


def new_credit_uid() -> str:
    text = str(uuid.uuid4())
    return f"{text}-{check_character(text)}"


def is_valid_credit_uid(value: str) -> bool:
    """Well formed and its check character right (a mistyped УИд is caught)."""
    if not isinstance(value, str) or not PATTERN.match(value):
        return False
    return check_character(value[:36]) == value[-1]
