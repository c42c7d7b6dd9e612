"""Training data: a matrix of numeric and categorical columns with a 0/1 target and a time key.

Two sources: the loans in the database (scoring.book: features as they were at each decision,
outcome from scoring.outcomes) and any CSV export (columns typed by their contents, missing
values allowed).
"""

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from scoring.features import CATEGORICAL

MISSING_TOKENS = {"", "na", "n/a", "null", "none", "-"}  # "nan" is refused, not missing
MAX_CATEGORIES = 50
MIN_ROWS = 20


class TrainingDataError(DomainError):
    code = "training_data"


@dataclass
class Dataset:
    numeric: list[str]
    categorical: list[str]
    x_num: np.ndarray
    x_cat: np.ndarray
    y: np.ndarray
    order: np.ndarray = field(repr=False)
    source: str
    target: str
    time_from: date | None = None
    time_to: date | None = None
    dropped: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)  # where the rows came from, what was left out

    def __len__(self) -> int:
        return len(self.y)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def rows(self, index: np.ndarray) -> "Dataset":
        return Dataset(
            numeric=self.numeric,
            categorical=self.categorical,
            x_num=self.x_num[index],
            x_cat=self.x_cat[index],
            y=self.y[index],
            order=self.order[index],
            source=self.source,
            target=self.target,
        )

    def without_numeric(self, names: list[str]) -> "Dataset":
        keep = [j for j, name in enumerate(self.numeric) if name not in names]
        return Dataset(
            numeric=[self.numeric[j] for j in keep],
            categorical=self.categorical,
            x_num=self.x_num[:, keep],
            x_cat=self.x_cat,
            y=self.y,
            order=self.order,
            source=self.source,
            target=self.target,
            time_from=self.time_from,
            time_to=self.time_to,
            dropped=[*self.dropped, *names],
            notes=self.notes,
        )


# --- CSV ---------------------------------------------------------------------------------

DELIMITERS = ",;\t"
# Larger magnitudes are not measurements but sentinels or overflow (1e308 overflows the
# scaler's variance): the file is refused rather than a column silently distorted.
MAX_ABS_VALUE = 1e15
NUMERIC_SHARE = 0.5  # a column is numeric when at least this share of its cells are numbers
SHOWN_CELLS = 5


