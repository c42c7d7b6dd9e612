"""Model artifacts on disk: written once with their SHA-256, refused on load if changed."""

import hashlib
import threading
from pathlib import Path

from django.conf import settings

from kernel.errors import DomainError
from scoring.inference import CompiledModel
from scoring.models import ModelStatus, ModelVersion


class ArtifactRefused(DomainError):
    code = "artifact_refused"


def artifacts_dir() -> Path:
    default = Path(settings.BASE_DIR) / "artifacts" / "models"
    return Path(getattr(settings, "SCORING_ARTIFACTS_DIR", default))


def write_artifact(model: CompiledModel, *, kind: str, version: int) -> tuple[str, str]:
    """Write the artifact; returns (path relative to the artifacts folder, SHA-256)."""
    data = model.to_bytes()
    relative = f"{kind}/v{version:04d}-{hashlib.sha256(data).hexdigest()[:12]}.npz"
    path = artifacts_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative, hashlib.sha256(data).hexdigest()


_cache: dict[tuple[int, str], CompiledModel] = {}
_cache_lock = threading.Lock()


def load_model(version: ModelVersion) -> CompiledModel:
    """The compiled model of a version, read and hash-checked once per process."""
    key = (version.pk, version.artifact_sha256)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    path = artifacts_dir() / version.artifact_path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactRefused(f"The artifact of {version} cannot be read: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != version.artifact_sha256:
        raise ArtifactRefused(
            f"The artifact of {version} at {path} has SHA-256 {digest}, the registry says "
            f"{version.artifact_sha256}: it was changed after training and is refused"
        )
    model = CompiledModel.from_bytes(data)
    with _cache_lock:
        _cache[key] = model
    return model


def forget_loaded_models() -> None:
    with _cache_lock:
        _cache.clear()


def model_in_role(kind: str, status: str) -> ModelVersion | None:
    """Only what loading needs: the feature list and samples are large JSON."""
    return (
        ModelVersion.objects.filter(kind=kind, status=status)
        .only("id", "kind", "version", "status", "artifact_path", "artifact_sha256")
        .first()
    )


def champion_and_challenger(kind: str) -> tuple[ModelVersion | None, ModelVersion | None]:
    roles = {
        m.status: m
        for m in ModelVersion.objects.filter(
            kind=kind, status__in=(ModelStatus.CHAMPION, ModelStatus.CHALLENGER)
        ).only("id", "kind", "version", "status", "artifact_path", "artifact_sha256")
    }
    return roles.get(ModelStatus.CHAMPION), roles.get(ModelStatus.CHALLENGER)


def champion(kind: str) -> ModelVersion | None:
    return model_in_role(kind, ModelStatus.CHAMPION)


def challenger(kind: str) -> ModelVersion | None:
    return model_in_role(kind, ModelStatus.CHALLENGER)
