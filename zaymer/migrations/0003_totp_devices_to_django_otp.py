"""The admin's authenticators move to django-otp: each old device's secret (base32) becomes a
TOTP device's key (hex), confirmed if it was, remembering the last step used (so a code used
before the move is still refused); then the old table goes."""

import base64

from django.db import migrations


def to_django_otp(apps, schema_editor):
    Old = apps.get_model("zaymer", "TotpDevice")
    New = apps.get_model("otp_totp", "TOTPDevice")
    for old in Old.objects.all():
        New.objects.create(
            user_id=old.user_id,
            name="authenticator",
            confirmed=old.confirmed_at is not None,
            key=base64.b32decode(old.secret, casefold=True).hex(),
            step=30,
            digits=6,
            tolerance=1,
            last_t=old.last_step or -1,
        )


def from_django_otp(apps, schema_editor):
    Old = apps.get_model("zaymer", "TotpDevice")
    New = apps.get_model("otp_totp", "TOTPDevice")
    for new in New.objects.order_by("-confirmed", "pk"):
        Old.objects.get_or_create(
            user_id=new.user_id,
            defaults={
                "secret": base64.b32encode(bytes.fromhex(new.key)).decode("ascii"),
                "confirmed_at": new.created_at if new.confirmed else None,
                "last_step": max(new.last_t, 0),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("zaymer", "0002_dashboard_snapshot"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(to_django_otp, from_django_otp),
        migrations.DeleteModel(name="TotpDevice"),
    ]
