"""Collection: a borrower who stops paying makes a token payment or none; the collector calls
and texts within the 230-FZ limits (the collection services refuse what the law forbids), takes
promises that are kept or broken, offers a restructuring or hands the debt to the lawyers; the
borrower pays late in the end or is written off.

The collectors' choices draw from their own random stream (`collection_rng`); only a kept
promise's payment touches a loan."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from collection import services as collection_services
from collection.models import OPEN_CASE, CaseStage, Channel, CollectionCase, Outcome
from demo.numbers import round_down
from demo.servicing import Track
from kernel.errors import DomainError
from loans import services
from loans.business_date import current_business_date
from loans.models import LoanStatus, ProductKind

S = LoanStatus
CALL_OUTCOMES = (
    (Outcome.NO_ANSWER, 0.42),
    (Outcome.PROMISE, 0.3),
    (Outcome.REFUSED, 0.14),
    (Outcome.THIRD_PARTY, 0.07),
    (Outcome.DISPUTE, 0.04),
    (Outcome.WRONG_NUMBER, 0.03),
)
SMS_ON_DAYS = (1, 4, 9, 16, 25, 40, 60)  # days since the case opened


class CollectionMixin:
    """Defaults: planned when a track turns bad, carried out through the loan services; the
    collector's day planned after each close-of-business."""

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
        elif roll < 0.52:
            self.push_day(due + timedelta(rng.randint(92, 100)), self.ev_legal, t, lo=10, hi=18)
        elif roll < 0.85:
            self.push_day(due + timedelta(rng.randint(95, 130)), self.ev_write_off, t, lo=10)

    def _open_case(self, t: Track) -> CollectionCase | None:
        return CollectionCase.objects.filter(OPEN_CASE, loan_id=t.loan_id).first()

    def ev_restructure(self, t: Track, stop_after: int | None) -> None:
        """The collector offers an installment plan by SMS and the debtor accepts it."""
        loan = self._live(t)
        if loan is None or loan.status != S.OVERDUE:
            return
        periods = self.rng.randint(2, 4) if t.kind == ProductKind.PDL else self.rng.randint(3, 6)
        collector = self.staff.get("collector")
        case = self._open_case(t)
        try:
            if case is None:
                loan = services.loan_restructure(
                    loan=loan, periods=periods, period_days=14, actor=collector
                )
            else:
                collection_services.restructuring_offer(
                    case=case, periods=periods, period_days=14, actor=collector
                )
                loan = collection_services.case_restructuring_accept(case=case)
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.restructurings += 1
        t.in_collection = True
        t.stop_after = stop_after if t.bad else None
        t.bad = False
        self._plan_installment(t, loan)

    def ev_legal(self, t: Track) -> None:
        """Past 90 days overdue the collector hands the debt to the lawyers."""
        case = self._open_case(t)
        if case is None or case.stage == CaseStage.LEGAL:
            return
        try:
            collection_services.case_hand_over_to_legal(case=case, actor=case.collector)
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            self.ev_write_off(t)
            return
        self.report.legal += 1

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

    # --- the collector's day ---------------------------------------------------------------

    def _plan_collectors_day(self, day: date) -> None:
        """After the night: which open loan cases the collector calls or texts on `day`, each
        at an afternoon hour of the debtor's own time zone."""
        rng = self.collection_rng
        cases = (
            CollectionCase.objects.filter(
                stage__in=(CaseStage.SOFT, CaseStage.HARD), loan__isnull=False
            )
            .exclude(collector=None)
            .select_related("borrower")
            .order_by("pk")
        )
        for case in cases:
            local = ZoneInfo(case.borrower.time_zone)
            since = (day - case.opened_on).days
            last = self.last_call.get(case.pk)
            if last is None or (day - last).days >= rng.randint(3, 6):
                self.last_call[case.pk] = day
                self.push(self._local_moment(day, local, 10, 19), self.ev_call, case.pk)
            if since in SMS_ON_DAYS:
                self.push(self._local_moment(day, local, 9, 20), self.ev_text, case.pk)

    def _local_moment(self, day: date, zone: ZoneInfo, lo: int, hi: int) -> datetime:
        start = datetime.combine(day, time(lo), tzinfo=zone)
        return start + timedelta(seconds=self.collection_rng.uniform(0, (hi - lo) * 3600))

    def ev_call(self, case_id: int) -> None:
        rng = self.collection_rng
        case = CollectionCase.objects.select_related("borrower").get(pk=case_id)
        if case.stage not in (CaseStage.SOFT, CaseStage.HARD):
            return
        outcomes, weights = zip(*CALL_OUTCOMES, strict=True)
        outcome = rng.choices(outcomes, weights)[0]
        try:
            collection_services.contact_log(
                case=case, channel=Channel.CALL, outcome=outcome, actor=case.collector
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.contacts += 1
        if outcome == Outcome.PROMISE:
            self._promise(case)

    def _promise(self, case: CollectionCase) -> None:
        """The debtor promises part of the debt within a week; the borrower's track says
        whether they keep it (a hopeless debtor seldom does)."""
        rng = self.collection_rng
        t = self.tracks.get(case.loan_id)
        today = current_business_date()
        amount = max(50_000, round_down(case.debt_kop * rng.uniform(0.15, 0.6), 10_000))
        amount = min(amount, case.debt_kop)
        days = rng.randint(1, min(7, settings.COLLECTION_PROMISE_MAX_DAYS))
        try:
            collection_services.promise_record(
                case=case,
                amount_kop=amount,
                promised_on=today + timedelta(days=days),
                actor=case.collector,
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.promises += 1
        keeps = 0.0 if t is None or t.hold else 0.4 if t.bad else 0.8
        if rng.random() < keeps:
            pay_day = today + timedelta(days=rng.randint(0, days))
            self.push_day(pay_day, self.ev_pay_promised, t, amount, lo=9, hi=21)

    def ev_pay_promised(self, t: Track, amount_kop: int) -> None:
        loan = self._live(t)
        if loan is None:
            return
        self._pay(t, loan, min(amount_kop, services.repayment_quote_kop(loan=loan)))

    def ev_text(self, case_id: int) -> None:
        case = CollectionCase.objects.select_related("borrower").get(pk=case_id)
        if case.stage not in (CaseStage.SOFT, CaseStage.HARD):
            return
        # Borrowers read SMS in Russian whatever the operator's interface language.
        body = (
            f"Займер: по займу №{case.loan_id} просрочка {case.days_past_due} дн. Оплатите "
            "долг в приложении или позвоните нам."
        )
        try:
            collection_services.message_send(case_or_borrower=case, kind="overdue", body=body)
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.contacts += 1
