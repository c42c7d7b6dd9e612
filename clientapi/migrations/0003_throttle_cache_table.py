# The table of the "throttles" cache (settings.CACHES), so that migrate is all a server needs.

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # createcachetable skips a table that already exists.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    table = settings.CACHES["throttles"]["LOCATION"]
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ('clientapi', '0002_borrower_messages_moved_to_loans'),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
