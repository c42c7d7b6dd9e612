"""Applications: the borrower applies, the robot decides (approve, refer or decline), the
underwriter reviews the referred ones, the borrower signs the offer or lets it expire."""

from datetime import time, timedelta

from demo.numbers import round_down, sigmoid
from demo.people import Persona
from kernel.errors import DomainError
from loans import services
from loans.business_date import MOSCOW
from loans.models import Loan, LoanStatus, Product, ProductKind

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

    def ev_apply(self, p: Persona, forced: str = "") -> None:
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
        loan = services.loan_score(loan=loan)
        z_seen = self.observed_logit(p, product, amount_kop) + 0.25 * p.hidden
        pd_seen = sigmoid(z_seen + self.rng.gauss(0, 0.35))
        self.tick(1, 5)
        if forced == "review":
            services.loan_refer(loan=loan, reason=f"grey zone: PD {pd_seen:.2f}")
            return
        if forced == "offer":
            services.loan_approve(loan=loan, reason=f"auto-approved: PD {pd_seen:.2f}")
            return
        decline_at, refer_at = (0.55, 0.36) if repeat else (0.45, 0.28)
        if p.self_ban:
            self._decline(p, loan, "a credit bureau reports an active self-ban", actor=None)
        elif self.rng.random() < 0.03:
            self._decline(p, loan, "bureau: too many inquiries in the last 7 days", actor=None)
        elif pd_seen > decline_at:
            self._decline(p, loan, f"PD {pd_seen:.2f} above the cut-off {decline_at}", actor=None)
        elif pd_seen > refer_at or (not repeat and amount_kop > 1_500_000):
            services.loan_refer(loan=loan, reason=f"grey zone: PD {pd_seen:.2f}")
            moment = self.later(3, 45)
            if not time(9) <= moment.astimezone(MOSCOW).time() <= time(21):
                next_day = moment.astimezone(MOSCOW).date()
                if moment.astimezone(MOSCOW).time() > time(21):
                    next_day += timedelta(days=1)
                moment = self.at(next_day, self.rng.uniform(9 * 3600, 10.5 * 3600))
            self.push(moment, self.ev_review, p, loan.pk, z_seen)
        else:
            services.loan_approve(loan=loan, reason=f"auto-approved: PD {pd_seen:.2f}")
            self.push(self.later(1, 25), self.ev_offer, p, loan.pk)

    def _decline(self, p: Persona, loan: Loan, reason: str, *, actor) -> None:
        services.loan_decline(loan=loan, reason=reason, actor=actor)
        self._finish(p, "rejected")

    def ev_review(self, p: Persona, loan_id: int, z_seen: float) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.IN_REVIEW:
            return
        underwriter = self.staff.get("underwriter")
        if self.rng.random() < 0.06:
            services.loan_cancel(loan=loan, reason="the borrower withdrew the application")
            self._finish(p, "cancelled")
            return
        verdict = sigmoid(z_seen + 0.3 * p.hidden + self.rng.gauss(0, 0.3))
        if verdict > 0.4:
            self._decline(p, loan, "underwriter: income not confirmed", actor=underwriter)
            return
        amount = None
        if self.rng.random() < 0.35:
            lower = round_down(loan.requested_amount_kop * self.rng.uniform(0.5, 0.8), 50_000)
            if lower >= loan.product.min_amount_kop:
                amount = lower
        services.loan_approve(
            loan=loan,
            actor=underwriter,
            amount_kop=amount,
            reason="approved by underwriter" + (" with a lower amount" if amount else ""),
        )
        self.push(self.later(2, 40), self.ev_offer, p, loan_id)

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
        # ensure_bureau_answer); the simulated bureaus say what the persona's history says.
        if not services.bureau_answer_is_fresh(borrower=loan.borrower):
            services.borrower_record_self_ban(
                borrower=loan.borrower,
                active=p.self_ban,
                checked_at=self.clock.moment,
                high_psk_loans=0,
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

    def _last_day_queue(self, reserved: list[Persona]) -> None:
        for p in reserved:
            minutes_ago = self.rng.uniform(1, 50)
            moment = max(self.last_day_from, self.last_day_to - timedelta(minutes=minutes_ago))
            self.push(moment, self.ev_queue_arrival, p)
