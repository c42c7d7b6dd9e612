# The outbox moved to the loan core (loans.BorrowerMessage); its rows go with it.

from django.db import migrations

NEVER_SENT = "never sent: kept from the API's own outbox"


def copy_messages(apps, schema_editor):
    old = apps.get_model("clientapi", "BorrowerMessage")._meta.db_table
    new = apps.get_model("loans", "BorrowerMessage")._meta.db_table
    q = schema_editor.quote_name
    # Unsent rows are stale one-time codes: kept as failed so the sender never sends them now.
    schema_editor.execute(
        f"INSERT INTO {q(new)} (phone, kind, body, status, attempts, last_error, gateway_ref, "
        f"created_at, sent_at, borrower_id) "
        f"SELECT phone, kind, body, CASE WHEN sent_at IS NULL THEN 'failed' ELSE 'sent' END, 0, "
        f"CASE WHEN sent_at IS NULL THEN %s ELSE '' END, '', created_at, sent_at, NULL "
        f"FROM {q(old)} ORDER BY id",
        [NEVER_SENT],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('clientapi', '0001_initial'),
        ('loans', '0004_borrowermessage'),
    ]

    operations = [
        migrations.RunPython(copy_messages, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='BorrowerMessage',
        ),
    ]
