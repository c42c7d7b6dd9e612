"""Masking of borrowers' personal data for staff who may see a debtor but not the documents.

DESIGN.md: collectors see personal data masked except what they need. These helpers are pure
functions of a value so admin pages, the collector workbench and the API can share them.
"""

import re
from datetime import date

MASK = "•"


def mask_phone(phone: str) -> str:
    """+79161234567 → +7••••••••67 (country code and the last two digits stay)."""
    if not phone:
        return ""
    head, tail = phone[:2], phone[-2:]
    return head + MASK * max(len(phone) - 4, 0) + tail


def mask_name(full_name: str) -> str:
    """Иванова Мария Петровна → Иванова М. П. (surname and initials)."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])


def mask_passport(series: str, number: str) -> str:
    """4510 123456 → 45•• ••••56."""
    if not series and not number:
        return ""
    return f"{series[:2]}{MASK * 2} {MASK * 4}{number[-2:]}"


def mask_email(email: str) -> str:
    """ivan.petrov@example.com → i•••@example.com."""
    if not email or "@" not in email:
        return MASK * 3 if email else ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_birth_date(value: date | None) -> str:
    """Only the year of birth."""
    return str(value.year) if value else ""


def mask_digits(text: str) -> str:
    """Код 123456 для входа → Код •••••• для входа (every run of four or more digits)."""
    return re.sub(r"[0-9]{4,}", lambda run: MASK * len(run[0]), text)
