import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from scoring import registry
from scoring.models import ModelKind, ModelStatus, ModelVersion
from scoring.registry import ArtifactRefused, artifacts_dir, load_model
from tests.scoring.conftest import constant_model, register

pytestmark = pytest.mark.usefixtures("english")


def test_tampered_artifact_is_refused(db):
    version = register(constant_model(0.1))
    path = artifacts_dir() / version.artifact_path
    path.write_bytes(path.read_bytes() + b"\0")

    with pytest.raises(ArtifactRefused, match="changed after training"):
        load_model(version)


def test_untouched_artifact_loads(db):
    version = register(constant_model(0.1))
    assert load_model(version).predict_pd([[0.0]], [["employed"]])[0] == pytest.approx(0.1)


def test_promotion_retires_the_previous_champion(db, risk_manager):
    old = register(constant_model(0.1), status=ModelStatus.CHAMPION)
    new = register(constant_model(0.2))

    call_command("promote_model", kind="application", id=new.pk, by="risk1")

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ModelStatus.RETIRED, ModelStatus.CHAMPION)
    assert new.promoted_by_label == "risk1"
    assert new.promoted_at is not None


def test_promoting_a_model_of_another_kind_is_refused(db, risk_manager):
    model = register(constant_model(0.1), kind=ModelKind.COLLECTION)

    with pytest.raises(CommandError, match="trained for 'collection'"):
        call_command("promote_model", kind="application", id=model.pk, by="risk1")

    assert ModelVersion.objects.get().status == ModelStatus.CANDIDATE


def test_promoting_a_tampered_artifact_is_refused(db, risk_manager):
    model = register(constant_model(0.1))
    (artifacts_dir() / model.artifact_path).write_bytes(b"not a model")
    registry.forget_loaded_models()

    with pytest.raises(CommandError, match="refused"):
        call_command("promote_model", kind="application", latest=True, by="risk1")

    assert ModelVersion.objects.get().status == ModelStatus.CANDIDATE


def test_the_database_allows_one_champion_per_kind(db):
    register(constant_model(0.1), status=ModelStatus.CHAMPION)
    with pytest.raises(IntegrityError), transaction.atomic():
        register(constant_model(0.2), status=ModelStatus.CHAMPION)
