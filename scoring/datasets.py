"""Training data: a matrix of numeric and categorical columns with a 0/1 target and a time key.

Two sources: the loans in the database (features as of each loan's signing date, outcome from
scoring.outcomes) and any CSV export (columns typed by their contents, missing values allowed).
"""

import csv
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from loans.errors import DomainError
from loans.models import Loan
from scoring.bureau import ask_bureaus, attribute_name
from scoring.features import CATEGORICAL, Application, named_features
from scoring.outcomes import known_outcomes

MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-"}
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


# --- CSV ---------------------------------------------------------------------------------


def _missing(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


def _number(value: str) -> float | None:
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def read_csv(path: Path, *, target: str, positive: str, time_column: str | None = None) -> Dataset:
    """Rows in file order (or by `time_column`); a bad file is refused naming row or column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
            reader = csv.reader(handle, dialect)
            header = next(reader, None)
            if not header:
                raise TrainingDataError(f"{path.name} is empty: no header row")
            header = [name.strip() for name in header]
            rows = []
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise TrainingDataError(
                        f"Row {reader.line_num}: {len(row)} fields where the header has "
                        f"{len(header)}; the row cannot be parsed"
                    )
                rows.append((reader.line_num, row))
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{path.name} is not UTF-8 text: {exc.reason}") from exc
    except csv.Error as exc:
        raise TrainingDataError(f"{path.name} cannot be parsed as CSV: {exc}") from exc

    for name, role in ((target, "target"), (time_column, "time")):
        if name is not None and name not in header:
            raise TrainingDataError(
                f"The CSV has no {role} column '{name}'; its columns are: {', '.join(header)}",
                field=name,
            )
    if len(set(header)) != len(header):
        raise TrainingDataError("The header names a column twice")
    t = header.index(target)
    y = []
    for line, row in rows:
        if _missing(row[t]):
            raise TrainingDataError(
                f"Row {line}: the target column '{target}' is empty", field=target
            )
        y.append(int(row[t].strip() == positive))
    y = np.array(y, dtype=np.int8)
    _require_two_classes(y, target=target, positive=positive)

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
        raise TrainingDataError("The CSV has no feature columns besides the target")
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


def _column(name: str, cells: list[tuple[int, str]]) -> tuple[str, list]:
    present = [(line, value) for line, value in cells if not _missing(value)]
    if not present:
        return "dropped", []
    numbers = [_number(value) for _, value in present]
    parsed = sum(number is not None for number in numbers)
    if parsed == len(present):
        return "numeric", [np.nan if _missing(v) else _number(v) for _, v in cells]
    if parsed >= 0.9 * len(present):
        line, value = next(
            (line, value) for (line, value), n in zip(present, numbers, strict=True) if n is None
        )
        raise TrainingDataError(
            f"Row {line}, column '{name}': '{value}' is not a number (the column is numeric)",
            field=name,
        )
    values = [None if _missing(v) else v.strip() for _, v in cells]
    if len({v for v in values if v is not None}) > MAX_CATEGORIES:
        return "dropped", []  # an identifier or free text: no signal a scorecard can use
    return "categorical", values


def _time_key(value: str, line: int, column: str) -> float:
    number = _number(value)
    if number is not None:
        return number
    try:
        return datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(value.strip()), datetime.min.time()).timestamp()
    except ValueError as exc:
        raise TrainingDataError(
            f"Row {line}, column '{column}': '{value}' is neither a date nor a number",
            field=column,
        ) from exc


def _require_two_classes(y: np.ndarray, *, target: str, positive: str) -> None:
    if len(y) < MIN_ROWS:
        raise TrainingDataError(f"{len(y)} rows are too few to train on (at least {MIN_ROWS})")
    positives = int(y.sum())
    if positives in (0, len(y)):
        which = "every" if positives else "no"
        raise TrainingDataError(
            f"Column '{target}': {which} row has the value '{positive}'; "
            "a model needs both classes",
            field=target,
        )


# --- the database ------------------------------------------------------------------------


def application_dataset(*, on: date, bad_dpd: int, horizon_days: int, bureau_width: int) -> Dataset:
    """Every issued loan whose outcome is known, with its features as of its signing date."""
    outcomes = known_outcomes(on=on, bad_dpd=bad_dpd, horizon_days=horizon_days)
    if not outcomes:
        raise TrainingDataError(
            f"No loan has a known outcome on {on} ({bad_dpd}+ days past due within "
            f"{horizon_days} days of the due date); run seed_demo and COB first"
        )
    loans = Loan.objects.select_related("borrower__region", "product").in_bulk(
        [o.loan_id for o in outcomes]
    )
    rows, attributes = [], []
    for outcome in outcomes:
        loan = loans[outcome.loan_id]
        bureau = ask_bureaus(borrower=loan.borrower, as_of=outcome.signed_on, width=bureau_width)
        app = Application.of_loan(loan, bureau=bureau)
        rows.append(named_features(loan.borrower, app, outcome.signed_on))
        attributes.append(bureau.primary.attributes)
    names = list(rows[0])
    categorical = [name for name in names if name in CATEGORICAL]
    numeric = [name for name in names if name not in CATEGORICAL]
    x_named = np.array(
        [[np.nan if row[n] is None else float(row[n]) for n in numeric] for row in rows],
        dtype=np.float64,
    )
    y = np.array([o.bad for o in outcomes], dtype=np.int8)
    _require_two_classes(y, target="bad", positive="1")
    first, last = outcomes[0].signed_on, outcomes[-1].signed_on
    return Dataset(
        numeric=[*numeric, *(attribute_name(i) for i in range(bureau_width))],
        categorical=categorical,
        x_num=np.hstack([x_named, np.array(attributes).reshape(len(rows), bureau_width)]),
        x_cat=np.array([[row[n] for n in categorical] for row in rows], dtype=object),
        y=y,
        order=np.array([o.signed_on.toordinal() for o in outcomes], dtype=np.float64),
        source="database",
        target=f"{bad_dpd}+ DPD within {horizon_days} days of the due date",
        time_from=first,
        time_to=last,
    )
