"""The servicing machine: a stateful property test that drives staff servicing as people do, in
any order and with repeats: bank transfers posted (some above the four-eyes threshold, some
with a reference already used), refunds and write-offs proposed, prolongations and
restructurings by phone, proposals approved, rejected, approved twice or by their proposer,
and approved after the loan has changed (the provider's payments and close-of-business days
fall between any two steps).

After every step: a refused action changed nothing; the ledger balances and every loan's
cached balances equal it; every kopeck that came in is booked exactly once (the bank transfers
done, by their reference, and the provider's payments), nothing is booked for a proposal not
approved; cash is what was paid out, came in and was refunded; nobody decided on their own
proposal and every decision is a checker's.
"""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from desk import services
from desk.models import ActionKind, ActionStatus, ServicingAction, ServicingPolicy
from kernel.errors import DomainError
from kernel.roles import ADMINISTRATOR, COLLECTOR, RISK_MANAGER, has_role
from loans import services as loan_services
from loans.business_date import current_business_date, set_business_date
from loans.cob import run_cob_until
from loans.gateway import SandboxGateway
from loans.ledger import loans_out_of_balance, unbalanced_entry_keys
from loans.models import Account, IncomingPayment, JournalLine, Loan
from tests.collection.conftest import staff
from tests.factories import BorrowerFactory
from tests.loans.helpers import issued
from tests.loans.test_properties import snapshot

START = dt.date(2026, 11, 2)
THRESHOLD = 500_000
AMOUNTS = [100, 50_000, THRESHOLD, THRESHOLD + 1, 2_000_000]


def cash_of(kind: str) -> int:
    lines = JournalLine.objects.filter(entry__kind=kind, account=Account.CASH)
    return lines.aggregate(s=Sum("amount_kop"))["s"] or 0


class ServicingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        SandboxGateway.reset()
        set_business_date(on=START)
        ServicingPolicy.objects.update_or_create(
            pk=1, defaults={"payment_four_eyes_above_kop": THRESHOLD}
        )
        self.people = [
            staff("maker", COLLECTOR),
            staff("checker", RISK_MANAGER),
            staff("admin", ADMINISTRATOR),
        ]
        self.loans: list[Loan] = []
        self.references: list[str] = []
        self.provider_events = itertools.count(1)
        self.received = 0  # every payment this test saw booked, by the bank or the provider
        self.refunded = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    def loan(self, pick: int) -> Loan:
        return Loan.objects.get(pk=self.loans[pick % len(self.loans)].pk)

    def person(self, pick: int):
        return self.people[pick % len(self.people)]

    def attempt(self, call) -> ServicingAction | None:
        """Run a servicing call; a refusal must leave the book as it was."""
        before = snapshot(), list(ServicingAction.objects.order_by("pk").values())
        try:
            done = call()
        except DomainError as refusal:
            event(f"refused: {refusal.code}")
            assert (snapshot(), list(ServicingAction.objects.order_by("pk").values())) == before
            return None
        event(f"{done.get_kind_display()}: {done.get_status_display()}")
        return done

    def booked_now(self, action) -> None:
        if action is not None and action.status == ActionStatus.DONE and action.payment_id:
            self.received += action.payment.amount_kop

    # --- the book ----------------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(10, 300), min_size=2, max_size=3))
    def loans_paid_out(self, amounts):
        for hundreds in amounts:
            self.loans.append(issued(borrower=BorrowerFactory(), amount_kop=hundreds * 10_000))

    @rule(days=st.integers(1, 40))
    def days_close(self, days):
        run_cob_until(until=current_business_date() + dt.timedelta(days=days - 1))

    @rule(pick=st.integers(0, 5), percent=st.sampled_from([50, 100, 130]))
    def the_provider_collects(self, pick, percent):
        loan = self.loan(pick)
        amount = max(1, loan.debt_kop * percent // 100)
        loan_services.loan_payment_received(
            loan=loan, amount_kop=amount, provider="sbx", event_id=f"p-{next(self.provider_events)}"
        )
        self.received += amount

    # --- staff -------------------------------------------------------------------------------

    @rule(
        pick=st.integers(0, 5),
        by=st.integers(0, 2),
        amount=st.sampled_from(AMOUNTS),
        repeat=st.integers(0, 9),
    )
    def a_bank_transfer_is_posted(self, pick, by, amount, repeat):
        if repeat < 3 and self.references:
            reference = self.references[repeat % len(self.references)]
        else:
            reference = f"PP-{len(self.references) + 1}"
            self.references.append(reference)
        before = ServicingAction.objects.filter(bank_reference=reference).count()
        action = self.attempt(
            lambda: services.servicing_post_payment(
                loan=self.loan(pick),
                amount_kop=amount,
                received_on=current_business_date(),
                bank_reference=reference,
                actor=self.person(by),
            )
        )
        if ServicingAction.objects.filter(bank_reference=reference).count() > before:
            self.booked_now(action)

    @rule(pick=st.integers(0, 5), by=st.integers(0, 2))
    def a_refund_is_proposed(self, pick, by):
        self.attempt(
            lambda: services.servicing_propose_refund(
                loan=self.loan(pick), reason="asked", actor=self.person(by)
            )
        )

    @rule(pick=st.integers(0, 5), by=st.integers(0, 2))
    def a_write_off_is_proposed(self, pick, by):
        self.attempt(
            lambda: services.servicing_propose_write_off(
                loan=self.loan(pick), reason="hopeless", actor=self.person(by)
            )
        )

    @rule(pick=st.integers(0, 5), days=st.integers(7, 30), by=st.integers(0, 2))
    def a_prolongation_by_phone(self, pick, days, by):
        loan = self.loan(pick)
        try:
            price = loan_services.prolongation_quote(loan=loan, days=days)["pay_kop"]
        except DomainError:
            price = 1  # refused either way: the attempt below must change nothing
        reference = f"PR-{len(self.references) + 1}"
        self.references.append(reference)
        action = self.attempt(
            lambda: services.servicing_prolong(
                loan=loan,
                days=days,
                amount_kop=price,
                received_on=current_business_date(),
                bank_reference=reference,
                reason="asked by phone",
                actor=self.person(by),
            )
        )
        self.booked_now(action)

    @rule(pick=st.integers(0, 5), periods=st.integers(2, 6), by=st.integers(0, 2))
    def a_restructuring_by_phone(self, pick, periods, by):
        self.attempt(
            lambda: services.servicing_restructure(
                loan=self.loan(pick),
                periods=periods,
                period_days=14,
                reason="lost job",
                actor=self.person(by),
            )
        )

    @rule(pick=st.integers(0, 20), by=st.integers(0, 2))
    def a_proposal_is_approved(self, pick, by):
        actions = list(ServicingAction.objects.filter(four_eyes=True).order_by("pk"))
        if not actions:
            return
        action = actions[pick % len(actions)]
        held = Loan.objects.get(pk=action.loan_id).overpayment_kop
        done = self.attempt(
            lambda: services.servicing_approve(action=action, actor=self.person(by))
        )
        if done is None:
            return
        self.booked_now(done)
        if done.kind == ActionKind.REFUND:
            self.refunded += held

    @rule(pick=st.integers(0, 20), by=st.integers(0, 2))
    def a_proposal_is_rejected(self, pick, by):
        actions = list(ServicingAction.objects.filter(four_eyes=True).order_by("pk"))
        if actions:
            action = actions[pick % len(actions)]
            self.attempt(
                lambda: services.servicing_reject(
                    action=action, actor=self.person(by), comment="no"
                )
            )

    # --- what must hold ----------------------------------------------------------------------

    @invariant()
    def the_ledger_balances_and_the_cached_balances_equal_it(self):
        assert unbalanced_entry_keys() == []
        assert loans_out_of_balance() == []

    @invariant()
    def every_kopeck_in_is_booked_once(self):
        booked = IncomingPayment.objects.aggregate(s=Sum("amount_kop"))["s"] or 0
        assert booked == self.received
        transfers = dict(
            IncomingPayment.objects.filter(provider=services.BANK_TRANSFER).values_list(
                "event_id", "amount_kop"
            )
        )
        done = dict(
            ServicingAction.objects.filter(
                status=ActionStatus.DONE, kind__in=[ActionKind.PAYMENT, ActionKind.PROLONGATION]
            ).values_list("bank_reference", "amount_kop")
        )
        assert transfers == done

    @invariant()
    def cash_is_what_moved(self):
        cash = JournalLine.objects.filter(account=Account.CASH).aggregate(s=Sum("amount_kop"))
        paid_out = cash_of("payout_sent") + cash_of("payout_failed")
        assert (cash["s"] or 0) == paid_out + self.received - self.refunded
        held = Loan.objects.aggregate(s=Sum("overpayment_kop"))["s"] or 0
        overpayment = JournalLine.objects.filter(account=Account.BORROWER_OVERPAYMENT)
        assert -(overpayment.aggregate(s=Sum("amount_kop"))["s"] or 0) == held

    @invariant()
    def nobody_decides_on_their_own_proposal(self):
        for action in ServicingAction.objects.filter(four_eyes=True).exclude(
            status=ActionStatus.PENDING
        ):
            assert action.decided_by_id != action.proposed_by_id
            assert has_role(action.decided_by, RISK_MANAGER, ADMINISTRATOR)
        unapproved = ServicingAction.objects.exclude(status=ActionStatus.DONE)
        assert not unapproved.filter(payment__isnull=False).exists()


@pytest.mark.usefixtures("db")
def test_no_kopeck_appears_or_disappears_whatever_staff_do():
    run_state_machine_as_test(
        ServicingMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
