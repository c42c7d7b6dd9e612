"""Collection: a borrower who stops paying makes a token payment or none, is restructured,
pays late in the end or is written off."""

from datetime import date, timedelta

from demo.servicing import Track
from kernel.errors import DomainError
from loans import services
from loans.models import LoanStatus, ProductKind

S = LoanStatus


class CollectionMixin:
    """Defaults: planned when a track turns bad, carried out through the loan services."""

    def _plan_default(self, t: Track, due: date) -> None:
        """A borrower who stops paying: maybe a token payment, then collection."""
        rng = self.rng
        if t.hold:
            return
        if rng.random() < 0.35:
            part_day = due + timedelta(rng.randint(-2, 12))
            self.push_day(part_day, self.ev_pay_part, t, rng.uniform(0.05, 0.3))
        if t.style == "write_off":
            self.push_day(due + timedelta(rng.randint(95, 105)), self.ev_write_off, t, lo=10, hi=18)
            return
        roll = rng.random()
        if t.in_collection:
            if roll < 0.5:
                self.push_day(due + timedelta(rng.randint(90, 130)), self.ev_write_off, t, lo=10)
        elif roll < 0.22:
            self.push_day(due + timedelta(rng.randint(35, 85)), self.ev_pay_full, t)
        elif roll < 0.37:
            stop = rng.randint(0, 2) if rng.random() < 0.6 else None
            self.push_day(due + timedelta(rng.randint(30, 55)), self.ev_restructure, t, stop)
        elif roll < 0.85:
            self.push_day(due + timedelta(rng.randint(95, 130)), self.ev_write_off, t, lo=10)

    def ev_restructure(self, t: Track, stop_after: int | None) -> None:
        loan = self._live(t)
        if loan is None or loan.status != S.OVERDUE:
            return
        periods = self.rng.randint(2, 4) if t.kind == ProductKind.PDL else self.rng.randint(3, 6)
        try:
            loan = services.loan_restructure(
                loan=loan, periods=periods, period_days=14, actor=self.staff.get("collector")
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.restructurings += 1
        t.in_collection = True
        t.stop_after = stop_after if t.bad else None
        t.bad = False
        self._plan_installment(t, loan)

    def ev_write_off(self, t: Track) -> None:
        loan = self._live(t)
        if loan is None or loan.status != S.OVERDUE:
            return
        services.loan_write_off(
            loan=loan,
            reason=f"uncollectable after {loan.days_past_due} days past due",
            actor=self.staff.get("admin"),
        )
        self.report.write_offs += 1
        t.persona.bad_loans += 1
        self._finish(t.persona, "written_off")
