"""Reading a payment provider's settlement report for one business day.

The file is CSV in UTF-8 (a byte-order mark is allowed), separated by commas, or by
semicolons when the amounts are roubles with a decimal comma. Its header names the columns,
in any order: `event_id, kind, currency, date, our_reference` and one amount column, either
`amount_kop` (whole kopecks) or `amount` (roubles: `1234.56`, `1234,56` or `1 234,56`).
`kind` is payment, payout or refund; amounts are positive (the kind says which way the money
went); `date` is `YYYY-MM-DD` or `DD.MM.YYYY`, the same on every row.

A file with anything wrong is refused whole, naming the first bad line: nothing of it is used.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from loans.money import rub_to_kop
from zaymer.models import MovementKind

REQUIRED_COLUMNS = ("event_id", "kind", "currency", "date", "our_reference")
AMOUNT_COLUMNS = ("amount_kop", "amount")
BOOKED_CURRENCY = "RUB"
# ISO 4217 codes a Russian provider's report may carry; anything else is a broken file.
KNOWN_CURRENCIES = frozenset(
    {"RUB", "USD", "EUR", "CNY", "KZT", "BYN", "AMD", "KGS", "UZS", "TRY", "AED", "GBP", "CHF"}
)
MAX_AMOUNT_KOP = 10**13  # a hundred billion roubles: beyond it the column is not an amount
MAX_BYTES = 50 * 1024 * 1024
_KOP_RE = re.compile(r"[0-9]+")
_RUB_RE = re.compile(r"[0-9]+(?:[.,][0-9]{1,2})?")
_SPACES = str.maketrans("", "", " \u00a0\u202f")


class StatementError(Exception):
    """The file is refused; `line` is the first line (1-based) that is wrong."""

    def __init__(self, *, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class StatementLine:
    line: int
    event_id: str
    kind: str
    amount_kop: int
    currency: str
    on: date
    our_reference: str


@dataclass(frozen=True)
class Statement:
    lines: list[StatementLine]
    on: date
    sha256: str


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError(
            line=data[: exc.start].count(b"\n") + 1, message=_("the file is not UTF-8 text")
        ) from None


def _delimiter(header: str) -> str:
    if ";" in header and "," not in header:
        return ";"
    if "\t" in header and "," not in header:
        return "\t"
    return ","


def _columns(header: list[str]) -> tuple[dict[str, int], str]:
    names = [name.strip().lower() for name in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise StatementError(
                line=1, message=_("the column %(name)s appears twice") % {"name": name}
            )
        seen.add(name)
    amounts = [name for name in AMOUNT_COLUMNS if name in seen]
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if not amounts:
        missing.append(" or ".join(AMOUNT_COLUMNS))
    if missing:
        raise StatementError(
            line=1, message=_("missing columns: %(names)s") % {"names": ", ".join(missing)}
        )
    if len(amounts) > 1:
        raise StatementError(line=1, message=_("give either amount_kop or amount, not both"))
    unknown = sorted(seen - set(REQUIRED_COLUMNS) - set(AMOUNT_COLUMNS))
    if unknown:
        raise StatementError(
            line=1, message=_("unknown columns: %(names)s") % {"names": ", ".join(unknown)}
        )
    return {name: names.index(name) for name in seen}, amounts[0]


def _amount(raw: str, *, column: str, line: int) -> int:
    text = raw.translate(_SPACES)
    if column == "amount_kop":
        kop = int(text) if _KOP_RE.fullmatch(text) else None
    else:
        kop = rub_to_kop(Decimal(text.replace(",", "."))) if _RUB_RE.fullmatch(text) else None
    if kop is None:
        what = (
            _("whole kopecks") if column == "amount_kop" else _("roubles with at most two decimals")
        )
        raise StatementError(
            line=line,
            message=_("the amount %(raw)r is not %(what)s") % {"raw": raw, "what": what},
        )
    if kop <= 0 or kop > MAX_AMOUNT_KOP:
        raise StatementError(
            line=line, message=_("the amount %(raw)r must be positive") % {"raw": raw}
        )
    return kop


def _date(raw: str, *, line: int) -> date:
    text = raw.strip()
    for form in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise StatementError(
        line=line,
        message=_("the date %(raw)r is not a date (YYYY-MM-DD or DD.MM.YYYY)") % {"raw": raw},
    )


def _row(fields: list[str], *, columns: dict[str, int], amount: str, line: int) -> StatementLine:
    if len(fields) != len(columns):
        raise StatementError(
            line=line,
            message=_("expected %(want)d fields, found %(got)d")
            % {"want": len(columns), "got": len(fields)},
        )

    def field(name: str) -> str:
        return fields[columns[name]].strip()

    event_id, kind = field("event_id"), field("kind").lower()
    if not event_id or len(event_id) > 100:
        raise StatementError(line=line, message=_("the event id must be 1 to 100 characters"))
    if kind not in MovementKind.values:
        raise StatementError(
            line=line,
            message=_("the kind %(kind)r is not payment, payout or refund") % {"kind": kind},
        )
    currency = field("currency").upper()
    if currency not in KNOWN_CURRENCIES:
        raise StatementError(
            line=line, message=_("the currency %(code)r is unknown") % {"code": currency}
        )
    reference = field("our_reference")
    if len(reference) > 120 or (kind != MovementKind.PAYMENT and not reference):
        raise StatementError(
            line=line,
            message=_("a payout or a refund needs our reference (at most 120 characters)"),
        )
    return StatementLine(
        line=line,
        event_id=event_id,
        kind=kind,
        amount_kop=_amount(fields[columns[amount]], column=amount, line=line),
        currency=currency,
        on=_date(field("date"), line=line),
        our_reference=reference,
    )


def parse_statement(data: bytes) -> Statement:
    """Every row of the report, or StatementError for the first line that is wrong."""
    if len(data) > MAX_BYTES:
        raise StatementError(line=1, message=_("the file is larger than 50 MB"))
    text = _decode(data)
    if not text.strip():
        raise StatementError(line=1, message=_("the file is empty"))
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[0]))
    try:
        columns, amount = _columns(next(reader))
        lines = []
        for fields in reader:
            if not any(value.strip() for value in fields):
                continue
            lines.append(_row(fields, columns=columns, amount=amount, line=reader.line_num))
    except csv.Error as exc:
        raise StatementError(line=reader.line_num, message=str(exc)) from None
    if not lines:
        raise StatementError(line=2, message=_("the file has a header and no movements"))
    first = lines[0]
    for row in lines:
        if row.on != first.on:
            raise StatementError(
                line=row.line,
                message=_(
                    "the report is for one day: line %(first)d is for %(day)s, this for %(other)s"
                )
                % {"first": first.line, "day": first.on.isoformat(), "other": row.on.isoformat()},
            )
    return Statement(lines=lines, on=first.on, sha256=hashlib.sha256(data).hexdigest())
