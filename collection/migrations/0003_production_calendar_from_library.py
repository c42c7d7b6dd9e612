"""The production calendar moves to the loan core (`loans.workdays`: the `holidays` library and
the administrator's overrides). The hand-written table of non-working days goes; a row in it
that the library disagrees with (one an administrator entered) is kept as an override."""

from django.db import migrations


def keep_disagreeing_days(apps, schema_editor):
    from loans.workdays import library_is_working

    day_model = apps.get_model("collection", "CalendarDay")
    override_model = apps.get_model("loans", "CalendarOverride")
    for row in day_model.objects.all():
        if row.is_working != library_is_working(row.date):
            override_model.objects.get_or_create(
                day=row.date,
                defaults={
                    "is_working": row.is_working,
                    "name": row.name,
                    "decree": "entered in the former collection calendar",
                },
            )


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0002_seed_contact_rules'),
        ('loans', '0013_calendar_override'),
    ]

    operations = [
        migrations.RunPython(keep_disagreeing_days, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='CalendarDay',
        ),
    ]
