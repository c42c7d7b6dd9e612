"""Applications: the borrower applies, the scoring robot decides (approve, refer or decline),
the underwriter reviews the referred ones through the queue's services, the borrower signs the
offer or lets it expire."""

from datetime import datetime, time, timedelta

from demo.numbers import round_down, sigmoid
from demo.people import Persona
from kernel.errors import DomainError
from loans import services
from loans.business_date import MOSCOW
from loans.debt_load import debt_load_note
from loans.models import Loan, LoanStatus, Product, ProductKind
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.bureau import BureauReports, ask_bureaus, ask_bureaus_at_signing
from scoring.models import Decision, ScoreResult
from scoring.selectors import existing_payments_kop
from underwriting import services as underwriting_services
from underwriting.models import DeclineReason, ReviewTask
from underwriting.services import sla_minutes

S = LoanStatus


class ApplicationsMixin:
    """What a persona asks for, and what the robot and the underwriter answer."""

    def _choose_terms(self, p: Persona) -> tuple[Product, int, int]:
        rng = self.rng
        repeat = p.closed_loans > 0
        pdl, plus, il = self.products["pdl30"], self.products["pdl30plus"], self.products["il168"]
        if repeat and p.good_loans and rng.random() < 0.55:
            product = plus
        elif rng.random() < (0.25 if repeat else 0.12) and p.income_rub >= 30_000:
            product = il
        else:
            product = pdl
        if product.kind == ProductKind.IL:
            amount = p.income_rub * rng.uniform(0.4, 1.6) * (1 + 0.15 * min(p.good_loans, 4))
            amount_kop = round_down(amount, 1000) * 100
            periods = rng.randint(product.min_term_days // 14, product.max_term_days // 14)
            term = periods * product.period_days
        else:
            amount = p.income_rub * rng.uniform(0.08, 0.4) * (1 + 0.3 * min(p.good_loans, 4))
            limit = product.max_amount_kop if repeat else 1_500_000
            amount_kop = min(round_down(amount, 500) * 100, limit)
            term = rng.choice((7, 10, 14, 14, 15, 21, 21, 30, 30, 30))
        amount_kop = max(product.min_amount_kop, min(product.max_amount_kop, amount_kop))
        term = max(product.min_term_days, min(product.max_term_days, term))
        return product, amount_kop, term

    def ev_apply(self, p: Persona, arrival: str = "") -> None:
        """The borrower applies; the scoring robot decides on the sandbox bureaus' answer, as
        the pipeline's score_and_route does, and the demo follows its decision."""
        if p.busy:
            return
        product, amount_kop, term = self._choose_terms(p)
        repeat = p.closed_loans > 0
        loan = services.loan_apply(
            borrower=p.borrower, product=product, amount_kop=amount_kop, term_days=term
        )
        p.busy = True
        self.report.applications += 1
        self.report.repeat_applications += repeat
        self.tick(3, 40)
        bureau = ask_bureaus(borrower=loan.borrower, as_of=self.day)
        result = scoring_services.score_application(loan=loan, bureau=bureau)
        reason = "scoring: " + ("; ".join(r["text"] for r in result.reasons) or result.decision)
        self.tick(1, 5)
        if result.decision == Decision.APPROVE:
            loan = services.loan_decide(
                loan=loan,
                decision="approve",
                amount_kop=result.approved_amount_kop,
                reason=reason,
            )
            debt_load_note(loan=loan, other_payments_kop=existing_payments_kop(result))
            if arrival != "queue":
                self.push(self.later(1, 25), self.ev_offer, p, loan.pk)
        elif result.decision == Decision.REFER:
            loan = services.loan_decide(loan=loan, decision="refer", reason=reason)
            task = self._open_review(loan, result, bureau)
            if arrival != "queue":
                self.push(self._review_moment(task.segment), self.ev_review, p, task.pk)
        else:
            services.loan_decide(loan=loan, decision="decline", reason=reason)
            self._finish(p, "rejected")

    def _open_review(self, loan: Loan, result: ScoreResult, bureau: BureauReports) -> ReviewTask:
        return underwriting_services.review_open(
            loan=loan, **scoring_selectors.review_facts(loan=loan, result=result, bureau=bureau)
        )

    def _review_moment(self, segment: str) -> datetime:
        """Underwriters work 9:00 to 21:00 and take a task within 0.3 to 1.6 times its SLA;
        what arrives at night waits for the morning."""
        sla = sla_minutes(segment)
        moment = self.later(0.3 * sla, 1.6 * sla)
        local = moment.astimezone(MOSCOW)
        if not time(9) <= local.time() <= time(21):
            next_day = local.date() + timedelta(days=local.time() > time(21))
            moment = self.at(next_day, self.rng.uniform(9 * 3600, 10.5 * 3600))
        return moment

    def ev_review(self, p: Persona, task_id: int) -> None:
        task = ReviewTask.objects.select_related("loan").get(pk=task_id)
        if task.loan.status != S.IN_REVIEW:
            return
        if self.rng.random() < 0.06:
            services.loan_cancel(loan=task.loan, reason="the borrower withdrew the application")
            underwriting_services.review_withdraw_stale()
            self._finish(p, "cancelled")
            return
        underwriter = self.staff["underwriter"]
        underwriting_services.review_claim(task_id=task_id, actor=underwriter)
        z_seen = self.observed_logit(p, task.loan.product, task.amount_kop) + 0.25 * p.hidden
        verdict = sigmoid(z_seen + 0.3 * p.hidden + self.rng.gauss(0, 0.3))
        if verdict > 0.4:
            codes = [DeclineReason.CREDIT_HISTORY if p.bad_loans else DeclineReason.DEBT_LOAD]
            if p.employment == "unemployed":
                codes = [DeclineReason.INCOME_NOT_CONFIRMED]
            underwriting_services.review_decline(task_id=task_id, actor=underwriter, reasons=codes)
            self._finish(p, "rejected")
            return
        amount = min(task.amount_kop, task.robot_limit_kop)
        if self.rng.random() < 0.35:
            lower = round_down(amount * self.rng.uniform(0.5, 0.8), 50_000)
            if lower >= task.loan.product.min_amount_kop:
                amount = lower
        underwriting_services.review_approve(task_id=task_id, actor=underwriter, amount_kop=amount)
        self.push(self.later(2, 40), self.ev_offer, p, task.loan_id)

    def ev_offer(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.APPROVED:
            return
        roll = self.rng.random()
        if roll < 0.04:
            services.loan_cancel(loan=loan, reason="the borrower declined the offer")
            self._finish(p, "cancelled")
            return
        if roll < 0.06:
            self.push(self.clock.moment + timedelta(days=1), self.ev_expire, p, loan_id)
            return
        # At signing the bureaus are asked again when their answer is stale (the pipeline's
        # ensure_bureau_answer).
        if not services.bureau_answer_is_fresh(borrower=loan.borrower):
            answer = ask_bureaus_at_signing(borrower=loan.borrower, as_of=self.day)
            services.borrower_record_self_ban(
                borrower=loan.borrower,
                active=answer.self_ban,
                checked_at=answer.received_at,
                high_psk_loans=answer.open_high_psk_loans,
            )
        try:
            services.loan_sign(loan=loan)
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            services.loan_cancel(loan=loan, reason=f"could not sign: {exc.message}")
            self._finish(p, "cancelled")
            return
        self.report.signed += 1
        self.report.signed_repeat += p.closed_loans > 0
        self.tick(20, 120)
        self.ev_disburse(p, loan_id, self.rng.random() < 0.75, True)

    def ev_expire(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status == S.APPROVED:
            services.loan_cancel(loan=loan, reason="the offer expired unsigned")
            self._finish(p, "cancelled")

    # --- the last day: the underwriter's queue and fresh offers ---------------------------

    def _last_day_queue(self, reserved: list[Persona], returning: list[Persona]) -> None:
        """New borrowers and a few returning ones apply in the last 45 minutes; what the robot
        refers waits in the queue, most of it recent, some near or past its deadline (one
        arrival in each of as many slices of the time, denser towards the end)."""
        span = (self.last_day_to - self.last_day_from).total_seconds() / 60
        applicants = [*reserved, *returning]
        self.rng.shuffle(applicants)
        for i, p in enumerate(applicants):
            share = (i + self.rng.random()) / len(applicants)
            minutes_ago = min(span, 45 * share**3)
            moment = max(self.last_day_from, self.last_day_to - timedelta(minutes=minutes_ago))
            self.push(moment, self.ev_queue_arrival, p)
