"""Tables people take to a spreadsheet, as a Russian Excel opens them.

CSV: UTF-8 with a byte-order mark, `;` between cells, CRLF, a decimal comma, dates as
03.12.2026. XLSX (openpyxl): real numbers and dates with their formats, a bold header row that
stays in view and a filter on every column. Money comes in roubles (Decimal), never kopecks."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Kind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"  # a Decimal or float shown with one or two places as it comes
    MONEY = "money"  # roubles as Decimal, two places
    DATE = "date"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]


def _csv_cell(value: object, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}".replace(".", ",")
    if kind is Kind.NUMBER:
        return f"{value}".replace(".", ",")
    if kind is Kind.DATE and isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def csv_bytes(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(column.title) for column in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
    return (BOM + out.getvalue()).encode("utf-8")


# Excel shows "," and "." of a format by the reader's locale: a space and a comma in Russia.
XLSX_FORMATS = {
    Kind.INTEGER: "#,##0",
    Kind.NUMBER: "#,##0.0",
    Kind.MONEY: '#,##0.00 "₽"',
    Kind.DATE: "DD.MM.YYYY",
}


def _xlsx_cell(value: object, kind: Kind) -> object:
    if kind in (Kind.MONEY, Kind.NUMBER) and value is not None:
        return Decimal(str(value))
    return value if value is None or isinstance(value, int | float | Decimal | date) else str(value)


def xlsx_bytes(sheet: Sheet) -> bytes:
    book = Workbook()
    page = book.active
    assert page is not None
    page.title = str(sheet.title)[:31]  # Excel's limit for a sheet's name
    page.append([str(column.title) for column in sheet.columns])
    for cell in page[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        page.append([_xlsx_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        number_format = XLSX_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in page.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        page.column_dimensions[letter].width = max(12, len(str(column.title)) + 4)
    page.freeze_panes = "A2"
    page.auto_filter.ref = page.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(sheet: Sheet, *, filename: str, fmt: str) -> HttpResponse:
    """The sheet as an attachment: `fmt` is "csv" or "xlsx"."""
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(sheet), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(csv_bytes(sheet), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
