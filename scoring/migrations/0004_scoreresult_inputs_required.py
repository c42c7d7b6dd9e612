from django.db import migrations, models


def store_vector_uncompressed(apps, schema_editor):
    # 80 kB of floats do not compress, and PostgreSQL would try on every insert.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE scoring_scoreresult ALTER COLUMN bureau_attributes SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    # Apart from 0003: PostgreSQL refuses to alter a table with updates pending in the same
    # transaction.
    dependencies = [("scoring", "0003_scoreresult_inputs")]

    operations = [
        migrations.AlterField(
            model_name="scoreresult",
            name="bureau_attributes",
            field=models.BinaryField(
                help_text="The primary bureau's wide attribute vector, little-endian float64"
            ),
        ),
        migrations.AlterField(
            model_name="scoreresult",
            name="business_date",
            field=models.DateField(db_index=True, help_text="The business date decided on"),
        ),
        migrations.RunPython(store_vector_uncompressed, migrations.RunPython.noop),
    ]
