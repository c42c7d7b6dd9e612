import base64

from django.db import migrations, models

HELP_VECTOR = "The primary bureau's wide attribute vector, little-endian float64"
HELP_DATE = "The business date decided on"


def move_out(apps, schema_editor):
    """Old decisions kept the bureau vector as base64 inside the snapshot and no business date."""
    ScoreResult = apps.get_model("scoring", "ScoreResult")
    for result in ScoreResult.objects.only("pk", "snapshot").iterator(chunk_size=200):
        snapshot = dict(result.snapshot)
        packed = snapshot.pop("bureau_attributes")
        ScoreResult.objects.filter(pk=result.pk).update(
            snapshot=snapshot,
            bureau_attributes=base64.b64decode(packed["base64"]),
            business_date=snapshot["as_of"],
        )


def move_back(apps, schema_editor):
    ScoreResult = apps.get_model("scoring", "ScoreResult")
    for result in ScoreResult.objects.only("pk", "snapshot", "bureau_attributes").iterator(
        chunk_size=200
    ):
        packed = base64.b64encode(bytes(result.bureau_attributes)).decode("ascii")
        ScoreResult.objects.filter(pk=result.pk).update(
            snapshot={**result.snapshot, "bureau_attributes": {"dtype": "<f8", "base64": packed}}
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_default_cutoffs")]

    operations = [
        migrations.AddField(
            model_name="scoreresult",
            name="bureau_attributes",
            field=models.BinaryField(null=True, help_text=HELP_VECTOR),
        ),
        migrations.AddField(
            model_name="scoreresult",
            name="business_date",
            field=models.DateField(null=True, db_index=True, help_text=HELP_DATE),
        ),
        migrations.RunPython(move_out, move_back),
    ]
