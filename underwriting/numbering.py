"""Loading the Russian numbering plan (the regulator's DEF-code register, semicolon CSV with
the columns 'АВС/ DEF;От;До;Емкость;Оператор;Регион;ИНН') into NumberingRange."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from loans.models import Region
from underwriting.models import NumberingRange

ABBREVIATIONS = {"обл.": "область", "респ.": "республика", "г.": "", "а.о.": "автономный округ"}


class NumberingPlanError(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    code: int
    first: int
    last: int
    operator: str
    region_name: str


def _normalise(name: str) -> str:
    words = [ABBREVIATIONS.get(word, word) for word in name.lower().replace("ё", "е").split()]
    return " ".join(word for word in words if word)


def match_region(region_name: str, regions: Iterable[Region]) -> Region | None:
    """The region whose name the register's text contains (longest name wins)."""
    text = _normalise(region_name)
    found = [region for region in regions if _normalise(region.name) in text]
    return max(found, key=lambda region: len(region.name)) if found else None


def parse(lines: Iterable[str]) -> list[Row]:
    reader = csv.reader(lines, delimiter=";")
    header = next(reader, None)
    if not header or len(header) < 6:
        raise NumberingPlanError(
            "line 1: expected the header 'АВС/ DEF;От;До;Емкость;Оператор;Регион'"
        )
    rows = []
    for line_no, fields in enumerate(reader, start=2):
        if not any(field.strip() for field in fields):
            continue
        try:
            code, first, last = (int(fields[i].strip()) for i in range(3))
            operator, region_name = fields[4].strip(), fields[5].strip()
        except (ValueError, IndexError):
            raise NumberingPlanError(
                f"line {line_no}: the code, 'От' and 'До' must be whole numbers"
            ) from None
        if not (100 <= code <= 999 and 0 <= first <= last <= 9_999_999):
            raise NumberingPlanError(f"line {line_no}: a range must lie within one 3-digit code")
        rows.append(Row(code, first, last, operator, region_name))
    return rows


@transaction.atomic
def numbering_plan_load(*, rows: list[Row], replace: bool) -> tuple[int, int]:
    """Store the ranges; returns (ranges stored, ranges whose region was recognised)."""
    if replace:
        NumberingRange.objects.all().delete()
    regions = list(Region.objects.all())
    objects = [
        NumberingRange(
            code=row.code,
            first=row.first,
            last=row.last,
            operator=row.operator[:200],
            region_name=row.region_name[:200],
            region=match_region(row.region_name, regions),
        )
        for row in rows
    ]
    NumberingRange.objects.bulk_create(objects, batch_size=2000)
    return len(objects), sum(1 for obj in objects if obj.region is not None)
