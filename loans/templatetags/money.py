"""Money in templates: kopecks shown as roubles, grouped, with the sign and the currency."""

from django import template

register = template.Library()


@register.filter
def rub(kop) -> str:
    if kop is None or kop == "":
        return "—"
    kop = int(kop)
    sign = "−" if kop < 0 else ""
    whole, cents = divmod(abs(kop), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{cents:02d}\u00a0₽"
