"""Russian typography for documents: «3 декабря 2026 г.», «10 000,00 ₽», sums in words."""

from datetime import date
from decimal import Decimal

from num2words import num2words

from loans.money import KOP_PER_RUB, PPM

NBSP = "\u00a0"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def date_ru(value: date | str) -> str:
    """«3 декабря 2026 г.»"""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day}{NBSP}{MONTHS_GENITIVE[value.month - 1]} {value.year}{NBSP}г."


def date_short_ru(value: date | str) -> str:
    """«03.12.2026»"""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def rub(kop: int) -> str:
    """«10 000,00 ₽»: a no-break space between thousands and before the sign."""
    sign = "−" if kop < 0 else ""
    roubles, kopecks = divmod(abs(kop), KOP_PER_RUB)
    return f"{sign}{roubles:,}".replace(",", NBSP) + f",{kopecks:02d}{NBSP}₽"


def rub_number(kop: int) -> str:
    """«10000,00»: roubles with a decimal comma and no grouping, for spreadsheets."""
    sign = "-" if kop < 0 else ""
    roubles, kopecks = divmod(abs(kop), KOP_PER_RUB)
    return f"{sign}{roubles},{kopecks:02d}"


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def rub_in_words(kop: int) -> str:
    """«десять тысяч рублей 00 копеек»"""
    if kop < 0:
        raise ValueError("a sum in words is never negative")
    roubles, kopecks = divmod(kop, KOP_PER_RUB)
    words = num2words(roubles, lang="ru")
    return (
        f"{words} {_plural(roubles, 'рубль', 'рубля', 'рублей')} "
        f"{kopecks:02d} {_plural(kopecks, 'копейка', 'копейки', 'копеек')}"
    )


def rub_with_words(kop: int) -> str:
    """«10 000,00 ₽ (десять тысяч рублей 00 копеек)»"""
    return f"{rub(kop)} ({rub_in_words(kop)})"


def days_ru(n: int) -> str:
    return f"{n}{NBSP}{_plural(n, 'день', 'дня', 'дней')}"


def percent_ru(value: Decimal | str, *, places: int = 3) -> str:
    """«292,000 %»"""
    quantum = Decimal(1).scaleb(-places)
    text = f"{Decimal(value).quantize(quantum):f}".replace(".", ",")
    return f"{text}{NBSP}%"


def percent_exact_ru(value: Decimal) -> str:
    """A per cent with every significant decimal kept: «50,00002 %»."""
    text = f"{value.normalize():f}"
    if "." not in text:
        text += ".00"
    elif len(text.split(".")[1]) < 2:
        text += "0"
    return text.replace(".", ",") + f"{NBSP}%"


def daily_rate_ru(ppm: int) -> str:
    """8000 ppm → «0,8 % в день»"""
    return percent_exact_daily(ppm) + " в день"


def percent_exact_daily(ppm: int) -> str:
    value = (Decimal(ppm) * 100 / PPM).normalize()
    return f"{value:f}".replace(".", ",") + f"{NBSP}%"


def annual_rate_ru(ppm: int) -> str:
    """The daily rate × 365 as per cent per annum: 8000 ppm → «292,000 % годовых»."""
    return percent_ru(Decimal(ppm) * 365 * 100 / PPM) + " годовых"
