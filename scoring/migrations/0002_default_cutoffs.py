from decimal import Decimal

from django.db import migrations

# The starting cut-offs per segment; risk managers edit them in admin.
DEFAULTS = [
    ("new", Decimal("0.1000"), Decimal("0.2500"), 400_000),
    ("repeat", Decimal("0.1500"), Decimal("0.3000"), 1_000_000),
]


def seed(apps, schema_editor):
    CutOff = apps.get_model("scoring", "CutOff")
    for segment, approve, refer, max_el in DEFAULTS:
        CutOff.objects.get_or_create(
            segment=segment,
            product=None,
            defaults={
                "approve_below_pd": approve,
                "refer_below_pd": refer,
                "max_expected_loss_kop": max_el,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
