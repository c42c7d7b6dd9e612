"""Every write to a loan: one typed, keyword-only function per domain action.

Each runs in a transaction, locks the loan, calls the FSM transition, writes the transition
log and the ledger, and defers side effects (the gateway) to `transaction.on_commit`.

Callers use this package (`from loans import services`, then `services.loan_repay(...)`); the
modules behind it hold one topic each.
"""

from loans.services._transitions import Actor
from loans.services.applications import (
    DECISIONS,
    check_first_period,
    loan_apply,
    loan_approve,
    loan_cancel,
    loan_decide,
    loan_decline,
    loan_refer,
    loan_score,
)
from loans.services.assignment import loan_assign
from loans.services.borrowers import (
    borrower_record_self_ban,
    bureau_answer_is_fresh,
    bureau_answer_max_age,
)
from loans.services.disbursement import (
    loan_disburse,
    payout_failed,
    payout_mark_pending,
    payout_release_due,
    payout_succeeded,
)
from loans.services.overpayments import loan_refund_overpayment
from loans.services.prolongation import (
    PROLONGATION_MAX_DAYS,
    PROLONGATION_MIN_DAYS,
    loan_prolong,
    prolongation_quote,
)
from loans.services.repayments import (
    accrue_through,
    loan_payment_received,
    loan_repay,
    repayment_quote_kop,
)
from loans.services.restructuring import (
    loan_restructure,
    restructuring_plan,
    restructuring_preview,
    restructuring_request,
)
from loans.services.signing import build_schedule, check_contract_caps, loan_sign
from loans.services.write_off import loan_write_off

__all__ = [
    "DECISIONS",
    "PROLONGATION_MAX_DAYS",
    "PROLONGATION_MIN_DAYS",
    "Actor",
    "accrue_through",
    "borrower_record_self_ban",
    "build_schedule",
    "bureau_answer_is_fresh",
    "bureau_answer_max_age",
    "check_contract_caps",
    "check_first_period",
    "loan_apply",
    "loan_approve",
    "loan_assign",
    "loan_cancel",
    "loan_decide",
    "loan_decline",
    "loan_disburse",
    "loan_payment_received",
    "loan_prolong",
    "loan_refer",
    "loan_refund_overpayment",
    "loan_repay",
    "loan_restructure",
    "loan_score",
    "loan_sign",
    "loan_write_off",
    "payout_failed",
    "payout_mark_pending",
    "payout_release_due",
    "payout_succeeded",
    "prolongation_quote",
    "repayment_quote_kop",
    "restructuring_plan",
    "restructuring_preview",
    "restructuring_request",
]
