"""Property-based tests: random sequences of operations on a small book of loans.

After every step: every journal entry balances, cached balances equal the ledger, charges
never exceed the cap, no kopeck appears or disappears (the book agrees with the money this
test itself moved), balances are never negative, and a refused or repeated operation changes
nothing. Each example runs in a savepoint that is rolled back, so examples never meet.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.test import TestCase
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kernel.errors import DomainError
from loans import services, servicing, tasks
from loans.business_date import current_business_date, set_business_date
from loans.cob import run_cob_until
from loans.gateway import SandboxGateway
from loans.ledger import loans_out_of_balance, unbalanced_entry_keys
from loans.models import (
    Account,
    DebtAssignment,
    IncomingPayment,
    JournalLine,
    Loan,
    LoanStatus,
    PayoutOrder,
    PayoutStatus,
)
from tests.factories import (
    DEMO_BIK,
    BorrowerFactory,
    IlProductFactory,
    PdlProductFactory,
    applied_loan,
    bureaus_answered,
    valid_account,
)
from tests.loans.helpers import rolled_back

START = dt.date(2026, 11, 2)
S = LoanStatus
RECEIVABLES = [
    Account.LOAN_PRINCIPAL,
    Account.LOAN_INTEREST,
    Account.LOAN_PENALTY,
    Account.LOAN_FEES,
]
INCOME = [Account.INTEREST_INCOME, Account.PENALTY_INCOME, Account.FEE_INCOME]


@dataclass
class Money:
    """What this test itself moved, to hold the book to."""

    paid_out: int = 0  # payout orders sent
    returned: int = 0  # payouts that failed
    confirmed: int = 0  # payouts that reached the borrower
    received: int = 0  # repayments accepted (each provider event once)
    refunded: int = 0
    sold: int = 0  # prices of debts assigned, due from their buyers
    events: dict[int, tuple[str, int]] = field(default_factory=dict)
    loans: list[Loan] = field(default_factory=list)
    next_event: int = 0

    def event(self) -> str:
        self.next_event += 1
        return f"prop-{self.next_event}"


# --- operations ------------------------------------------------------------------------------


def issue(money: Money, kind: str, hundreds: int, term: int, outcome: str) -> None:
    first_period_days = None
    if kind == "il":
        product, amount = IlProductFactory(), hundreds * 10_000 + 1_000_000
        term_days = 14 * (3 + term)
    elif kind == "il_payday":
        product = IlProductFactory(
            code="il-payday-prop", first_period_min_days=7, first_period_max_days=28
        )
        amount, term_days = hundreds * 10_000 + 1_000_000, 14 * (3 + term)
        first_period_days = 7 + 3 * term
    elif kind == "pdl_fee":
        # At 0.5 %/day a fee of 10,00 ₽ keeps ПСК under 292 % for every amount and term drawn.
        product = PdlProductFactory(code="pdl-fee-prop", daily_rate_ppm=5000, signing_fee_kop=1_000)
        amount, term_days = hundreds * 10_000, 5 * term
    else:
        product = PdlProductFactory(code="pdl-prop", prolongation_fee_kop=30_000)
        amount, term_days = hundreds * 10_000, 5 * term
    loan = applied_loan(
        product=product,
        borrower=BorrowerFactory(),
        amount_kop=amount,
        term_days=term_days,
        first_period_days=first_period_days,
    )
    bureaus_answered(loan.borrower)
    loan = services.loan_sign(loan=services.loan_approve(loan=services.loan_score(loan=loan)))
    money.loans.append(loan)
    disburse(money, loan, outcome)


def disburse(money: Money, loan: Loan, outcome: str) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        SandboxGateway.queue_outcomes(outcome)
        order = services.loan_disburse(
            loan=Loan.objects.get(pk=loan.pk),
            method="bank_account",
            destination={"account": valid_account(), "bik": DEMO_BIK},
        )
        money.paid_out += order.amount_kop
    settle(money, order.pk)


def settle(money: Money, payout_id: int) -> None:
    order = PayoutOrder.objects.get(pk=payout_id)
    if order.status == PayoutStatus.FAILED:
        money.returned += order.amount_kop
    elif order.status == PayoutStatus.SUCCEEDED:
        money.confirmed += order.amount_kop


def poll(money: Money) -> None:
    pending = list(PayoutOrder.objects.filter(status=PayoutStatus.PENDING).values_list("pk"))
    tasks.poll_pending_payouts()
    for (pk,) in pending:
        settle(money, pk)


def retry_payout(money: Money, loan: Loan) -> None:
    disburse(money, loan, "succeed")


def close_days(money: Money, days: int) -> None:
    run_cob_until(until=current_business_date() + dt.timedelta(days=days - 1))


def pay(money: Money, loan: Loan, percent: int) -> None:
    loan = Loan.objects.get(pk=loan.pk)
    quote = services.repayment_quote_kop(loan=loan)
    amount = max(1, quote * percent // 100)
    event = money.event()
    services.loan_repay(loan=loan, amount_kop=amount, provider="sbx", event_id=event)
    money.received += amount
    money.events[loan.pk] = (event, amount)


def pay_again(money: Money, loan: Loan) -> None:
    """The provider repeats the loan's last repayment event: nothing may change."""
    if loan.pk not in money.events:
        return
    event, amount = money.events[loan.pk]
    before = snapshot()
    services.loan_repay(
        loan=Loan.objects.get(pk=loan.pk), amount_kop=amount, provider="sbx", event_id=event
    )
    assert snapshot() == before


