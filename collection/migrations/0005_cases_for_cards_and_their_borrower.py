import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FILL_BORROWER = """
UPDATE {table} SET borrower_id = (
    SELECT l.borrower_id FROM loans_loan l WHERE l.id = {table}.loan_id)
WHERE loan_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0004_card_days_past_due'),
        ('collection', '0004_merge_state_fee_and_calendar'),
        ('loans', '0020_merge_card_penalty_and_signing_fee'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='collectioncase',
            name='borrower',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='collection_cases', to='loans.borrower'),
        ),
        migrations.AddField(
            model_name='collectioncase',
            name='credit_line',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='collection_cases', to='cards.creditline'),
        ),
        migrations.AddField(
            model_name='historicalcollectioncase',
            name='borrower',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='loans.borrower'),
        ),
        migrations.AddField(
            model_name='historicalcollectioncase',
            name='credit_line',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cards.creditline'),
        ),
        migrations.RunSQL(
            FILL_BORROWER.format(table="collection_collectioncase"), migrations.RunSQL.noop
        ),
        migrations.RunSQL(
            FILL_BORROWER.format(table="collection_historicalcollectioncase"),
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='collectioncase',
            name='borrower',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='collection_cases', to='loans.borrower'),
        ),
        migrations.AlterField(
            model_name='collectioncase',
            name='loan',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='collection_cases', to='loans.loan'),
        ),
        migrations.AddIndex(
            model_name='collectioncase',
            index=models.Index(fields=['borrower', 'stage'], name='collection_case_borrower'),
        ),
        migrations.AddConstraint(
            model_name='collectioncase',
            constraint=models.UniqueConstraint(condition=models.Q(('stage__in', ('soft', 'hard', 'legal'))), fields=('credit_line',), name='collection_one_open_case_per_card'),
        ),
        migrations.AddConstraint(
            model_name='collectioncase',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('credit_line__isnull', True), ('loan__isnull', False)), models.Q(('credit_line__isnull', False), ('loan__isnull', True)), _connector='OR'), name='collection_case_one_debt'),
        ),
    ]
