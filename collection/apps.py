from django.apps import AppConfig


class CollectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collection"

    def ready(self) -> None:
        from collection.learning import CATEGORICAL, NUMERIC, collection_dataset
        from scoring.kinds import register_kind
        from scoring.models import ModelKind

        register_kind(
            ModelKind.COLLECTION,
            numeric=NUMERIC,
            categorical=CATEGORICAL,
            dataset=collection_dataset,
        )
