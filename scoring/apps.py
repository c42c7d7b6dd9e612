from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"

    def ready(self) -> None:
        from scoring.kinds import register_kind
        from scoring.models import ModelKind
        from scoring.precollection import FEATURES, pre_collection_dataset

        register_kind(ModelKind.PRE_COLLECTION, numeric=FEATURES, dataset=pre_collection_dataset)
