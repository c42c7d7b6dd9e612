"""COB's nightly writes, cheaper (README, Performance: one COB day).

- `loans_loan` keeps half of each page free (PostgreSQL fillfactor 50), so that the daily
  accrual UPDATE, which changes no indexed column, is a HOT update: the new row version goes on
  the same page and no index of the table gets a new entry. Rows already stored move into such
  pages as they are next updated; `VACUUM FULL loans_loan` in a quiet hour does it at once.
- The journal's indexes leave out what no query looks for: a line of a company account (income,
  cash) carries neither a loan nor a credit line, so it is in neither owner's index; the single
  column indexes of the lines' foreign keys go, the (owner, account) indexes lead with them; the
  entries' credit-line index holds only credit-line entries.
- The `…_like` (varchar_pattern_ops) indexes PostgreSQL gets for `JournalEntry.key` and
  `Loan.status` go: no query filters either with LIKE (keys are looked up whole, statuses by
  equality), and each was one more insertion per entry or status change.
- `Loan.status` and `Loan.next_due_date` lose their single-column indexes: every query on them
  (COB, collection, the admin's filters) names the status, and loan_status_due
  (status, next_due_date) serves it. A due date passing or a status changing then writes two
  index entries fewer.
"""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models

# (table, column) whose `…_like` index PostgreSQL no longer keeps.
LIKE_INDEXES = [("loans_journalentry", "key"), ("loans_loan", "status")]


def _like_index_name(schema_editor, table: str, column: str) -> str:
    return schema_editor._create_index_name(table, [column], suffix="_like")


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in LIKE_INDEXES:
        name = _like_index_name(schema_editor, table, column)
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in LIKE_INDEXES:
        name = _like_index_name(schema_editor, table, column)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON"
            f" {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)}"
            " varchar_pattern_ops)"
        )


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE loans_loan SET (fillfactor = 50)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE loans_loan RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("loans", "0009_dashboard_indexes")]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
        migrations.RunPython(drop_like_indexes, create_like_indexes, elidable=False),
        migrations.RemoveIndex(model_name="journalline", name="line_loan_account"),
        migrations.RemoveIndex(model_name="journalline", name="line_credit_account"),
        migrations.AddIndex(
            model_name="journalline",
            index=models.Index(
                condition=models.Q(("loan__isnull", False)),
                fields=["loan", "account"],
                name="line_loan_account",
            ),
        ),
        migrations.AddIndex(
            model_name="journalline",
            index=models.Index(
                condition=models.Q(("credit_line__isnull", False)),
                fields=["credit_line", "account"],
                name="line_credit_account",
            ),
        ),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(
                condition=models.Q(("credit_line__isnull", False)),
                fields=["credit_line"],
                name="entry_credit_line",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="credit_line",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="journal_entries",
                to="loans.creditline",
            ),
        ),
        migrations.AlterField(
            model_name="journalline",
            name="credit_line",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="journal_lines",
                to="loans.creditline",
            ),
        ),
        migrations.AlterField(
            model_name="loan",
            name="status",
            field=django_fsm.FSMField(
                choices=[
                    ("applied", "Applied"),
                    ("scored", "Scored"),
                    ("in_review", "In review"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                    ("disbursed", "Payout sent"),
                    ("serviced", "Serviced"),
                    ("overdue", "Overdue"),
                    ("closed", "Closed"),
                    ("written_off", "Written off"),
                ],
                default="applied",
                max_length=50,
                protected=True,
            ),
        ),
        migrations.AlterField(
            model_name="loan",
            name="next_due_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="historicalloan",
            name="status",
            field=django_fsm.FSMField(
                choices=[
                    ("applied", "Applied"),
                    ("scored", "Scored"),
                    ("in_review", "In review"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                    ("disbursed", "Payout sent"),
                    ("serviced", "Serviced"),
                    ("overdue", "Overdue"),
                    ("closed", "Closed"),
                    ("written_off", "Written off"),
                ],
                default="applied",
                max_length=50,
                protected=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalloan",
            name="next_due_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="journalline",
            name="loan",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="journal_lines",
                to="loans.loan",
            ),
        ),
    ]
