"""The few SQL spellings that differ between SQLite and PostgreSQL, for the set-based
close-of-business steps (`loans.cob`, `loans.credit_line_cob`)."""

from django.db import connection


def date_param() -> str:
    """A date parameter placeholder (PostgreSQL needs the type spelled out)."""
    return "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"


def least(a: str, b: str) -> str:
    return f"(CASE WHEN ({a}) < ({b}) THEN ({a}) ELSE ({b}) END)"


def greatest(a: str, b: str) -> str:
    return f"(CASE WHEN ({a}) > ({b}) THEN ({a}) ELSE ({b}) END)"


def plus_days(day: str, days: str) -> str:
    if connection.vendor == "postgresql":
        return f"({day} + {days})"
    return f"date({day}, '+' || {days} || ' days')"


def days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def run(cursor, sql: str, params: list | None = None) -> int:
    """Execute one statement; the number of rows it touched (0 when the driver cannot say)."""
    cursor.execute(sql, params or [])
    return max(cursor.rowcount, 0)
