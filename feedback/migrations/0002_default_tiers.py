"""Three starting tiers, so offers work before anyone edits the rules in admin.

Thresholds rise with the rank; a borrower whose worst overdue passed 30 days gets no tier.
The offer product is left empty: the product of the borrower's last repaid loan.
"""

from django.db import migrations

RUB = 100

DEFAULT_TIERS = [
    {
        "code": "bronze",
        "name": "Бронза",
        "rank": 1,
        "min_loans_repaid": 1,
        "min_on_time_percent": 0,
        "max_days_past_due": 30,
        "min_tenure_days": 0,
        "offer_amount_limit_kop": 15_000 * RUB,
        "offer_rate_discount_ppm": 0,
        "offer_valid_days": 30,
    },
    {
        "code": "silver",
        "name": "Серебро",
        "rank": 2,
        "min_loans_repaid": 3,
        "min_on_time_percent": 80,
        "max_days_past_due": 7,
        "min_tenure_days": 60,
        "offer_amount_limit_kop": 30_000 * RUB,
        "offer_rate_discount_ppm": 1_000,
        "offer_valid_days": 30,
    },
    {
        "code": "gold",
        "name": "Золото",
        "rank": 3,
        "min_loans_repaid": 6,
        "min_on_time_percent": 95,
        "max_days_past_due": 3,
        "min_tenure_days": 180,
        "offer_amount_limit_kop": 50_000 * RUB,
        "offer_rate_discount_ppm": 2_000,
        "offer_valid_days": 45,
    },
]


def add_default_tiers(apps, schema_editor):
    tiers = apps.get_model("feedback", "LoyaltyTier")
    for row in DEFAULT_TIERS:
        if not tiers.objects.filter(code=row["code"]).exists():
            tiers.objects.create(**row)


def remove_default_tiers(apps, schema_editor):
    tiers = apps.get_model("feedback", "LoyaltyTier")
    tiers.objects.filter(code__in=[row["code"] for row in DEFAULT_TIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(add_default_tiers, remove_default_tiers)]
