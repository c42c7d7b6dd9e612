"""Servicing: the payout, then how the borrower repays (early, on time, late, by instalments,
with a prolongation), and the refund of an overpayment once the loan is closed."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from demo.numbers import round_down, sigmoid
from demo.people import Persona
from kernel.errors import DomainError
from loans import services, tasks
from loans.gateway import SandboxGateway
from loans.models import Loan, LoanStatus, PayoutMethod, PayoutStatus, ProductKind, ScheduleItem
from loans.regulation import earliest_payout

S = LoanStatus
# The simulated repayments are booked straight through the services, not collected by the
# sandbox provider (no payment webhook): they carry their own provider name, so the sandbox's
# settlement report (payouts, refunds, webhook payments) reconciles with the book.
PROVIDER = "demo"


@dataclass
class Track:
    """A live loan and how its borrower will behave."""

    loan_id: int
    persona: Persona
    kind: str
    pd: float
    bad: bool
    style: str
    prolongations_left: int = 0
    stop_after: int | None = None  # installments paid before the borrower stops paying
    in_collection: bool = False
    max_dpd: int = 0
    hold: bool = False  # a showcase debtor: stays overdue to the end


class ServicingMixin:
    """A signed loan's life until it is closed; defaults go to `CollectionMixin`."""

    # --- payout ------------------------------------------------------------------------------

    def ev_disburse(self, p: Persona, loan_id: int, to_card: bool, may_fail: bool) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.APPROVED:
            return
        roll = self.rng.random() if may_fail else 1.0
        outcome = "fail" if roll < 0.04 else "timeout" if roll < 0.055 else ""
        if to_card:
            method, destination = (
                PayoutMethod.CARD,
                {
                    "token": p.card_token,
                    "last4": p.card_last4,
                    "exp_month": p.card_exp[0],
                    "exp_year": p.card_exp[1],
                },
            )
        else:
            method, destination = PayoutMethod.BANK_ACCOUNT, {"account": p.account, "bik": p.bik}
        held = earliest_payout(
            principal_kop=loan.principal_kop, signed_at=loan.signed_at, signed_on=loan.signed_on
        )
        if outcome and held <= timezone.now():
            SandboxGateway.queue_outcomes(outcome)
        order = services.loan_disburse(loan=loan, method=method, destination=destination)
        if order.status == PayoutStatus.SCHEDULED:
            self.push(order.not_before, self.ev_release, p, loan_id, outcome)
            return
        self._send(p, loan_id, order)

    def ev_release(self, p: Persona, loan_id: int, outcome: str) -> None:
        """The 115-FZ cooling time after signing has passed: the scheduled payout goes out."""
        if outcome:
            SandboxGateway.queue_outcomes(outcome)
        services.payout_release_due()
        self._send(p, loan_id, Loan.objects.get(pk=loan_id).payouts.order_by("-attempt").first())

    def _send(self, p: Persona, loan_id: int, order) -> None:
        order.refresh_from_db(fields=["status"])
        status = order.status
        if status == PayoutStatus.SENT:
            # The payout task runs after commit; when a surrounding transaction (a test)
            # holds the commit back, send it now. The task is idempotent either way.
            status = tasks.send_payout(order.pk)
        self._after_payout(p, loan_id, status)

    def _after_payout(self, p: Persona, loan_id: int, status: str) -> None:
        if status == PayoutStatus.SUCCEEDED:
            self._start_track(p, Loan.objects.get(pk=loan_id))
        elif status == PayoutStatus.FAILED:
            self.report.failed_payouts += 1
            if self.rng.random() < 0.7:
                self.push(self.later(10, 180), self.ev_disburse, p, loan_id, False, False)
            else:
                self.push(self.clock.moment + timedelta(days=1), self.ev_give_up, p, loan_id)
        elif status == PayoutStatus.PENDING:
            self.report.pending_payouts += 1
            self.push(self.later(5, 6), self.ev_poll, p, loan_id)

    def ev_poll(self, p: Persona, loan_id: int) -> None:
        tasks.poll_pending_payouts()
        payout = Loan.objects.get(pk=loan_id).payouts.order_by("-attempt").first()
        self._after_payout(p, loan_id, payout.status)

    def ev_give_up(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status == S.APPROVED:
            services.loan_cancel(loan=loan, reason="payout failed; the borrower withdrew")
            self._finish(p, "cancelled")

    # --- repayment behaviour -----------------------------------------------------------------

    def _start_track(self, p: Persona, loan: Loan) -> None:
        rng = self.rng
        z = self.observed_logit(p, loan.product, loan.principal_kop)
        pd = sigmoid(z + p.hidden + rng.gauss(0, 0.25))
        bad = rng.random() < pd
        late_share = min(0.5, 0.08 + 0.6 * pd)
        if loan.product.kind == ProductKind.IL:
            style = "installments"
        else:
            style = rng.choices(
                ["early", "on_time", "prolong", "late", "restructure"],
                [0.2, 0.62 - late_share, 0.15, late_share, 0.03],
            )[0]
        t = Track(
            loan_id=loan.pk,
            persona=p,
            kind=loan.product.kind,
            pd=pd,
            bad=bad,
            style=style,
            prolongations_left=loan.max_prolongations,
        )
        self.tracks[loan.pk] = t
        self._showcase(t, loan)
        if t.kind == ProductKind.IL and t.bad:
            periods = loan.term_days // loan.period_days
            t.stop_after = rng.randint(0, max(0, periods - 2))
        if t.kind == ProductKind.IL:
            self._plan_installment(t, loan)
        else:
            self._plan_pdl(t, loan)

    def _showcase(self, t: Track, loan: Loan) -> None:
        """However small the demo, show each path once (the first loan that fits each)."""
        if t.kind != ProductKind.PDL:
            return
        due, today = loan.maturity_date, self.today
        if "overdue" not in self.showcase and today - timedelta(40) <= due <= today - timedelta(3):
            self.showcase.add("overdue")
            t.bad, t.hold = True, True
        elif "written_off" not in self.showcase and due <= today - timedelta(110):
            self.showcase.add("written_off")
            t.bad, t.style = True, "write_off"
        elif "restructured" not in self.showcase and due <= today - timedelta(60):
            self.showcase.add("restructured")
            t.bad, t.style = False, "restructure"
        elif "prolonged" not in self.showcase and due <= today - timedelta(45):
            self.showcase.add("prolonged")
            t.bad, t.style = False, "prolong"

    def _plan_pdl(self, t: Track, loan: Loan) -> None:
        rng = self.rng
        due = loan.maturity_date
        if t.bad:
            self._plan_default(t, due)
            return
        days_left = (due - self.day).days
        if t.style == "early" and days_left >= 2:
            self.push_day(self.day + timedelta(rng.randint(1, days_left - 1)), self.ev_pay_full, t)
        elif t.style == "prolong" and t.prolongations_left > 0:
            when = due - timedelta(rng.choice((0, 0, 1, 2)))
            self.push_day(when, self.ev_prolong, t, rng.choice((7, 14, 14, 21, 30)))
        elif t.style == "late":
            late_by = rng.randint(1, 24)
            if rng.random() < 0.5:
                part_day = due + timedelta(rng.randint(1, late_by))
                self.push_day(part_day, self.ev_pay_part, t, rng.uniform(0.2, 0.6), lo=8, hi=12)
            self.push_day(due + timedelta(late_by), self.ev_pay_full, t, lo=13, hi=22)
        elif t.style == "restructure":
            self.push_day(due + timedelta(rng.randint(6, 20)), self.ev_restructure, t, 0, lo=10)
        else:
            self.push_day(due - timedelta(rng.choice((0, 0, 0, 1, 2, 3))), self.ev_pay_full, t)

    def _plan_installment(self, t: Track, loan: Loan) -> None:
        """The next installment of an IL or a restructuring plan."""
        rng = self.rng
        item_day = (
            ScheduleItem.objects.filter(
                loan_id=loan.pk, version=loan.schedule_version, due_date__gt=self.day
            )
            .order_by("due_date")
            .values_list("due_date", flat=True)
            .first()
        )
        if item_day is None:
            return
        if t.stop_after is not None and t.stop_after <= 0:
            t.bad = True
            self._plan_default(t, item_day)
            return
        roll = rng.random()
        if roll < 0.04 and not t.in_collection:
            self.push_day(item_day - timedelta(rng.randint(0, 5)), self.ev_pay_full, t)
        elif roll < 0.04 + 0.25 * t.pd + 0.05:
            self.push_day(item_day + timedelta(rng.randint(2, 12)), self.ev_pay_due, t, item_day)
        else:
            early = timedelta(rng.choice((0, 0, 0, 1, 2)))
            self.push_day(item_day - early, self.ev_pay_due, t, item_day)

    # --- servicing events ----------------------------------------------------------------------

    def _live(self, t: Track) -> Loan | None:
        loan = Loan.objects.select_related("product").get(pk=t.loan_id)
        if loan.status not in (S.SERVICED, S.OVERDUE):
            return None
        t.max_dpd = max(t.max_dpd, loan.days_past_due)
        return loan

    def _pay(self, t: Track, loan: Loan, amount_kop: int) -> Loan:
        services.loan_repay(
            loan=loan,
            amount_kop=amount_kop,
            provider=PROVIDER,
            event_id=f"demo-{loan.pk}-{next(self.event_ids)}",
        )
        loan = Loan.objects.get(pk=loan.pk)
        if loan.status == S.CLOSED:
            self._closed(t, loan)
        return loan

    def ev_pay_full(self, t: Track) -> None:
        loan = self._live(t)
        if loan is None:
            return
        amount = services.repayment_quote_kop(loan=loan)
        if self.rng.random() < 0.06:
            amount = (amount // 10_000 + 1) * 10_000  # rounded up to whole hundreds of roubles
        self._pay(t, loan, amount)

    def ev_pay_part(self, t: Track, share: float) -> None:
        loan = self._live(t)
        if loan is None:
            return
        quote = services.repayment_quote_kop(loan=loan)
        amount = max(10_000, round_down(quote * share, 10_000))
        if amount < quote:
            self._pay(t, loan, amount)

    def ev_pay_due(self, t: Track, item_day: date) -> None:
        loan = self._live(t)
        if loan is None:
            return
        quote = services.repayment_quote_kop(loan=loan)
        due_items = (
            ScheduleItem.objects.filter(
                loan_id=loan.pk,
                version=loan.schedule_version,
                due_date__gte=loan.next_due_date or item_day,
                due_date__lte=item_day,
            ).aggregate(total=Sum("total_kop"))["total"]
            or 0
        )
        amount = max(0, loan.due_passed_kop - loan.paid_debt_kop) + due_items + loan.penalty_out_kop
        if amount >= quote or item_day >= loan.maturity_date:
            amount = quote
        if amount > 0:
            loan = self._pay(t, loan, amount)
        if t.stop_after is not None:
            t.stop_after -= 1
        if loan.status in (S.SERVICED, S.OVERDUE):
            self._plan_installment(t, loan)

    def ev_prolong(self, t: Track, days: int) -> None:
        loan = self._live(t)
        if loan is None:
            return
        try:
            quote = services.prolongation_quote(loan=loan, days=days)
            services.loan_prolong(
                loan=loan,
                days=days,
                provider=PROVIDER,
                event_id=f"demo-{loan.pk}-{next(self.event_ids)}",
                amount_kop=quote["pay_kop"],
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            self.ev_pay_full(t)
            return
        self.report.prolongations += 1
        t.prolongations_left -= 1
        loan = Loan.objects.get(pk=loan.pk)
        t.style = self.rng.choices(["on_time", "prolong", "late"], [0.62, 0.25, 0.13])[0]
        self._plan_pdl(t, loan)

    def ev_refund(self, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.overpayment_kop > 0:
            services.loan_refund_overpayment(loan=loan)
            self.report.refunds += 1

    def _closed(self, t: Track, loan: Loan) -> None:
        p = t.persona
        p.closed_loans += 1
        if t.max_dpd >= 30:
            p.bad_loans += 1
            outcome = "bad"
        elif t.max_dpd > 0:
            p.late_loans += 1
            outcome = "late"
        else:
            p.good_loans += 1
            outcome = "good"
        if loan.overpayment_kop and self.rng.random() < 0.7:
            self.push_day(self.day + timedelta(self.rng.randint(1, 5)), self.ev_refund, loan.pk)
        if p.good_loans >= 3 and loan.borrower_id not in self.cards:
            self._maybe_open_card(p, loan.borrower_id)
        self._finish(p, outcome)
