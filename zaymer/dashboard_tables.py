"""The dashboards' tables as people read them: human column titles, roubles instead of
kopecks, Russian dates and months, row codes by their names; the same for the charts (axes in
roubles) and the spreadsheets. The stored snapshot keeps the raw figures (codes, kopecks,
ISO dates), so a change of wording never needs a rebuild."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kernel.exports import Column, Kind, Sheet
from loans.money import format_rub, kop_to_rub
from zaymer.portfolio import Table

COLUMN_TITLES = {
    "date": _("Date"),
    "month": _("Month of issue"),
    "measure": _("Measure"),
    "part": _("Part of the debt"),
    "status": _("Status"),
    "step": _("Step"),
    "segment": _("Borrowers"),
    "bucket": _("Days past due"),
    "loans": _("Loans"),
    "lines": _("Cards"),
    "bad": _("Went bad"),
    "answers": _("Answers"),
    "applications": _("Applications"),
    "principal_kop": _("Principal, ₽"),
    "amount_kop": _("Amount, ₽"),
    "limit_kop": _("Limits, ₽"),
    "interest_kop": _("Interest, ₽"),
    "arrears_kop": _("Arrears, ₽"),
    "recovered_kop": _("Recovered, ₽"),
    "owed_kop": _("Owed, ₽"),
    "share_percent": _("Share, %"),
    "used_percent": _("Used, %"),
    "bad_percent": _("Went bad, %"),
    "rate_percent": _("Recovery, %"),
    "median_min": _("Median, minutes"),
    "p90_min": _("90th percentile, minutes"),
    "nps": _("NPS"),
    "csat": _("CSAT"),
}

ROW_LABELS = {
    "outstanding": _("Outstanding"),
    "principal": _("Principal"),
    "interest": _("Interest"),
    "penalty": _("Penalties"),
    "fees": _("Fees"),
    "open": _("Open cards"),
    "frozen": _("Frozen cards"),
    "closed": _("Closed cards"),
    "applied": _("Applications received"),
    "scored": _("Scored by the robot"),
    "referred": _("Referred to an underwriter"),
    "approved": _("Approved"),
    "declined": _("Declined"),
    "signed": _("Signed"),
    "paid out": _("Paid out"),
    "decided by the robot, %": _("Decided by the robot, %"),
    "new": _("New"),
    "repeat": _("Repeat"),
}

DATE_COLUMNS = {"date"}
MONTH_COLUMNS = {"month"}


def column_kind(code: str) -> Kind:
    if code.endswith("_kop"):
        return Kind.MONEY
    if code.endswith(("_percent", "_min")) or code in {"nps", "csat"}:
        return Kind.NUMBER
    if code in DATE_COLUMNS | MONTH_COLUMNS:
        return Kind.DATE
    if code in {"loans", "lines", "bad", "answers", "applications"}:
        return Kind.INTEGER
    return Kind.TEXT


def _as_date(value) -> date | None:
    """A date, or a month ("2026-11", as the satisfaction figures give it) as its first day."""
    if value is None or isinstance(value, date):
        return value
    text = str(value)[:10]
    return date.fromisoformat(text if len(text) > 7 else f"{text}-01")


@dataclass(frozen=True)
class ShownTable:
    """One figure's table: titles, the cells as shown, typed values (for the chart and the
    spreadsheet) and each column's kind."""

    codes: list[str]
    titles: list[str]
    kinds: list[Kind]
    cells: list[list[str]]
    values: list[list[object]]

    def chart_data(self) -> dict:
        """Numbers for Chart.js: roubles as floats, the row labels as shown."""
        rows = []
        for shown, typed in zip(self.cells, self.values, strict=True):
            row: list[object] = [shown[0]]
            for value in typed[1:]:
                row.append(float(value) if isinstance(value, Decimal) else value)
            rows.append(row)
        return {"columns": self.titles, "rows": rows}

    def sheet(self, title: str) -> Sheet:
        columns = [Column(t, k) for t, k in zip(self.titles, self.kinds, strict=True)]
        return Sheet(title, columns, self.values)


def _typed(value, code: str, kind: Kind):
    if value is None:
        return None
    if kind is Kind.MONEY:
        return kop_to_rub(int(value))
    if kind is Kind.DATE:
        return _as_date(value)
    if kind is Kind.NUMBER:
        return Decimal(str(value))
    if kind is Kind.TEXT:
        return str(ROW_LABELS.get(str(value), value))
    return value


def _shown(value, code: str, kind: Kind) -> str:
    if value is None:
        return "—"
    if kind is Kind.MONEY:
        return format_rub(int(value))
    if kind is Kind.DATE:
        day = _as_date(value)
        return formats.date_format(day, "F Y" if code in MONTH_COLUMNS else "d.m.Y")
    if kind is Kind.NUMBER:
        return formats.number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
    if kind is Kind.INTEGER:
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)
    return str(ROW_LABELS.get(str(value), value))


def shown_table(table: Table) -> ShownTable:
    codes = list(table.columns)
    kinds = [column_kind(code) for code in codes]
    titles = [str(COLUMN_TITLES.get(code, code)) for code in codes]
    cells = [
        [_shown(v, c, k) for v, c, k in zip(row, codes, kinds, strict=True)] for row in table.rows
    ]
    values = [
        [_typed(v, c, k) for v, c, k in zip(row, codes, kinds, strict=True)] for row in table.rows
    ]
    return ShownTable(codes, titles, kinds, cells, values)
