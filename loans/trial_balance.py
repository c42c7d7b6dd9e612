"""The trial balance of each closed day, and the daily ledger proof that starts from it.

COB stores, at the end of day D, every account's balance per owner (loan, credit line, or the
company): the balances of D-1 plus the lines of D's entries, so the night reads one day of the
journal, not all of it (the whole journal only when D-1 has no snapshot: the first night). The
daily proof of D then reads D-1's snapshot, D's entries and the cached balances:

- every entry of D balances;
- D-1's balances plus D's lines equal D's stored balances, per account and owner (a line of D
  changed after the night shows here);
- every loan's cached balances equal D's balances plus the lines of the days after D.

The full proof (`ledger_check` without --daily) still reads the whole journal. Snapshots older
than KEPT_DAYS days are deleted by the night that stores a new one.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.utils.translation import gettext as _

from kernel.sql import date_param, run
from loans.ledger import unbalanced_entries
from loans.models import TrialBalance

logger = logging.getLogger(__name__)

KEPT_DAYS = 3  # the closed day and the two before it: a daily proof of each can be re-run

# The day's lines as (account, loan, credit line, amount), owners as 0 when there is none.
_LINES_OF = """
    SELECT l.account, COALESCE(l.loan_id, 0) AS loan_id,
        COALESCE(l.credit_line_id, 0) AS credit_line_id, l.amount_kop AS amount
    FROM loans_journalline l JOIN loans_journalentry e ON e.id = l.entry_id
    WHERE e.business_date {condition}
"""
_SNAPSHOT_OF = """
    SELECT account, loan_id, credit_line_id, balance_kop AS amount
    FROM loans_trialbalance WHERE business_date = {d}
"""
_OWNER = "account, loan_id, credit_line_id"


def has_trial_balance(on: date) -> bool:
    return TrialBalance.objects.filter(business_date=on).exists()


def store_trial_balance(*, on: date) -> int:
    """Store the trial balance at the end of `on` (again, if it was stored: the same rows);
    returns how many balances it holds."""
    d = date_param()
    with connection.cursor() as cursor:
        run(cursor, f"DELETE FROM loans_trialbalance WHERE business_date = {d}", [on])
        before = on - timedelta(days=1)
        if has_trial_balance(before):
            source = _SNAPSHOT_OF.format(d=d) + " UNION ALL " + _LINES_OF.format(condition=f"= {d}")
            params = [before, on]
        else:
            source, params = _LINES_OF.format(condition=f"<= {d}"), [on]
        stored = run(
            cursor,
            "INSERT INTO loans_trialbalance (business_date, account, loan_id, credit_line_id,"
            f" balance_kop) SELECT {d}, {_OWNER}, SUM(amount) FROM ({source}) t"
            f" GROUP BY {_OWNER} HAVING SUM(amount) <> 0",
            [on, *params],
        )
        run(
            cursor,
            f"DELETE FROM loans_trialbalance WHERE business_date <= {d}",
            [on - timedelta(days=KEPT_DAYS)],
        )
    return stored


def step_trial_balance(cursor, on: date) -> int:
    """COB's last step: the day's trial balance, once every entry of the day is written."""
    return store_trial_balance(on=on)


def step_daily_proof(cursor, on: date) -> int:
    """COB's proof of the day it closes; returns how many findings it logged (a night without
    the day before's snapshot, the first, proves nothing and finds nothing)."""
    proof = daily_proof(on=on)
    for finding in proof.findings:
        logger.error("daily ledger proof of %s: %s", on, finding)
    return len(proof.findings)


@dataclass
class DailyProof:
    on: date
    previous_missing: bool = False
    entries: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.previous_missing and not self.findings


def _owner(account: str, loan_id: int, credit_line_id: int) -> str:
    if loan_id:
        return _("%(account)s of loan %(id)s") % {"account": account, "id": loan_id}
    if credit_line_id:
        return _("%(account)s of credit line %(id)s") % {"account": account, "id": credit_line_id}
    return account


def _differences(cursor, source: str, params: list, limit: int) -> list[tuple]:
    cursor.execute(
        f"SELECT {_OWNER}, SUM(amount) FROM ({source}) t GROUP BY {_OWNER}"
        f" HAVING SUM(amount) <> 0 ORDER BY {_OWNER} LIMIT {int(limit)}",
        params,
    )
    return cursor.fetchall()


# A loan's cached balances as ledger amounts (the overpayment is held on the credit side).
_CACHED = " UNION ALL ".join(
    f"SELECT '{account}' AS account, id AS loan_id, 0 AS credit_line_id, {amount} AS amount"
    f" FROM loans_loan WHERE {column} <> 0"
    for account, column, amount in [
        ("loan_principal", "principal_out_kop", "-principal_out_kop"),
        ("loan_interest", "interest_out_kop", "-interest_out_kop"),
        ("loan_penalty", "penalty_out_kop", "-penalty_out_kop"),
        ("loan_fees", "fees_out_kop", "-fees_out_kop"),
        ("borrower_overpayment", "overpayment_kop", "overpayment_kop"),
    ]
)
_LOAN_ACCOUNTS = (
    "('loan_principal', 'loan_interest', 'loan_penalty', 'loan_fees', 'borrower_overpayment')"
)


def daily_proof(*, on: date, limit: int = 100) -> DailyProof:
    """Prove the journal of `on` against the trial balance of the day before (module doc)."""
    proof = DailyProof(on=on)
    before = on - timedelta(days=1)
    if not has_trial_balance(before):
        proof.previous_missing = True
        return proof
    d = date_param()
    proof.findings += [
        _("unbalanced entry of the day: %(key)s") % {"key": key}
        for key, _loan in unbalanced_entries(limit, on=on)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM loans_journalentry WHERE business_date = {d}", [on])
        proof.entries = cursor.fetchone()[0]
        day_end = _SNAPSHOT_OF.format(d=d) + " UNION ALL " + _LINES_OF.format(condition=f"= {d}")
        day_params = [before, on]
        if has_trial_balance(on):
            stored = _SNAPSHOT_OF.format(d=d).replace("balance_kop AS", "-balance_kop AS")
            for account, loan_id, credit_line_id, amount in _differences(
                cursor, f"{day_end} UNION ALL {stored}", [*day_params, on], limit
            ):
                proof.findings.append(
                    _(
                        "%(owner)s: the day before's balance and the day's lines differ by"
                        " %(amount)s kop from the trial balance stored for the day"
                    )
                    % {"owner": _owner(account, loan_id, credit_line_id), "amount": amount}
                )
        later = _LINES_OF.format(condition=f"> {d}")
        ledger = (
            f"SELECT * FROM ({day_end} UNION ALL {later}) s"
            f" WHERE loan_id <> 0 AND account IN {_LOAN_ACCOUNTS}"
        )
        for account, loan_id, credit_line_id, amount in _differences(
            cursor,
            f"{ledger} UNION ALL {_CACHED}",
            [*day_params, on],
            limit,
        ):
            proof.findings.append(
                _("%(owner)s: the cached balance differs by %(amount)s kop from the ledger")
                % {"owner": _owner(account, loan_id, credit_line_id), "amount": -amount}
            )
    return proof
