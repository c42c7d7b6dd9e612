"""The card's part of the ledger proof (`manage.py ledger_check`): each line's cached balances
(principal, interest, penalty) equal its ledger accounts and the sums of its draws."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from cards.models import CreditLine
from loans.models import Account, JournalLine


@dataclass(frozen=True)
class CreditLineLedgerBalances:
    principal_kop: int = 0
    interest_kop: int = 0
    penalty_kop: int = 0


def credit_line_ledger_balances(*, credit_line_id: int) -> CreditLineLedgerBalances:
    sums = dict(
        JournalLine.objects.filter(credit_line_id=credit_line_id)
        .values("account")
        .annotate(total=Sum("amount_kop"))
        .values_list("account", "total")
    )
    return CreditLineLedgerBalances(
        principal_kop=sums.get(Account.CARD_PRINCIPAL, 0),
        interest_kop=sums.get(Account.CARD_INTEREST, 0),
        penalty_kop=sums.get(Account.CARD_PENALTY, 0),
    )


def credit_lines_out_of_balance(limit: int = 100) -> list[int]:
    """Credit lines whose cached balances differ from their ledger accounts, or whose draws'
    outstanding principal does not add up to the line's (set-based)."""
    sql = """
        SELECT c.id FROM loans_creditline c LEFT JOIN (
            SELECT credit_line_id,
              SUM(CASE WHEN account = 'card_principal' THEN amount_kop ELSE 0 END) AS p,
              SUM(CASE WHEN account = 'card_interest' THEN amount_kop ELSE 0 END) AS i,
              SUM(CASE WHEN account = 'card_penalty' THEN amount_kop ELSE 0 END) AS n
            FROM loans_journalline WHERE credit_line_id IS NOT NULL GROUP BY credit_line_id
        ) s ON s.credit_line_id = c.id LEFT JOIN (
            SELECT credit_line_id, SUM(principal_out_kop) AS p, SUM(charges_kop) AS ch
            FROM loans_creditlinedraw GROUP BY credit_line_id
        ) d ON d.credit_line_id = c.id
        WHERE c.principal_out_kop <> COALESCE(s.p, 0)
           OR c.interest_out_kop <> COALESCE(s.i, 0)
           OR c.penalty_out_kop <> COALESCE(s.n, 0)
           OR c.principal_out_kop <> COALESCE(d.p, 0)
           OR c.charges_total_kop <> COALESCE(d.ch, 0)
        ORDER BY c.id LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


def credit_lines_check() -> list[str]:
    bad = credit_lines_out_of_balance()
    if not bad:
        return []
    return ["credit lines whose balances differ from the ledger: " + ", ".join(map(str, bad))]


def credit_lines_counted() -> str:
    lines = CreditLine.objects.count()
    return f"{lines} credit lines" if lines else ""
