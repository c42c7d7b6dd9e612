from django.db import migrations

# The risk team's starting point, editable in the admin. A model must beat a constant PD and
# rank better than a coin by a margin a validator accepts; pre-collection and collection
# models rank an easier question (a missed due date, a recovery), hence the same floors.
DEFAULTS = {
    "application": {"min_auc": 0.62, "min_ks": 0.15, "max_brier_ratio": 0.99},
    "pre_collection": {"min_auc": 0.62, "min_ks": 0.15, "max_brier_ratio": 0.99},
    "collection": {"min_auc": 0.60, "min_ks": 0.12, "max_brier_ratio": 0.99},
}


def seed(apps, schema_editor):
    thresholds = apps.get_model("scoring", "PromotionThresholds")
    for kind, values in DEFAULTS.items():
        thresholds.objects.get_or_create(
            kind=kind,
            defaults={**values, "max_calibration_error": 0.06, "min_holdout_rows": 100},
        )


def unseed(apps, schema_editor):
    apps.get_model("scoring", "PromotionThresholds").objects.filter(kind__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0005_promotion_gates")]

    operations = [migrations.RunPython(seed, unseed)]
