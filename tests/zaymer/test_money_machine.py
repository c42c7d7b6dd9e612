"""The money machine: a stateful property test that drives the borrower API and the payment
provider's signed webhooks as the apps and the provider do, in any order and with repeats.

Two borrowers: one applies through the API and is approved by the robot; the other is offered
loans by staff, at a personal rate, and signs them through the API. Payouts succeed, fail or
time out and settle late (by webhook, repeated, or by polling); close-of-business days fall
between any two steps; loan and card repayments and prolongations are started through the API
and their `payment.succeeded` webhooks delivered 0–3 times, for the intent's amount or another;
staff restructure (the borrower accepting through the API), write off and refund.

After every step: no answer was a 5xx; every kopeck the provider collected is booked exactly
once (as a repayment, an overpayment or a card refund due); the ledger balances and every
cached balance equals it; cash is exactly what was paid out, returned, collected and refunded;
a loan its borrower paid exactly by the signed schedule, on each due date, is never overdue.

`HYPOTHESIS_PROFILE=long` runs it at length (see tests/conftest.py).
"""

import contextlib
import datetime as dt
import itertools
import os

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import TestCase
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from cards import services as credit_lines
from cards.accrual import credit_line_repayment_quote_kop
from cards.ledger import credit_lines_out_of_balance
from cards.models import CreditLineRepayment
from clientapi.models import ClientAccount, PaymentIntent
from collection import services as collection_services
from kernel.errors import DomainError
from loans import services as loan_services
from loans import tasks
from loans.business_date import current_business_date, set_business_date
from loans.cob import run_cob_until
from loans.gateway import SandboxGateway
from loans.ledger import loans_out_of_balance, unbalanced_entry_keys
from loans.models import (
    Account,
    IncomingPayment,
    JournalEntry,
    JournalLine,
    Loan,
    LoanStatus,
    PayoutOrder,
    PayoutStatus,
    RestructuringRequest,
)
from loans.models.restructuring import OPEN_RESTRUCTURING, RestructuringStatus
from loans.payouts import payouts_in_transit_difference
from tests.clientapi.conftest import _fresh_throttles, last_code, onboard, webhook  # noqa: F401
from tests.factories import IlProductFactory, applied_loan
from tests.scoring.conftest import (  # noqa: F401 - fixtures
    _isolated_scoring,
    clean_bureau,
    constant_model,
    register,
)

START = dt.date(2026, 11, 2)
S = LoanStatus
PERSONAL_RATE = 5000
CARD_LIMIT = 2_000_000
_events = itertools.count(1)
# A bounded run in the suite; `HYPOTHESIS_PROFILE=long` (tests/conftest.py) runs 5 000 examples.
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = int(os.environ.get("MONEY_MACHINE_EXAMPLES", 5_000 if LONG else 10))


