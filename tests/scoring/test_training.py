import csv
import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.datasets import read_csv
from scoring.inference import CompiledModel
from scoring.models import ModelVersion
from scoring.registry import artifacts_dir
from scoring.training import train

pytestmark = pytest.mark.usefixtures("english")

HEADER = ["month", "income", "age", "employment", "region", "client_id", "default"]


def write_csv(path, rows=400, *, seed=1, header=HEADER):
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            income = rng.lognormal(11, 0.5)
            age = rng.integers(18, 70)
            employment = rng.choice(["employed", "student", "unemployed"])
            risk = -0.00002 * income - 0.03 * age + (1.2 if employment == "unemployed" else 0)
            bad = rng.random() < 1 / (1 + np.exp(-(risk + 2)))
            writer.writerow(
                [
                    i // 40,
                    "" if rng.random() < 0.1 else f"{income:.2f}",
                    "NA" if rng.random() < 0.05 else age,
                    "" if rng.random() < 0.05 else employment,
                    rng.choice(["77", "50", "66"]),
                    f"C{i:05d}",
                    "yes" if bad else "no",
                ]
            )
    return path


def test_csv_with_categories_and_missing_values_trains_a_candidate(db, tmp_path):
    source = write_csv(tmp_path / "export.csv")
    report = tmp_path / "report.json"

    call_command(
        "train_scoring_model",
        csv=source,
        target="default",
        positive="yes",
        time_column="month",
        report=report,
    )

    model = ModelVersion.objects.get()
    assert model.status == "candidate"
    assert set(model.features) == {"income", "age", "employment", "region"}
    metrics = json.loads(report.read_text())
    assert set(metrics) == {
        *("auc", "gini", "ks", "brier", "brier_constant", "rows_train", "rows_test"),
        *("c", "cv_folds", "cv_auc_mean", "cv_auc_sd", "inputs", "nonzero_weights"),
        *("bureau_vector", "calibration_split", "calibration", "data"),
    }
    # A quarter would cut month 7 in two; the holdout starts with the whole month instead.
    assert (metrics["rows_train"], metrics["rows_test"]) == (280, 120)
    assert 0.55 < metrics["auc"] < 0.95
    assert metrics["gini"] == pytest.approx(2 * metrics["auc"] - 1, abs=1e-5)
    assert len(model.metrics["calibration"]) == 10
    assert (artifacts_dir() / model.artifact_path).is_file()


def test_holdout_is_the_latest_rows(tmp_path):
    dataset = read_csv(write_csv(tmp_path / "e.csv"), target="default", positive="yes")
    dataset.order = dataset.order[::-1].copy()  # the file is newest-first
    trained = train(dataset, test_share=0.25)
    assert trained.rows_test == 100
    assert trained.rows_train == 300


def test_numpy_inference_equals_the_sklearn_pipeline(tmp_path):
    dataset = read_csv(write_csv(tmp_path / "e.csv"), target="default", positive="yes")
    dataset.x_cat[0, 0] = "never seen in training"
    trained = train(dataset)
    compiled = CompiledModel.from_bytes(trained.compiled.to_bytes())

    ours = compiled.predict_pd(dataset.x_num, dataset.x_cat)
    theirs = trained.scorecard.predict_pd(dataset.x_num, dataset.x_cat)

    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def _refused(tmp_path, source, **options):
    with pytest.raises(CommandError) as refused:
        call_command("train_scoring_model", csv=source, report=tmp_path / "r.json", **options)
    assert not ModelVersion.objects.exists()
    assert not (tmp_path / "r.json").exists()
    return str(refused.value)


def test_csv_without_the_target_column_is_refused_naming_it(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    message = _refused(tmp_path, source, target="bad_flag", positive="yes")
    assert "bad_flag" in message


def test_csv_with_one_class_only_is_refused(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    message = _refused(tmp_path, source, target="default", positive="maybe")
    assert "'default'" in message
    assert "both classes" in message


def test_csv_with_a_broken_row_is_refused_naming_the_row(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    lines = source.read_text().splitlines()
    lines[7] = lines[7] + ",extra"
    source.write_text("\n".join(lines) + "\n")
    message = _refused(tmp_path, source, target="default", positive="yes")
    assert "Row 8" in message


def test_text_in_a_numeric_column_is_refused_naming_row_and_column(db, tmp_path):
    source = write_csv(tmp_path / "e.csv")
    lines = source.read_text().splitlines()
    fields = lines[12].split(",")
    fields[2] = "forty"
    lines[12] = ",".join(fields)
    source.write_text("\n".join(lines) + "\n")
    message = _refused(tmp_path, source, target="default", positive="yes")
    assert "Row 13" in message
    assert "'age'" in message


def test_the_model_card_shows_the_chosen_c_the_folds_the_thresholds_and_the_trainer(db, tmp_path):
    call_command(
        "train_scoring_model", csv=write_csv(tmp_path / "e.csv"), target="default", positive="yes"
    )
    model = ModelVersion.objects.get()
    out = io.StringIO()

    call_command("model_card", id=model.pk, stdout=out)

    card = out.getvalue()
    cv = model.metrics["cross_validation"]
    assert f"C {cv['c']:.4g}; 5 folds, AUC {cv['auc_mean']} ± {cv['auc_sd']}" in card
    assert "| auc |" in card and "| brier_ratio |" in card
    assert "Trained by system" in card and "approved by nobody yet" in card
    assert "PD not calibrated: the latest part of the training window was too small" in card
    assert card.count("\n| ") >= 10 + 5  # ten calibration deciles and five checks
