"""The model kinds besides the application scorecard: the features each kind's builder
produces (what the promotion gate checks a model's inputs against) and its training rows.

The pre-collection kind is built here from the loan book; the collection kind reads case
outcomes, which live on a floor above scoring, so the collection app registers it when it is
ready (scoring never imports it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from scoring.datasets import Dataset, require_two_classes


@dataclass(frozen=True)
class Kind:
    numeric: frozenset[str]
    categorical: frozenset[str]
    dataset: Callable[..., Dataset]  # dataset(on=business_date): the matured rows by then


_kinds: dict[str, Kind] = {}


def register_kind(
    kind: str,
    *,
    numeric: tuple[str, ...],
    categorical: tuple[str, ...] = (),
    dataset: Callable[..., Dataset],
) -> None:
    _kinds[kind] = Kind(frozenset(numeric), frozenset(categorical), dataset)


def registered_kind(kind: str) -> Kind | None:
    return _kinds.get(kind)


def kind_dataset(kind: str, *, on: date) -> Dataset | None:
    """The kind's training rows as of business date `on`; None for a kind with no builder."""
    spec = _kinds.get(kind)
    if spec is None:
        return None
    dataset = spec.dataset(on=on)
    require_two_classes(dataset.y, target=dataset.target, positive="1")
    return dataset
