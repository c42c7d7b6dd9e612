"""The dossier's identity checks look up passports and phones in the borrowers' history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("loans", "0006_payout_cooling_time")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX history_borrower_passport"
            " ON loans_historicalborrower (passport_series, passport_number)",
            "DROP INDEX history_borrower_passport",
        ),
        migrations.RunSQL(
            "CREATE INDEX history_borrower_phone ON loans_historicalborrower (phone)",
            "DROP INDEX history_borrower_phone",
        ),
    ]
