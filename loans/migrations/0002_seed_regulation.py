"""Seed the effective-dated limits from shared/REGULATION.md (staff edit them in admin)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

PERIODS = [
    # valid_from, valid_to, cap multiplier, threshold %, max loans above it, cooling-off, confirmed, source
    ("2023-07-01", "2026-03-31", "1.30", None, None, None, True, "353-FZ as amended by 613-FZ"),
    ("2026-04-01", "2026-09-30", "1.00", None, None, None, False, "545-FZ of 2025-12-29"),
    ("2026-10-01", "2027-03-31", "1.00", "200", 2, None, False, "545-FZ of 2025-12-29"),
    ("2027-04-01", None, "1.00", "100", 1, 3, False, "545-FZ of 2025-12-29"),
]

REGIONS = [
    ("77", "Москва", "Europe/Moscow", 13_000_000),
    ("78", "Санкт-Петербург", "Europe/Moscow", 9_500_000),
    ("16", "Республика Татарстан", "Europe/Moscow", 5_600_000),
    ("63", "Самарская область", "Europe/Samara", 4_500_000),
    ("66", "Свердловская область", "Asia/Yekaterinburg", 5_400_000),
    ("54", "Новосибирская область", "Asia/Novosibirsk", 4_600_000),
    ("24", "Красноярский край", "Asia/Krasnoyarsk", 5_000_000),
    ("38", "Иркутская область", "Asia/Irkutsk", 4_200_000),
    ("25", "Приморский край", "Asia/Vladivostok", 5_100_000),
    ("39", "Калининградская область", "Europe/Kaliningrad", 4_300_000),
    ("41", "Камчатский край", "Asia/Kamchatka", 7_800_000),
]


def seed(apps, schema_editor):
    limit_model = apps.get_model("loans", "RegulationLimit")
    for start, end, cap, threshold, max_loans, cooling, confirmed, source in PERIODS:
        limit_model.objects.get_or_create(
            valid_from=dt.date.fromisoformat(start),
            defaults={
                "valid_to": dt.date.fromisoformat(end) if end else None,
                "max_daily_rate_ppm": 8000,
                "max_psk_percent": Decimal("292.000"),
                "market_psk_check_enabled": True,
                "charges_cap_multiplier": Decimal(cap),
                "penalty_with_interest_annual_percent": Decimal("20"),
                "penalty_without_interest_daily_ppm": 1000,
                "high_psk_threshold_percent": Decimal(threshold) if threshold else None,
                "max_high_psk_loans": max_loans,
                "cooling_off_days": cooling,
                "confirmed": confirmed,
                "source": source,
            },
        )
    region_model = apps.get_model("loans", "Region")
    for code, name, tz, income in REGIONS:
        region_model.objects.get_or_create(
            code=code, defaults={"name": name, "time_zone": tz, "average_income_kop": income}
        )


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
