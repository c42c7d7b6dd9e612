"""Identity checks for the dossier: is this person who the application says, and alone?"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from loans.models import Borrower, PayoutOrder
from loans.models.borrowers import age_years
from underwriting.models import NumberingRange, ReviewTask

OK, WARN, UNKNOWN = "ok", "warn", "unknown"
# A passport is issued at 14 and replaced at 20 and at 45 (Government decree No. 828). Blanks
# are printed ahead of issue, so the series year may be a little before the year of issue.
PASSPORT_AGES = (14, 20, 45)
SERIES_YEAR_SLACK = 3


@dataclass(frozen=True)
class IdentityCheck:
    name: str
    state: str
    detail: str


def identity_checks(*, borrower: Borrower, card_token: str, on: date) -> list[IdentityCheck]:
    return [
        _same_document(borrower),
        _same_phone(borrower),
        _same_card(borrower, card_token),
        passport_age_check(series=borrower.passport_series, birth_date=borrower.birth_date, on=on),
        phone_region_check(borrower),
    ]


def _other_borrowers(borrower: Borrower, **match) -> list[int]:
    """Other borrowers that have (or ever had) these details, from the change history."""
    return sorted(
        set(Borrower.history.filter(**match).exclude(id=borrower.pk).values_list("id", flat=True))
    )


def _listing(ids: list[int]) -> str:
    return ", ".join(f"#{pk}" for pk in ids[:5]) + ("…" if len(ids) > 5 else "")


def _same_document(borrower: Borrower) -> IdentityCheck:
    others = _other_borrowers(
        borrower,
        passport_series=borrower.passport_series,
        passport_number=borrower.passport_number,
    )
    name = _("Same passport under another borrower")
    if others:
        return IdentityCheck(name, WARN, _("Also on borrowers %(ids)s") % {"ids": _listing(others)})
    return IdentityCheck(name, OK, _("Not found"))


def _same_phone(borrower: Borrower) -> IdentityCheck:
    others = _other_borrowers(borrower, phone=borrower.phone)
    name = _("Same phone under another borrower")
    if others:
        return IdentityCheck(name, WARN, _("Also on borrowers %(ids)s") % {"ids": _listing(others)})
    return IdentityCheck(name, OK, _("Not found"))


def _same_card(borrower: Borrower, card_token: str) -> IdentityCheck:
    name = _("Same card under another borrower")
    if not card_token:
        return IdentityCheck(name, UNKNOWN, _("No card chosen for the payout"))
    paid = PayoutOrder.objects.filter(card_token=card_token).exclude(loan__borrower=borrower)
    asked = ReviewTask.objects.filter(card_token=card_token).exclude(loan__borrower=borrower)
    others = sorted(
        set(paid.values_list("loan__borrower_id", flat=True))
        | set(asked.values_list("loan__borrower_id", flat=True))
    )
    if others:
        return IdentityCheck(name, WARN, _("Also on borrowers %(ids)s") % {"ids": _listing(others)})
    return IdentityCheck(name, OK, _("Not found"))


def series_year(series: str, *, on: date) -> int:
    """The year in a passport series' last two digits (the blank's year of printing)."""
    yy = int(series[2:4])
    century = on.year - on.year % 100
    return century + yy if century + yy <= on.year else century - 100 + yy


def passport_age_check(*, series: str, birth_date: date, on: date) -> IdentityCheck:
    name = _("Age against the passport")
    if len(series) != 4 or not series.isdigit():
        return IdentityCheck(name, UNKNOWN, _("The passport series is not four digits"))
    year = series_year(series, on=on)
    age_then = year - birth_date.year
    if age_then < PASSPORT_AGES[0] - SERIES_YEAR_SLACK:
        return IdentityCheck(
            name,
            WARN,
            _("The series is of %(year)s, when the borrower was about %(age)s: too young")
            % {"year": year, "age": age_then},
        )
    age_now = age_years(birth_date, on)
    for replace_at in reversed(PASSPORT_AGES[1:]):
        # 90 days are allowed to replace it; a blank printed years before that age is old.
        if age_now >= replace_at and age_then < replace_at - SERIES_YEAR_SLACK:
            overdue = (
                on.toordinal() - birth_date.replace(year=birth_date.year + replace_at).toordinal()
            )
            if overdue > 90:
                return IdentityCheck(
                    name,
                    WARN,
                    _(
                        "The series is of %(year)s: the passport should have been "
                        "replaced at %(age)s"
                    )
                    % {"year": year, "age": replace_at},
                )
    return IdentityCheck(
        name,
        OK,
        _("Series of %(year)s fits a birth in %(birth)s")
        % {"year": year, "birth": birth_date.year},
    )


def phone_region_check(borrower: Borrower) -> IdentityCheck:
    name = _("Region against the phone's region")
    digits = borrower.phone.removeprefix("+")
    if not (digits.startswith("7") and len(digits) == 11):
        return IdentityCheck(name, UNKNOWN, _("Not a Russian number"))
    code, number = int(digits[1:4]), int(digits[4:])
    block = (
        NumberingRange.objects.select_related("region")
        .filter(code=code, first__lte=number, last__gte=number)
        .order_by("-first")
        .first()
    )
    if block is None:
        return IdentityCheck(name, UNKNOWN, _("The number is not in the loaded numbering plan"))
    where = block.region.name if block.region else block.region_name
    if block.region_id == borrower.region_id:
        return IdentityCheck(name, OK, _("Issued in %(region)s") % {"region": where})
    return IdentityCheck(
        name,
        WARN,
        _("Issued in %(region)s, the borrower lives in %(home)s")
        % {"region": where, "home": borrower.region.name},
    )