def _missing(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


def _number(value: str) -> float | None:
    """The cell as a float (non-finite or absurd too: the caller refuses them); None if text."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _sane(number: float) -> bool:
    return math.isfinite(number) and abs(number) <= MAX_ABS_VALUE


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most columns (the header is never ragged,
    so a ragged data row cannot make the file unreadable: it is refused by its line)."""
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header_line = handle.readline()
            if not header_line.strip():
                raise TrainingDataError(_("%(file)s is empty: no header row") % {"file": path.name})
            handle.seek(0)
            reader = csv.reader(handle, delimiter=_delimiter(header_line))
            header = [name.strip() for name in next(reader)]
            rows = []
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise TrainingDataError(
                        _(
                            "Row %(line)s: %(fields)s fields where the header has %(columns)s; "
                            "the row cannot be parsed"
                        )
                        % {"line": reader.line_num, "fields": len(row), "columns": len(header)}
                    )
                rows.append((reader.line_num, row))
    except UnicodeDecodeError as exc:
        raise TrainingDataError(
            _("%(file)s is not UTF-8 text: %(reason)s") % {"file": path.name, "reason": exc.reason}
        ) from exc
    except csv.Error as exc:
        raise TrainingDataError(
            _("%(file)s cannot be parsed as CSV: %(error)s") % {"file": path.name, "error": exc}
        ) from exc
    if len(rows) < 2:
        raise TrainingDataError(
            _("%(file)s has %(rows)s data rows: nothing to train on")
            % {"file": path.name, "rows": len(rows)}
        )
    return header, rows


def read_csv(
    path: Path,
    *,
    target: str,
    positive: str,
    negative: str | None = None,
    time_column: str | None = None,
) -> Dataset:
    """Rows in file order (or by `time_column`); a bad file is refused naming row and column."""
    header, rows = _read_rows(path)
    for name, role in ((target, _("target")), (time_column, _("time"))):
        if name is not None and name not in header:
            raise TrainingDataError(
                _("The CSV has no %(role)s column '%(name)s'; its columns are: %(columns)s")
                % {"role": role, "name": name, "columns": ", ".join(header)},
                field=name,
            )
    if len(set(header)) != len(header):
        raise TrainingDataError(_("The header names a column twice"))
    y = _target(rows, header.index(target), target=target, positive=positive, negative=negative)

    order = np.arange(len(rows), dtype=np.float64)
    if time_column is not None:
        order = np.array(
            [_time_key(row[header.index(time_column)], line, time_column) for line, row in rows]
        )
    numeric, categorical, num_cols, cat_cols, dropped = [], [], [], [], []
    for j, name in enumerate(header):
        if name in (target, time_column):
            continue
        cells = [(line, row[j]) for line, row in rows]
        kind, values = _column(name, cells)
        if kind == "numeric":
            numeric.append(name)
            num_cols.append(values)
        elif kind == "categorical":
            categorical.append(name)
            cat_cols.append(values)
        else:
            dropped.append(name)
    if not numeric and not categorical:
        raise TrainingDataError(_("The CSV has no feature columns besides the target"))
    return Dataset(
        numeric=numeric,
        categorical=categorical,
        x_num=np.array(num_cols, dtype=np.float64).T.reshape(len(rows), len(numeric)),
        x_cat=np.array(cat_cols, dtype=object).T.reshape(len(rows), len(categorical)),
        y=y,
        order=order,
        source=f"csv:{path.name}",
        target=f"{target}={positive}",
        dropped=dropped,
    )


def rename_columns(dataset: Dataset, mapping: dict[str, str]) -> Dataset:
    """The CSV's columns under the names of the kind's features (`--map COLUMN=FEATURE`)."""
    known = set(dataset.features) | set(dataset.dropped)
    unknown = [column for column in mapping if column not in known]
    if unknown:
        raise TrainingDataError(
            _("--map names columns the CSV has no feature for: %(columns)s")
            % {"columns": ", ".join(unknown)}
        )
    renamed = [mapping.get(name, name) for name in dataset.features]
    if len(set(renamed)) != len(renamed):
        raise TrainingDataError(_("--map gives two columns the same feature name"))
    # A code read as a number (a region "77") is a category when its feature is one.
    as_category = [
        j for j, name in enumerate(dataset.numeric) if mapping.get(name, name) in CATEGORICAL
    ]
    keep = [j for j in range(len(dataset.numeric)) if j not in as_category]
    codes = np.array(
        [[_code(v) for v in dataset.x_num[:, j]] for j in as_category], dtype=object
    ).T.reshape(len(dataset), len(as_category))
    dataset.categorical = [mapping.get(n, n) for n in dataset.categorical] + [
        mapping.get(dataset.numeric[j], dataset.numeric[j]) for j in as_category
    ]
    dataset.x_cat = np.hstack([dataset.x_cat, codes])
    dataset.numeric = [mapping.get(dataset.numeric[j], dataset.numeric[j]) for j in keep]
    dataset.x_num = dataset.x_num[:, keep]
    return dataset


def _code(value: float) -> str | None:
    if np.isnan(value):
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _target(
    rows: list[tuple[int, list[str]]],
    t: int,
    *,
    target: str,
    positive: str,
    negative: str | None,
) -> np.ndarray:
    """1 for `positive`, 0 for `negative`; any other value (even `BAD ` for `bad`) is refused.
    Without `negative`, the one value besides `positive` is the negative class."""
    for line, row in rows:
        if _missing(row[t]):
            raise TrainingDataError(
                _("Row %(line)s: the target column '%(target)s' is empty")
                % {"line": line, "target": target},
                field=target,
            )
    values = [row[t] for _line, row in rows]
    if positive not in values:
        require_two_classes(np.zeros(len(rows), dtype=np.int8), target=target, positive=positive)
    if negative is None:
        others = Counter(v for v in values if v != positive)
        negative = others.most_common(1)[0][0] if others else ""
    for line, row in rows:
        if row[t] not in (positive, negative):
            raise TrainingDataError(
                _(
                    "Row %(line)s, column '%(target)s': '%(value)s' is neither the positive "
                    "value '%(positive)s' nor the negative value '%(negative)s' (values are "
                    "compared exactly; declare them with --positive and --negative)"
                )
                % {
                    "line": line,
                    "target": target,
                    "value": row[t],
                    "positive": positive,
                    "negative": negative,
                },
                field=target,
            )
    y = np.array([v == positive for v in values], dtype=np.int8)
    require_two_classes(y, target=target, positive=positive)
    return y


def _column(name: str, cells: list[tuple[int, str]]) -> tuple[str, list]:
    present = [(line, value, _number(value)) for line, value in cells if not _missing(value)]
    if not present:
        return "dropped", []
    text = [(line, value) for line, value, number in present if number is None]
    if len(text) <= (1 - NUMERIC_SHARE) * len(present):
        if text:
            shown = ", ".join(f"{line} '{value}'" for line, value in text[:SHOWN_CELLS])
            raise TrainingDataError(
                _(
                    "Row %(line)s, column '%(name)s': '%(value)s' is not a number; the column "
                    "is numeric and %(count)s of its %(cells)s cells are not numbers (rows "
                    "%(shown)s%(more)s). Fix the cells or leave them empty"
                )
                % {
                    "line": text[0][0],
                    "name": name,
                    "value": text[0][1],
                    "count": len(text),
                    "cells": len(present),
                    "shown": shown,
                    "more": "…" if len(text) > SHOWN_CELLS else "",
                },
                field=name,
            )
        for line, value, number in present:
            if not _sane(number):
                raise TrainingDataError(
                    _(
                        "Row %(line)s, column '%(name)s': '%(value)s' is not a finite number of "
                        "at most %(limit).0e in magnitude; leave a cell empty when the value is "
                        "unknown"
                    )
                    % {"line": line, "name": name, "value": value, "limit": MAX_ABS_VALUE},
                    field=name,
                )
        return "numeric", [np.nan if _missing(v) else _number(v) for _line, v in cells]
    values = [None if _missing(v) else v.strip() for _line, v in cells]
    if len({v for v in values if v is not None}) > MAX_CATEGORIES:
        return "dropped", []  # an identifier or free text: no signal a scorecard can use
    return "categorical", values


def _time_key(value: str, line: int, column: str) -> float:
    number = _number(value)
    if number is not None and _sane(number):
        return number
    try:
        return datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(value.strip()), datetime.min.time()).timestamp()
    except ValueError as exc:
        raise TrainingDataError(
            _("Row %(line)s, column '%(column)s': '%(value)s' is neither a date nor a number")
            % {"line": line, "column": column, "value": value},
            field=column,
        ) from exc


def require_two_classes(y: np.ndarray, *, target: str, positive: str) -> None:
    if len(y) < MIN_ROWS:
        raise TrainingDataError(
            _("%(rows)s rows are too few to train on (at least %(min)s)")
            % {"rows": len(y), "min": MIN_ROWS}
        )
    positives = int(y.sum())
    if positives in (0, len(y)):
        message = (
            _(
                "Column '%(target)s': every row has the value '%(positive)s'; "
                "a model needs both classes"
            )
            if positives
            else _(
                "Column '%(target)s': no row has the value '%(positive)s'; "
                "a model needs both classes"
            )
        )
        raise TrainingDataError(message % {"target": target, "positive": positive}, field=target)