def prolong(money: Money, loan: Loan, days: int) -> None:
    loan = Loan.objects.get(pk=loan.pk)
    quote = services.prolongation_quote(loan=loan, days=days)
    services.loan_prolong(
        loan=loan,
        days=days,
        provider="sbx",
        event_id=money.event(),
        amount_kop=quote["pay_kop"],
    )
    money.received += quote["pay_kop"]


def restructure(money: Money, loan: Loan, periods: int) -> None:
    services.loan_restructure(loan=Loan.objects.get(pk=loan.pk), periods=periods, period_days=14)


def write_off(money: Money, loan: Loan) -> None:
    services.loan_write_off(loan=Loan.objects.get(pk=loan.pk), reason="property test")


def assign(money: Money, loan: Loan, percent: int) -> None:
    """Sell the debt at a share of it (above 100 % is refused)."""
    loan = Loan.objects.get(pk=loan.pk)
    price = max(1, loan.debt_kop * percent // 100)
    services.loan_assign(
        loan=loan, assignee="ООО «Цессионарий»", assignee_inn="7701234567", agreement="Ц-1",
        price_kop=price,
    )  # fmt: skip
    money.sold += price


def refund(money: Money, loan: Loan) -> None:
    money.refunded += services.loan_refund_overpayment(loan=Loan.objects.get(pk=loan.pk))


which = st.integers(0, 7)
operations = st.one_of(
    st.tuples(
        st.just("issue"),
        st.sampled_from(["pdl", "il", "pdl_fee", "il_payday"]),
        st.integers(10, 300),
        st.integers(1, 6),
        st.sampled_from(["succeed", "succeed", "fail", "timeout"]),
    ),
    st.tuples(st.just("days"), st.integers(1, 10)),
    st.tuples(st.just("days"), st.integers(10, 35)),
    st.tuples(st.just("pay"), which, st.sampled_from([1, 30, 99, 100, 101, 150])),
    st.tuples(st.just("pay_again"), which),
    st.tuples(st.just("prolong"), which, st.integers(7, 30)),
    st.tuples(st.just("restructure"), which, st.integers(1, 6)),
    st.tuples(st.just("write_off"), which),
    st.tuples(st.just("assign"), which, st.sampled_from([1, 15, 100, 101])),
    st.tuples(st.just("refund"), which),
    st.tuples(st.just("poll")),
    st.tuples(st.just("retry_payout"), which),
)

ACTIONS = {
    "days": close_days,
    "pay": pay,
    "pay_again": pay_again,
    "prolong": prolong,
    "restructure": restructure,
    "write_off": write_off,
    "assign": assign,
    "refund": refund,
    "retry_payout": retry_payout,
}


# Most picks go to a loan the action suits, the others to any loan (and are mostly refused).
SUITS = {
    "pay": lambda loan: loan.status in (S.SERVICED, S.OVERDUE),
    "pay_again": lambda loan: True,
    "prolong": lambda loan: loan.status in (S.SERVICED, S.OVERDUE),
    "restructure": lambda loan: loan.status == S.OVERDUE,
    "write_off": lambda loan: loan.status == S.OVERDUE,
    "assign": lambda loan: loan.status == S.OVERDUE,
    "refund": lambda loan: loan.overpayment_kop > 0,
    "retry_payout": lambda loan: loan.status == S.APPROVED,
}


def run(money: Money, op: tuple) -> None:
    name, *args = op
    if name == "issue":
        issue(money, *args)
    elif name == "poll":
        poll(money)
    elif name == "days":
        close_days(money, *args)
    else:
        pick, *rest = args
        loans = list(Loan.objects.filter(pk__in=[loan.pk for loan in money.loans]))
        suited = [loan for loan in loans if SUITS[name](loan)]
        candidates = suited if suited and pick < 6 else loans
        ACTIONS[name](money, candidates[pick % len(candidates)], *rest)


# --- what must hold after every step ----------------------------------------------------------


def snapshot() -> tuple:
    loans = [
        {f.attname: getattr(loan, f.attname) for f in Loan._meta.concrete_fields}
        for loan in Loan.objects.order_by("pk")
    ]
    for row in loans:
        row.pop("updated_at")
    lines = list(JournalLine.objects.order_by("pk").values_list("pk", "account", "amount_kop"))
    return loans, lines, IncomingPayment.objects.count(), PayoutOrder.objects.count()


def balances() -> dict[str, int]:
    rows = JournalLine.objects.values("account").annotate(total=Sum("amount_kop"))
    return {row["account"]: row["total"] for row in rows}


def assert_book_holds(money: Money) -> None:
    assert unbalanced_entry_keys() == []
    assert loans_out_of_balance() == []
    book = balances()
    assert sum(book.values()) == 0

    loans = list(Loan.objects.all())
    charges = sum(loan.charges_total_kop for loan in loans)
    overpayments = sum(loan.overpayment_kop for loan in loans)
    in_transit = (
        PayoutOrder.objects.filter(status__in=[PayoutStatus.SENT, PayoutStatus.PENDING]).aggregate(
            s=Sum("amount_kop")
        )["s"]
        or 0
    )
    # Every kopeck accounted for by the money this test moved.
    assert book.get(Account.CASH, 0) == (
        -money.paid_out + money.returned + money.received - money.refunded
    )
    assert book.get(Account.PAYOUTS_IN_TRANSIT, 0) == in_transit
    assert in_transit == money.paid_out - money.returned - money.confirmed
    received = IncomingPayment.objects.aggregate(s=Sum("amount_kop"))["s"] or 0
    assert received == money.received
    assert -sum(book.get(a, 0) for a in INCOME) == charges
    assert -book.get(Account.BORROWER_OVERPAYMENT, 0) == overpayments
    receivables = sum(book.get(a, 0) for a in RECEIVABLES)
    paid_toward_debt = money.received - overpayments - money.refunded
    # A debt sold leaves the book as its price due from the buyer and the rest as an expense.
    sold = book.get(Account.ASSIGNMENT_RECEIVABLE, 0)
    assert sold == money.sold
    assert sold == (DebtAssignment.objects.aggregate(s=Sum("price_kop"))["s"] or 0)
    assert receivables + book.get(Account.WRITE_OFF_EXPENSE, 0) + sold == (
        money.confirmed + charges - paid_toward_debt
    )

    income_by_loan = dict(
        JournalLine.objects.filter(account__in=INCOME)
        .values("entry__loan")
        .annotate(total=Sum("amount_kop"))
        .values_list("entry__loan", "total")
    )
    for loan in loans:
        assert -income_by_loan.get(loan.pk, 0) == loan.charges_total_kop, loan.pk
        assert (
            min(
                loan.principal_out_kop,
                loan.interest_out_kop,
                loan.penalty_out_kop,
                loan.fees_out_kop,
                loan.overpayment_kop,
                loan.interest_overdue_kop,
                loan.principal_overdue_kop,
            )
            >= 0
        ), loan.pk
        if loan.charges_cap_kop is not None:
            assert loan.charges_total_kop <= loan.charges_cap_kop, loan.pk
        assert loan.principal_out_kop <= (loan.principal_kop or 0)
        if loan.status in (S.SERVICED, S.OVERDUE):
            assert loan.debt_kop > 0, loan.pk
            assert loan.overpayment_kop == 0, loan.pk
        if loan.status in (S.CLOSED, S.WRITTEN_OFF):
            assert loan.debt_kop == 0, loan.pk
        if loan.status in (S.SERVICED, S.CLOSED):
            assert loan.days_past_due == 0, loan.pk
            assert loan.interest_overdue_kop == loan.principal_overdue_kop == 0, loan.pk
        if loan.status == S.OVERDUE:
            assert servicing.is_in_arrears(loan), loan.pk
            assert loan.days_past_due >= 1, loan.pk


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pdl=st.tuples(st.just("pdl"), st.integers(10, 300), st.integers(1, 6), st.just("succeed")),
    il=st.tuples(st.just("il"), st.integers(0, 200), st.integers(1, 6), st.just("succeed")),
    ops=st.lists(operations, min_size=3, max_size=15),
)
# The payday loan falls overdue and is sold at 15 % of its debt, then at more than its debt.
@example(
    pdl=("pdl", 100, 2, "succeed"),
    il=("il", 0, 1, "succeed"),
    ops=[("days", 20), ("assign", 0, 101), ("assign", 0, 15), ("days", 5)],
)
def test_the_book_holds_after_every_operation(db, pdl, il, ops):
    with rolled_back():
        SandboxGateway.reset()
        set_business_date(on=START)
        money = Money()
        issue(money, *pdl)
        issue(money, *il)
        assert_book_holds(money)
        for op in ops:
            before = snapshot()
            try:
                run(money, op)
            except DomainError:
                assert snapshot() == before, f"{op} was refused but changed the book"
            assert_book_holds(money)
