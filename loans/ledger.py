"""Double-entry ledger: posting balanced entries and reading balances back."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Sum

from kernel.errors import DomainError
from loans.models import Account, JournalEntry, JournalLine, Loan


class UnbalancedEntry(DomainError):
    code = "unbalanced_entry"


@dataclass(frozen=True)
class Line:
    account: Account
    amount_kop: int
    loan_id: int | None = None
    credit_line_id: int | None = None


def post_entry(
    *,
    key: str,
    kind: str,
    business_date: date,
    lines: Iterable[Line],
    loan: Loan | None = None,
    credit_line_id: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """Write one balanced entry. Zero lines are dropped; an empty or unbalanced entry is refused."""
    kept = [line for line in lines if line.amount_kop != 0]
    if not kept:
        raise UnbalancedEntry(f"Entry {key} moves no money")
    total = sum(line.amount_kop for line in kept)
    if total != 0:
        raise UnbalancedEntry(f"Entry {key} does not balance: lines sum to {total}")
    entry = JournalEntry.objects.create(
        key=key,
        kind=kind,
        loan=loan,
        credit_line_id=credit_line_id,
        business_date=business_date,
        memo=memo,
    )
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            loan_id=line.loan_id,
            credit_line_id=line.credit_line_id,
            account=line.account,
            amount_kop=line.amount_kop,
        )
        for line in kept
    )
    return entry


@dataclass(frozen=True)
class LoanLedgerBalances:
    principal_kop: int = 0
    interest_kop: int = 0
    penalty_kop: int = 0
    fees_kop: int = 0
    overpayment_kop: int = 0


def _from_sums(sums: dict[str, int]) -> LoanLedgerBalances:
    return LoanLedgerBalances(
        principal_kop=sums.get(Account.LOAN_PRINCIPAL, 0),
        interest_kop=sums.get(Account.LOAN_INTEREST, 0),
        penalty_kop=sums.get(Account.LOAN_PENALTY, 0),
        fees_kop=sums.get(Account.LOAN_FEES, 0),
        overpayment_kop=-sums.get(Account.BORROWER_OVERPAYMENT, 0),
    )


def loan_ledger_balances(*, loan_id: int) -> LoanLedgerBalances:
    rows = (
        JournalLine.objects.filter(loan_id=loan_id)
        .values("account")
        .annotate(total=Sum("amount_kop"))
        .values_list("account", "total")
    )
    return _from_sums(dict(rows))


def cached_balances(loan: Loan) -> LoanLedgerBalances:
    return LoanLedgerBalances(
        principal_kop=loan.principal_out_kop,
        interest_kop=loan.interest_out_kop,
        penalty_kop=loan.penalty_out_kop,
        fees_kop=loan.fees_out_kop,
        overpayment_kop=loan.overpayment_kop,
    )


def account_balance(*, account: Account) -> int:
    return JournalLine.objects.filter(account=account).aggregate(s=Sum("amount_kop"))["s"] or 0


def unbalanced_entries(limit: int = 100, *, on: date | None = None) -> list[tuple[str, int | None]]:
    """(key, loan id) of entries whose lines do not sum to zero, or that have no lines; only
    the entries of business date `on` when given."""
    day = "WHERE e.business_date = %s" if on else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.key, e.loan_id FROM loans_journalentry e LEFT JOIN loans_journalline l"
            f" ON l.entry_id = e.id {day} GROUP BY e.id, e.key, e.loan_id"
            " HAVING COALESCE(SUM(l.amount_kop), 0) <> 0 OR COUNT(l.id) = 0"
            " ORDER BY e.id LIMIT %s",
            [on, limit] if on else [limit],
        )
        return [(key, loan_id) for key, loan_id in cursor.fetchall()]


def unbalanced_entry_keys(limit: int = 100) -> list[str]:
    return [key for key, _ in unbalanced_entries(limit)]


def loans_out_of_balance(limit: int = 100) -> list[int]:
    """Loans whose cached balances differ from the sums of their ledger accounts (set-based)."""
    sql = """
        SELECT l.id FROM loans_loan l LEFT JOIN (
            SELECT loan_id,
              SUM(CASE WHEN account = 'loan_principal' THEN amount_kop ELSE 0 END) AS p,
              SUM(CASE WHEN account = 'loan_interest' THEN amount_kop ELSE 0 END) AS i,
              SUM(CASE WHEN account = 'loan_penalty' THEN amount_kop ELSE 0 END) AS n,
              SUM(CASE WHEN account = 'loan_fees' THEN amount_kop ELSE 0 END) AS f,
              SUM(CASE WHEN account = 'borrower_overpayment' THEN amount_kop ELSE 0 END) AS o
            FROM loans_journalline WHERE loan_id IS NOT NULL GROUP BY loan_id
        ) s ON s.loan_id = l.id
        WHERE l.principal_out_kop <> COALESCE(s.p, 0)
           OR l.interest_out_kop <> COALESCE(s.i, 0)
           OR l.penalty_out_kop <> COALESCE(s.n, 0)
           OR l.fees_out_kop <> COALESCE(s.f, 0)
           OR l.overpayment_kop <> -COALESCE(s.o, 0)
        ORDER BY l.id LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


# Proofs a higher floor adds to `ledger_check` (the card's balances, the borrower API's
# webhooks, which this floor does not know): each answers what is wrong, one sentence per
# finding, or nothing.
_EXTRA_CHECKS: list[Callable[[], list[str]]] = []


def register_ledger_check(check: Callable[[], list[str]]) -> None:
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)


def extra_check_findings() -> list[str]:
    return [finding for check in _EXTRA_CHECKS for finding in check()]


# Books a higher floor keeps in this ledger (the card's): each says how many of its contracts
# the proof covered ("3 credit lines"), or nothing when there are none.
_BOOKS: list[Callable[[], str]] = []


def register_book(count: Callable[[], str]) -> None:
    if count not in _BOOKS:
        _BOOKS.append(count)


def other_books() -> list[str]:
    return [counted for count in _BOOKS if (counted := count())]
