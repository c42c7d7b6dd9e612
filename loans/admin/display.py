"""How the admin shows money, rates and payout destinations."""

from collections.abc import Callable

from django.contrib import admin

from kernel.admin import EMPTY
from loans.models.payments import PaidOut
from loans.money import format_rub


def rub(kop: int | None) -> str:
    return EMPTY if kop is None else format_rub(kop)


def percent_per_day(ppm: int | None) -> str:
    return EMPTY if ppm is None else f"{ppm / 10_000:.4g} %"


def payout_destination(payout: PaidOut) -> str:
    if payout.card_last4:
        return f"card •••• {payout.card_last4}"
    if payout.account_number:
        return f"account •••{payout.account_number[-4:]}, BIK {payout.bik}"
    return EMPTY


def _money_display(field: str, description: str) -> Callable[[object, object], str]:
    """A list or detail column of an admin showing the kopecks in `field` as roubles."""

    @admin.display(description=description, ordering=field)
    def show(self: object, obj: object) -> str:
        return rub(getattr(obj, field))

    return show
