"""The bench's bulk tables: their indexes and constraints taken off before the book is built
and put back after it (proved identical), and their id sequences moved past the rows built."""

from benchdb import Sql

BULK_TABLES = [
    "loans_borrower",
    "loans_payoutorder",
    "loans_loan",
    "loans_scheduleitem",
    "loans_journalentry",
    "loans_journalline",
]


def schema_signature(cursor, sql: Sql) -> list:
    """Every index and constraint definition of the bulk tables, to prove they come back."""
    if not sql.pg:
        names = ", ".join(f"'{name}'" for name in BULK_TABLES)
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index')"
            f" AND tbl_name IN ({names}) ORDER BY 1, 2"
        )
        return cursor.fetchall()
    tables = ", ".join(f"'{name}'::regclass" for name in BULK_TABLES)
    cursor.execute(
        "SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        f" WHERE indrelid IN ({tables}) UNION ALL SELECT 'constraint', conname,"
        " pg_get_constraintdef(oid) FROM pg_constraint"
        f" WHERE conrelid IN ({tables}) ORDER BY 1, 2"
    )
    return cursor.fetchall()


def detach_sqlite_indexes(cursor) -> list[str]:
    """SQLite: drop the bulk tables' separate indexes (those written inside CREATE TABLE stay)
    and return their CREATE INDEX statements."""
    names = ", ".join(f"'{name}'" for name in BULK_TABLES)
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({names}) ORDER BY name"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in indexes]


def detach_indexes(cursor) -> list[str]:
    """PostgreSQL: drop the bulk tables' secondary indexes, unique and foreign-key constraints.

    Loading into bare tables and then building each index in one sort and checking each
    foreign key in one join is far faster than maintaining them row by row (deferred foreign
    keys would otherwise queue one check per row until commit). Returns the DDL that puts
    back exactly what was there, under the same names.
    """
    tables = ", ".join(f"'{name}'::regclass" for name in BULK_TABLES)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)"
        f" FROM pg_constraint WHERE conrelid IN ({tables}) AND contype IN ('f', 'u')"
        " ORDER BY contype DESC, conname"  # unique before foreign keys when put back
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        f" WHERE i.indrelid IN ({tables}) AND NOT i.indisprimary AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
    )
    indexes = cursor.fetchall()
    for table, name, *_ in sorted(constraints, key=lambda c: c[2] != "f"):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [ddl for _, ddl in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for table, name, _, ddl in constraints
    ]


def reset_sequences(cursor) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from loans.models import Borrower, JournalEntry, JournalLine, Loan, PayoutOrder, ScheduleItem

    models = [Borrower, Loan, PayoutOrder, ScheduleItem, JournalEntry, JournalLine]
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)