def ok(answer, *allowed: int):
    """Never a 5xx; a refusal is one of the 4xx the call may give."""
    assert answer.status_code < 500, (answer.status_code, answer.content[:300])
    if allowed:
        assert answer.status_code in allowed, (answer.status_code, answer.content[:300])
    return answer


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        SandboxGateway.reset()
        set_business_date(on=START)
        register(constant_model(0.02), status="champion")
        self.il = IlProductFactory(daily_rate_ppm=6000)
        self.robot, self.staff = APIClient(), APIClient()
        for client in (self.robot, self.staff):
            client.ready = onboard(client)
            client.borrower = ClientAccount.objects.get(phone=client.phone).borrower
            clean_bureau(client.borrower)
        self.card = credit_lines.credit_line_open(
            borrower=self.robot.borrower, limit_kop=CARD_LIMIT, daily_rate_ppm=8000
        )
        self.collected: dict[str, int] = {}  # provider event → amount, each event once
        self.last_event: dict[str, str] = {}  # intent → its latest event, to deliver again
        self.refunded = 0
        self.diligent: set[int] = set()  # loans paid by the signed schedule only
        self.keys = itertools.count(1)

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- helpers -----------------------------------------------------------------------------

    def key(self) -> str:
        return f"k-{next(self.keys)}"

    def client_of(self, loan: Loan) -> APIClient:
        return self.robot if loan.borrower_id == self.robot.borrower.pk else self.staff

    def loans(self, *statuses, diligent: bool = False) -> list[Loan]:
        rows = Loan.objects.filter(status__in=statuses).order_by("pk") if statuses else []
        return [loan for loan in rows if (loan.pk in self.diligent) == diligent]

    def pay_through_provider(self, client, url: str, body: dict, *, times: int = 1) -> None:
        answer = ok(client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=self.key()))
        event(f"{url.split('/')[3]} {url.split('/')[-2]}: {answer.status_code}")
        if answer.status_code == 201 and times:
            self.deliver_payment(answer.json()["payment_id"], answer.json()["amount_kop"], times)

    def deliver_payment(self, intent_id: str, amount: int, times: int, *, again=False) -> None:
        event_id = self.last_event.get(intent_id) if again else None
        if event_id is None:
            event_id = f"pay-{next(_events)}"
            self.last_event[intent_id] = event_id
        paid = {
            "event_id": event_id,
            "type": "payment.succeeded",
            "data": {"payment_id": intent_id, "amount_kop": amount},
        }
        intent = PaymentIntent.objects.select_related("loan").get(pk=intent_id)
        event(f"payment for a {intent.loan.status if intent.loan else 'card'} ({times}×)")
        for _ in range(times):
            answer = ok(webhook(self.robot, paid), 200)
            self.collected.setdefault(event_id, amount)
            assert answer.json()["status"] in ("applied", "duplicate")

    # --- applications and signing ------------------------------------------------------------

    @initialize(outcome=st.sampled_from(["succeed", "fail", "timeout"]), diligent=st.booleans())
    def a_loan_through_the_robot(self, outcome, diligent):
        self.apply_through_the_api(amount=10_000, term=30)
        self.sign(pick=0, outcome=outcome, diligent=diligent)

    @initialize(
        installment=st.booleans(),
        outcome=st.sampled_from(["succeed", "timeout"]),
        diligent=st.booleans(),
    )
    def a_loan_offered_by_staff(self, installment, outcome, diligent):
        self.staff_offer_at_a_personal_rate(installment=installment, amount=20_000)
        self.sign(pick=0, outcome=outcome, diligent=diligent)

    @rule(amount=st.integers(1_000, 30_000), term=st.sampled_from([7, 15, 30]))
    def apply_through_the_api(self, amount, term):
        body = {
            "product": "pdl30",
            "amount_kop": amount * 100,
            "term_days": term,
            "payout_method": self.robot.ready["payout_method"],
        }
        answer = ok(self.robot.post("/api/v1/applications/", body, format="json"))
        event(f"apply: {answer.status_code} {answer.json().get('status', '')}")

    @rule(installment=st.booleans(), amount=st.integers(10_000, 30_000))
    def staff_offer_at_a_personal_rate(self, installment, amount):
        product = self.il if installment else None
        term = 56 if installment else 30
        try:
            loan = applied_loan(
                product=product,
                borrower=self.staff.borrower,
                amount_kop=amount * 100,
                term_days=term,
            )
            loan = loan_services.loan_score(loan=loan)
            loan_services.loan_approve(loan=loan, daily_rate_ppm=PERSONAL_RATE)
        except DomainError:
            pass

    @precondition(lambda self: Loan.objects.filter(status=S.APPROVED, signed_at=None).exists())
    @rule(
        pick=st.integers(0, 5),
        outcome=st.sampled_from(["succeed", "fail", "timeout"]),
        diligent=st.booleans(),
    )
    def sign(self, pick, outcome, diligent):
        offers = list(Loan.objects.filter(status=S.APPROVED, signed_at=None).order_by("pk"))
        if not offers:
            return
        loan = offers[pick % len(offers)]
        client = self.client_of(loan)
        ok(client.post(f"/api/v1/applications/{loan.pk}/sign-code/"), 202, 409, 429)
        body = {
            "code": last_code(client.phone),
            "payout_method": client.ready["payout_method"],
            "pdn_notice_acknowledged": True,
        }
        with TestCase.captureOnCommitCallbacks(execute=True):
            SandboxGateway.reset()
            SandboxGateway.queue_outcomes(outcome)
            answer = ok(
                client.post(
                    f"/api/v1/applications/{loan.pk}/sign/",
                    body,
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=self.key(),
                )
            )
        event(f"sign: {answer.status_code}")
        if answer.status_code == 201 and diligent:
            self.diligent.add(loan.pk)

    # --- payouts -----------------------------------------------------------------------------

    @precondition(
        lambda self: PayoutOrder.objects.filter(
            status__in=[PayoutStatus.SENT, PayoutStatus.PENDING]
        ).exists()
    )
    @rule(pick=st.integers(0, 5), succeeded=st.booleans(), times=st.integers(1, 3))
    def payout_webhook(self, pick, succeeded, times):
        orders = list(
            PayoutOrder.objects.filter(
                status__in=[PayoutStatus.SENT, PayoutStatus.PENDING]
            ).order_by("pk")
        )
        order = orders[pick % len(orders)]
        if order.loan_id in self.diligent:
            succeeded = True  # a diligent borrower's money arrives, maybe late
        event = {
            "event_id": f"payout-{next(_events)}",
            "type": "payout.succeeded" if succeeded else "payout.failed",
            "data": {"payout_key": order.idempotency_key, "reason": "account closed"},
        }
        for _ in range(times):
            ok(webhook(self.robot, event), 200)

    @rule()
    def poll_the_gateway(self):
        with TestCase.captureOnCommitCallbacks(execute=True):
            tasks.poll_pending_payouts()

    @precondition(
        lambda self: Loan.objects.filter(status=S.APPROVED).exclude(signed_at=None).exists()
    )
    @rule(pick=st.integers(0, 5))
    def retry_a_failed_payout(self, pick):
        loans = list(Loan.objects.filter(status=S.APPROVED).exclude(signed_at=None).order_by("pk"))
        loan = loans[pick % len(loans)]
        client = self.client_of(loan)
        with TestCase.captureOnCommitCallbacks(execute=True):
            SandboxGateway.reset()
            ok(
                client.post(
                    f"/api/v1/applications/{loan.pk}/payout/",
                    {"payout_method": client.ready["payout_method"]},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=self.key(),
                )
            )

    # --- time --------------------------------------------------------------------------------

    @rule(days=st.integers(1, 15))
    def close_business_days(self, days):
        for _ in range(days):
            self.pay_what_falls_due_today()
            run_cob_until(until=current_business_date())

    def pay_what_falls_due_today(self):
        today = current_business_date()
        for loan in Loan.objects.filter(pk__in=self.diligent, status=S.SERVICED):
            due = loan.schedule_items.filter(due_date=today).first()
            if due is not None:
                event("a diligent borrower pays an installment on its due date")
                self.pay_through_provider(
                    self.client_of(loan),
                    f"/api/v1/loans/{loan.pk}/repayments/",
                    {"amount_kop": due.total_kop},
                )

    # --- repayments and prolongations --------------------------------------------------------

    @precondition(lambda self: self.loans(S.SERVICED, S.OVERDUE, S.CLOSED, S.WRITTEN_OFF))
    @rule(
        pick=st.integers(0, 5),
        percent=st.sampled_from([1, 30, 50, 100, 101]),
        times=st.integers(0, 3),
    )
    def start_a_repayment(self, pick, percent, times):
        """A repayment started through the API; the provider reports it at once `times` times
        (0: later, by `the_provider_reports_a_payment`, or never)."""
        loans = self.loans(S.SERVICED, S.OVERDUE, S.CLOSED, S.WRITTEN_OFF)
        loan = loans[pick % len(loans)]
        debt = loan.debt_kop + loan.interest_out_kop // 10 + 1
        self.pay_through_provider(
            self.client_of(loan),
            f"/api/v1/loans/{loan.pk}/repayments/",
            {"amount_kop": max(1, debt * percent // 100)},
            times=times,
        )

    @precondition(lambda self: self.loans(S.SERVICED, S.OVERDUE))
    @rule(pick=st.integers(0, 5), days=st.integers(7, 30), times=st.integers(0, 2))
    def start_a_prolongation(self, pick, days, times):
        loans = self.loans(S.SERVICED, S.OVERDUE)
        loan = loans[pick % len(loans)]
        self.pay_through_provider(
            self.client_of(loan),
            f"/api/v1/loans/{loan.pk}/prolongations/",
            {"days": days},
            times=times,
        )

    @precondition(lambda self: self.undiligent_intents())
    @rule(
        pick=st.integers(0, 9),
        share=st.sampled_from([100, 100, 50, 150]),
        times=st.integers(0, 3),
        again=st.booleans(),
    )
    def the_provider_reports_a_payment(self, pick, share, times, again):
        intents = self.undiligent_intents()
        intent = intents[pick % len(intents)]
        amount = max(1, intent.amount_kop * share // 100)
        self.deliver_payment(str(intent.pk), amount, times, again=again)

    def undiligent_intents(self) -> list[PaymentIntent]:
        return [
            intent
            for intent in PaymentIntent.objects.order_by("created_at", "pk")
            if intent.loan_id not in self.diligent
        ]

    # --- the card ----------------------------------------------------------------------------

    @rule(amount=st.integers(100, 5_000))
    def draw_on_the_card(self, amount):
        ok(
            self.robot.post(
                f"/api/v1/credit-lines/{self.card.pk}/draws/",
                {"kind": "purchase", "amount_kop": amount * 100, "merchant": "Магазин"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=self.key(),
            )
        )

    @rule(percent=st.sampled_from([10, 100, 120]), times=st.integers(0, 2))
    def start_a_card_repayment(self, percent, times):
        quote = credit_line_repayment_quote_kop(credit_line=self.card)
        self.pay_through_provider(
            self.robot,
            f"/api/v1/credit-lines/{self.card.pk}/repayments/",
            {"amount_kop": max(1, quote * percent // 100)},
            times=times,
        )

    @rule()
    def staff_refund_the_card(self):
        with contextlib.suppress(DomainError):
            self.refunded += credit_lines.credit_line_refund(credit_line=self.card)

    # --- staff -------------------------------------------------------------------------------

    @precondition(lambda self: self.loans(S.OVERDUE))
    @rule(pick=st.integers(0, 5), periods=st.integers(2, 6))
    def the_borrower_accepts_a_restructuring(self, pick, periods):
        loans = self.loans(S.OVERDUE)
        loan = loans[pick % len(loans)]
        collection_services.case_open(debt=loan, on=current_business_date())
        # As the collector's offer leaves it (its SMS and the contact rules are tested apart).
        RestructuringRequest.objects.update_or_create(
            loan=loan,
            status__in=OPEN_RESTRUCTURING,
            defaults={"periods": periods, "period_days": 14, "status": RestructuringStatus.OFFERED},
        )
        ok(
            self.client_of(loan).post(
                f"/api/v1/loans/{loan.pk}/restructuring-accept/",
                format="json",
                HTTP_IDEMPOTENCY_KEY=self.key(),
            )
        )

    @precondition(lambda self: self.loans(S.OVERDUE))
    @rule(pick=st.integers(0, 5))
    def staff_write_off(self, pick):
        loans = self.loans(S.OVERDUE)
        loan_services.loan_write_off(loan=loans[pick % len(loans)], reason="sold")

    @precondition(lambda self: Loan.objects.filter(overpayment_kop__gt=0).exists())
    @rule()
    def staff_refund_overpayments(self):
        for loan in Loan.objects.filter(overpayment_kop__gt=0):
            self.refunded += loan_services.loan_refund_overpayment(loan=loan)

    # --- what must hold ----------------------------------------------------------------------

    @invariant()
    def every_collected_kopeck_is_booked_once(self):
        loan_events = dict(IncomingPayment.objects.values_list("event_id", "amount_kop"))
        card_events = dict(CreditLineRepayment.objects.values_list("event_id", "amount_kop"))
        excess = {
            key.removeprefix("card-excess:sandbox:"): -amount
            for key, amount in JournalLine.objects.filter(
                entry__key__startswith="card-excess:", account=Account.CARD_REFUND_DUE
            ).values_list("entry__key", "amount_kop")
        }
        assert not set(loan_events) & (set(card_events) | set(excess))
        booked = dict(loan_events)
        for event_id in set(card_events) | set(excess):
            booked[event_id] = card_events.get(event_id, 0) + excess.get(event_id, 0)
        assert booked == self.collected

    @invariant()
    def the_ledger_balances_and_the_cached_balances_equal_it(self):
        assert unbalanced_entry_keys() == []
        assert loans_out_of_balance() == []
        assert credit_lines_out_of_balance() == []
        assert payouts_in_transit_difference() == 0

    @invariant()
    def cash_is_what_moved(self):
        sent = PayoutOrder.objects.exclude(status=PayoutStatus.SCHEDULED)
        paid_out = JournalLine.objects.filter(
            entry__kind="payout_sent", account=Account.CASH
        ).aggregate(s=Sum("amount_kop"))["s"]
        returned = JournalLine.objects.filter(
            entry__kind="payout_failed", account=Account.CASH
        ).aggregate(s=Sum("amount_kop"))["s"]
        assert -(paid_out or 0) == (sent.aggregate(s=Sum("amount_kop"))["s"] or 0)
        failed = sent.filter(status=PayoutStatus.FAILED).aggregate(s=Sum("amount_kop"))["s"]
        assert (returned or 0) == (failed or 0)
        cash = JournalLine.objects.filter(account=Account.CASH).aggregate(s=Sum("amount_kop"))
        assert (cash["s"] or 0) == (
            (paid_out or 0) + (returned or 0) + sum(self.collected.values()) - self.refunded
        )
        assert not JournalEntry.objects.filter(kind="payout_sent", loan=None).exists()

    @invariant()
    def a_loan_paid_by_its_signed_schedule_is_never_overdue(self):
        for loan in Loan.objects.filter(pk__in=self.diligent):
            assert loan.status != S.OVERDUE, loan.pk
            assert loan.penalty_out_kop == 0, loan.pk
            assert loan.days_past_due == 0, loan.pk


@pytest.mark.usefixtures("_isolated_scoring", "_fresh_throttles")
def test_no_kopeck_the_provider_collects_is_lost(db):
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
