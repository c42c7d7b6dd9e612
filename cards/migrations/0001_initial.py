"""The card's models, moved from `loans` into an app of their own (issue 16).

State only: the tables keep their `loans_…` names (db_table), so no row moves. `loans` 0018
removes the models from its own state once the references point here. The content types and
so the permissions and admin history of the moved models follow them to the new app label.
"""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


MOVED = (
    "creditline",
    "creditlinedraw",
    "creditlinetransfer",
    "creditlinerepayment",
    "creditlinelimitchange",
    "creditlinestatement",
)


def relabel_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="loans", model__in=MOVED).update(app_label="cards")


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="cards", model__in=MOVED).update(app_label="loans")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('loans', '0017_merge_documents_and_credit_history'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # State only: the tables keep their names (cards' models set db_table), no data moves.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CreditLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('frozen', 'Frozen: no new draws'), ('closed', 'Closed')], db_index=True, default='open', max_length=8)),
                        ('freeze_reason', models.CharField(blank=True, choices=[('', '—'), ('missed_payment', 'A minimum payment was missed'), ('staff', 'Frozen by staff')], default='', max_length=16)),
                        ('limit_kop', models.BigIntegerField()),
                        ('daily_rate_ppm', models.PositiveIntegerField(help_text='8000 = 0.8 % per day')),
                        ('credit_uid', models.CharField(blank=True, editable=False, help_text="The contract's unique identifier (218-FZ), given when the card is opened", max_length=38, null=True, unique=True, verbose_name='УИд')),
                        ('opened_on', models.DateField(help_text='Business date the contract was signed')),
                        ('opened_at', models.DateTimeField(auto_now_add=True)),
                        ('closed_on', models.DateField(blank=True, null=True)),
                        ('statement_day', models.PositiveSmallIntegerField(help_text='Day of the month, 1–28')),
                        ('payment_due_days', models.PositiveSmallIntegerField(default=20, help_text='Days from a statement to its payment due date')),
                        ('min_payment_principal_ppm', models.PositiveIntegerField(default=50000, help_text='Share of principal in the minimum payment, millionths (50 000 = 5 %)')),
                        ('min_payment_floor_kop', models.BigIntegerField(default=10000)),
                        ('charges_cap_percent', models.PositiveSmallIntegerField(help_text='Cap on all charges of each draw, per cent of that draw (130 = 1.3 ×)')),
                        ('psk_percent', models.DecimalField(decimal_places=3, max_digits=8)),
                        ('psk_kop', models.BigIntegerField(help_text='ПСК in money of the representative draw')),
                        ('limits_snapshot', models.JSONField(blank=True, default=dict)),
                        ('principal_out_kop', models.BigIntegerField(default=0)),
                        ('interest_out_kop', models.BigIntegerField(default=0)),
                        ('charges_total_kop', models.BigIntegerField(default=0, help_text='All charges ever made')),
                        ('overdue_kop', models.BigIntegerField(default=0, help_text='Unpaid part of the minimum payments whose due date passed')),
                        ('accrued_through', models.DateField()),
                        ('period_from', models.DateField(help_text='First day of the statement period now running')),
                        ('version', models.PositiveIntegerField(default=1, help_text='Bumped by every write')),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_lines', to='loans.borrower')),
                        ('regulation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_lines', to='loans.regulationlimit')),
                    ],
                    options={
                        'db_table': 'loans_creditline',
                    },
                ),
                migrations.CreateModel(
                    name='CreditLineDraw',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('purchase', 'Card purchase'), ('transfer', "Transfer to the borrower's account")], max_length=8)),
                        ('amount_kop', models.BigIntegerField()),
                        ('merchant', models.CharField(blank=True, max_length=120)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('payout_reference', models.CharField(blank=True, help_text="The borrower's payout method the transfer went to", max_length=64)),
                        ('business_date', models.DateField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('idempotency_key', models.CharField(max_length=120, unique=True)),
                        ('principal_out_kop', models.BigIntegerField()),
                        ('charges_kop', models.BigIntegerField(default=0)),
                        ('charges_cap_kop', models.BigIntegerField()),
                        ('credit_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='draws', to='cards.creditline')),
                        ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='card_draw', to='loans.journalentry')),
                    ],
                    options={
                        'db_table': 'loans_creditlinedraw',
                        'ordering': ['credit_line', 'business_date', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLineLimitChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('old_limit_kop', models.BigIntegerField()),
                        ('new_limit_kop', models.BigIntegerField()),
                        ('reason', models.CharField(max_length=200)),
                        ('actor_label', models.CharField(help_text="username or 'system'", max_length=150)),
                        ('business_date', models.DateField()),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                        ('credit_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='limit_changes', to='cards.creditline')),
                    ],
                    options={
                        'db_table': 'loans_creditlinelimitchange',
                        'ordering': ['credit_line', 'at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLineRepayment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(max_length=32)),
                        ('event_id', models.CharField(max_length=120)),
                        ('amount_kop', models.BigIntegerField()),
                        ('interest_kop', models.BigIntegerField()),
                        ('principal_kop', models.BigIntegerField()),
                        ('business_date', models.DateField()),
                        ('received_at', models.DateTimeField(auto_now_add=True)),
                        ('credit_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='repayments', to='cards.creditline')),
                        ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='card_repayment', to='loans.journalentry')),
                    ],
                    options={
                        'db_table': 'loans_creditlinerepayment',
                        'ordering': ['credit_line', 'business_date', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLineStatement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period_start', models.DateField()),
                        ('period_end', models.DateField()),
                        ('opening_balance_kop', models.BigIntegerField()),
                        ('draws_kop', models.BigIntegerField()),
                        ('interest_kop', models.BigIntegerField()),
                        ('payments_kop', models.BigIntegerField()),
                        ('closing_balance_kop', models.BigIntegerField()),
                        ('closing_principal_kop', models.BigIntegerField()),
                        ('closing_interest_kop', models.BigIntegerField()),
                        ('minimum_payment_kop', models.BigIntegerField()),
                        ('due_date', models.DateField()),
                        ('paid_kop', models.BigIntegerField(default=0, help_text='Paid since the statement')),
                        ('status', models.CharField(choices=[('due', 'Minimum payment due'), ('paid', 'Minimum payment made (or none needed)'), ('missed', 'Minimum payment missed')], db_index=True, max_length=6)),
                        ('created_at', models.DateTimeField()),
                        ('credit_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='cards.creditline')),
                    ],
                    options={
                        'db_table': 'loans_creditlinestatement',
                        'ordering': ['credit_line', '-period_end'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLineTransfer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('method', models.CharField(choices=[('card', 'Card'), ('bank_account', 'Bank account')], max_length=16)),
                        ('card_token', models.CharField(blank=True, max_length=128)),
                        ('card_last4', models.CharField(blank=True, max_length=4)),
                        ('card_exp_month', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('card_exp_year', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('account_number', models.CharField(blank=True, max_length=20)),
                        ('bik', models.CharField(blank=True, max_length=9)),
                        ('gateway_ref', models.CharField(blank=True, max_length=64)),
                        ('failure_reason', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('status', models.CharField(choices=[('sent', 'Sent to the gateway'), ('pending', 'Gateway did not answer; awaiting the result'), ('paid', 'Paid out'), ('failed', 'Failed; the draw was reversed')], db_index=True, default='sent', max_length=8)),
                        ('draw', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='transfer', to='cards.creditlinedraw')),
                    ],
                    options={
                        'db_table': 'loans_creditlinetransfer',
                    },
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.CheckConstraint(condition=models.Q(('limit_kop__gt', 0)), name='credit_line_limit_positive'),
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.CheckConstraint(condition=models.Q(('daily_rate_ppm__gt', 0)), name='credit_line_rate_positive'),
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.CheckConstraint(condition=models.Q(('charges_total_kop__gte', 0), ('interest_out_kop__gte', 0), ('overdue_kop__gte', 0), ('principal_out_kop__gte', 0)), name='credit_line_balances_non_negative'),
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.CheckConstraint(condition=models.Q(('statement_day__gte', 1), ('statement_day__lte', 28)), name='credit_line_statement_day'),
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'closed'), _negated=True), fields=('borrower',), name='credit_line_one_per_borrower'),
                ),
                migrations.AddIndex(
                    model_name='creditlinedraw',
                    index=models.Index(fields=['credit_line', 'principal_out_kop'], name='credit_draw_open'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinedraw',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_kop__gt', 0)), name='credit_draw_positive'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinedraw',
                    constraint=models.CheckConstraint(condition=models.Q(('charges_kop__gte', 0), ('charges_kop__lte', models.F('charges_cap_kop')), ('principal_out_kop__gte', 0), ('principal_out_kop__lte', models.F('amount_kop'))), name='credit_draw_within_bounds'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinelimitchange',
                    constraint=models.CheckConstraint(condition=models.Q(('new_limit_kop__gt', 0), ('old_limit_kop__gt', 0)), name='credit_limit_change_positive'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinerepayment',
                    constraint=models.UniqueConstraint(fields=('provider', 'event_id'), name='credit_repayment_event_unique'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinerepayment',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_kop', django.db.models.expressions.CombinedExpression(models.F('interest_kop'), '+', models.F('principal_kop'))), ('amount_kop__gt', 0), ('interest_kop__gte', 0), ('principal_kop__gte', 0)), name='credit_repayment_split'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinestatement',
                    constraint=models.UniqueConstraint(fields=('credit_line', 'period_end'), name='credit_statement_unique'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinestatement',
                    constraint=models.CheckConstraint(condition=models.Q(('period_end__gte', models.F('period_start'))), name='credit_statement_period'),
                ),
                migrations.AddConstraint(
                    model_name='creditlinestatement',
                    constraint=models.CheckConstraint(condition=models.Q(('closing_balance_kop__gte', 0), ('minimum_payment_kop__gte', 0), ('minimum_payment_kop__lte', models.F('closing_balance_kop'))), name='credit_statement_amounts'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
