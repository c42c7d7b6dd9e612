"""The 230-FZ contact limits of REGULATION.md and the non-working days of 2026–2027."""

import datetime as dt

from django.db import migrations

RULES = [
    {
        # REGULATION.md gives no start date for these limits; 230-FZ art. 7 is in force since
        # 2017-01-01, so that is the date, marked unconfirmed for staff to check in admin.
        "valid_from": dt.date(2017, 1, 1),
        "weekday_from": dt.time(8, 0),
        "weekday_until": dt.time(22, 0),
        "holiday_from": dt.time(9, 0),
        "holiday_until": dt.time(20, 0),
        "calls_per_day": 1,
        "calls_per_week": 2,
        "calls_per_month": 8,
        "messages_per_day": 2,
        "messages_per_week": 4,
        "messages_per_month": 16,
        "visits_per_week": 1,
        "refusal_after_days": 120,
        "source": "230-FZ art. 7, art. 8 (REGULATION.md, contacting debtors)",
        "confirmed": False,
    }
]

# Labour Code art. 112 holidays with the government's transfers of days off.
NON_WORKING = {
    2026: [
        *((dt.date(2026, 1, d), "Новогодние каникулы") for d in (1, 2, 5, 6, 7, 8)),
        (dt.date(2026, 1, 9), "Перенос выходного с 3 января"),
        (dt.date(2026, 2, 23), "День защитника Отечества"),
        (dt.date(2026, 3, 9), "Перенос с 8 марта (воскресенье)"),
        (dt.date(2026, 5, 1), "Праздник Весны и Труда"),
        (dt.date(2026, 5, 11), "Перенос с 9 мая (суббота)"),
        (dt.date(2026, 6, 12), "День России"),
        (dt.date(2026, 11, 4), "День народного единства"),
        (dt.date(2026, 12, 31), "Перенос выходного с 4 января"),
    ],
    # The 2027 transfers of 2–3 January await the government's decree: edit them in admin.
    2027: [
        *((dt.date(2027, 1, d), "Новогодние каникулы") for d in (1, 4, 5, 6, 7, 8)),
        (dt.date(2027, 2, 23), "День защитника Отечества"),
        (dt.date(2027, 3, 8), "Международный женский день"),
        (dt.date(2027, 5, 3), "Перенос с 1 мая (суббота)"),
        (dt.date(2027, 5, 10), "Перенос с 9 мая (воскресенье)"),
        (dt.date(2027, 6, 14), "Перенос с 12 июня (суббота)"),
        (dt.date(2027, 11, 4), "День народного единства"),
    ],
}


def seed(apps, schema_editor):
    rule_model = apps.get_model("collection", "ContactRule")
    day_model = apps.get_model("collection", "CalendarDay")
    for rule in RULES:
        rule_model.objects.get_or_create(valid_from=rule["valid_from"], defaults=rule)
    for days in NON_WORKING.values():
        for day, name in days:
            day_model.objects.get_or_create(date=day, defaults={"name": name, "is_working": False})


def unseed(apps, schema_editor):
    apps.get_model("collection", "ContactRule").objects.filter(
        valid_from__in=[rule["valid_from"] for rule in RULES]
    ).delete()
    apps.get_model("collection", "CalendarDay").objects.filter(
        date__in=[day for days in NON_WORKING.values() for day, _ in days]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("collection", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
