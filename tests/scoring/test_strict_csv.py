"""train_scoring_model --csv refuses a file it cannot read exactly: nothing is registered."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.models import ModelVersion
from tests.scoring.test_training import write_csv

pytestmark = pytest.mark.usefixtures("english")


def _cells(path):
    return [line.split(",") for line in path.read_text().splitlines()]


def _write(path, rows):
    path.write_text("\n".join(",".join(row) for row in rows) + "\n")
    return path


def _set(path, line, column, value):
    """Put `value` in the cell of 1-based file `line` under the header name `column`."""
    rows = _cells(path)
    rows[line - 1][rows[0].index(column)] = value
    return _write(path, rows)


def _refused(tmp_path, source, **options):
    options = {"target": "default", "positive": "yes", **options}
    with pytest.raises(CommandError) as refused:
        call_command("train_scoring_model", csv=source, report=tmp_path / "r.json", **options)
    assert not ModelVersion.objects.exists()
    assert not (tmp_path / "r.json").exists()
    return str(refused.value)


@pytest.mark.parametrize("odd", ["??", "YES ", "1"])
def test_a_target_value_outside_the_declared_ones_is_refused_naming_row_and_column(
    db, tmp_path, odd
):
    source = _set(write_csv(tmp_path / "e.csv"), 30, "default", odd)
    message = _refused(tmp_path, source)
    assert "Row 30, column 'default'" in message
    assert f"'{odd}'" in message


def test_a_target_value_outside_the_declared_negative_is_refused(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    message = _refused(tmp_path, source, negative="good")
    assert "column 'default'" in message
    assert "'no'" in message


def test_declared_positive_and_negative_values_train(db, tmp_path):
    call_command(
        "train_scoring_model",
        csv=write_csv(tmp_path / "e.csv"),
        target="default",
        positive="yes",
        negative="no",
    )
    assert ModelVersion.objects.count() == 1


def test_a_numeric_column_with_a_few_text_cells_is_refused_naming_how_many_and_where(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    for line, value in ((40, "n.a."), (41, "?"), (90, "сорок")):
        _set(source, line, "age", value)
    message = _refused(tmp_path, source)
    assert "Row 40, column 'age'" in message
    assert "3 of its" in message
    assert "40 'n.a.'" in message and "41 '?'" in message and "90 'сорок'" in message


@pytest.mark.parametrize("value", ["1e308", "-1e308", "inf", "-Infinity", "nan", "NaN"])
def test_a_non_finite_or_absurd_number_is_refused_naming_row_and_column(db, tmp_path, value):
    source = _set(write_csv(tmp_path / "e.csv"), 17, "income", value)
    message = _refused(tmp_path, source)
    assert "Row 17, column 'income'" in message
    assert f"'{value}'" in message


def test_a_ragged_row_is_refused_by_its_line_not_as_an_undetectable_delimiter(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    rows = _cells(source)
    for i in range(2, 40, 2):  # early in the file, where a delimiter sniffer would read it
        rows[i] = rows[i][: 2 + i % 4] if i % 4 else [*rows[i], "extra"]
    message = _refused(tmp_path, _write(source, rows))
    assert "Row 3" in message
    assert "delimiter" not in message


def test_a_semicolon_file_is_still_read(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    source.write_text(source.read_text().replace(",", ";"))
    call_command("train_scoring_model", csv=source, target="default", positive="yes")
    assert ModelVersion.objects.count() == 1


def test_an_empty_file_is_refused(db, tmp_path):
    source = tmp_path / "e.csv"
    source.write_text("")
    assert "empty" in _refused(tmp_path, source)


def test_a_header_only_file_is_refused(db, tmp_path):
    source = tmp_path / "e.csv"
    source.write_text("income,age,default\n")
    assert "0 data rows" in _refused(tmp_path, source)


def test_a_one_row_file_is_refused(db, tmp_path):
    source = tmp_path / "e.csv"
    source.write_text("income,age,default\n1000,30,yes\n")
    assert "1 data rows" in _refused(tmp_path, source)
