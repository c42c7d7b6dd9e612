"""Money in templates: kopecks shown as roubles by `loans.money.format_rub`, kept on one line."""

from django import template

from loans.money import format_rub

register = template.Library()


@register.filter
def rub(kop) -> str:
    if kop is None or kop == "":
        return "—"
    return format_rub(int(kop)).replace(" ₽", "\u00a0₽")
