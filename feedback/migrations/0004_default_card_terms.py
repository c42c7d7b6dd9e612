"""The gold tier offers the virtual card out of the box: a 30 000 ₽ limit at 0.5 % a day.

Only where the tier still has no card terms, so an administrator's edits are kept.
"""

from django.db import migrations

GOLD_CARD = {"credit_line_limit_kop": 30_000 * 100, "credit_line_daily_rate_ppm": 5_000}


def add_card_terms(apps, schema_editor):
    tiers = apps.get_model("feedback", "LoyaltyTier")
    tiers.objects.filter(code="gold", credit_line_limit_kop__isnull=True).update(**GOLD_CARD)


def remove_card_terms(apps, schema_editor):
    tiers = apps.get_model("feedback", "LoyaltyTier")
    tiers.objects.filter(code="gold", **GOLD_CARD).update(
        credit_line_limit_kop=None, credit_line_daily_rate_ppm=None
    )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_credit_line_offers")]

    operations = [migrations.RunPython(add_card_terms, remove_card_terms)]
