"""The simulator: the simulated clock, the event queue, the walk from day to day and its report.

`PortfolioSimulator` is composed of one mixin per thing it simulates (people, applications,
servicing, collection, cards); each event is a method pushed on the queue with its moment, and
the walk pops them in time order, one business day at a time, with close-of-business after each.
Every random draw comes from `rng` (the cards', the collectors' and the surveys' from streams
of their own) in the order the events happen, so the history is the same for a seed. After each
close-of-business the night's collection steps and surveys run for the day, as `nightly` does.
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from collection.cob import run_pending_days
from demo.accounts import usernames
from demo.applications import ApplicationsMixin
from demo.cards import CardsMixin
from demo.collection import CollectionMixin
from demo.feedback import FeedbackMixin
from demo.people import PeopleMixin, Persona
from demo.products import product_codes
from demo.servicing import ServicingMixin, Track
from kernel.request_memo import request_scope
from loans import bureau_outbox, bureau_sending
from loans.bureau_sending import SandboxReportingBureau
from loans.business_date import MOSCOW, set_business_date
from loans.cob import run_cob_until
from loans.models import (
    Borrower,
    BureauSubmission,
    Loan,
    LoanStatus,
    Product,
    Region,
    SubmissionStatus,
)

S = LoanStatus


class SimulatedClock:
    """Stands in for `django.utils.timezone.now` while the history is generated."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment


@dataclass
class Report:
    borrowers: int = 0
    applications: int = 0
    repeat_applications: int = 0
    signed: int = 0
    signed_repeat: int = 0
    failed_payouts: int = 0
    pending_payouts: int = 0
    prolongations: int = 0
    restructurings: int = 0
    write_offs: int = 0
    refunds: int = 0
    cards: int = 0
    card_draws: int = 0
    contacts: int = 0
    promises: int = 0
    legal: int = 0
    survey_answers: int = 0
    refused: Counter = field(default_factory=Counter)
    statuses: dict = field(default_factory=dict)
    start: date | None = None
    end: date | None = None


class PortfolioSimulator(
    PeopleMixin, ApplicationsMixin, ServicingMixin, CollectionMixin, FeedbackMixin, CardsMixin
):
    """One synthetic history: `run` walks it from `today - days` to today."""

    def __init__(
        self,
        *,
        borrowers: int,
        days: int,
        seed: int,
        today: date,
        real_now: datetime,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        # The cards draw from their own stream, so that the loans are the same with or without.
        self.card_rng = random.Random(seed + 1)  # noqa: S311 - as above
        self.cards: dict[int, int] = {}  # borrower → credit line
        # The collectors and the surveys' respondents too, so that they do not reshuffle the loans.
        self.collection_rng = random.Random(seed + 2)  # noqa: S311 - as above
        self.feedback_rng = random.Random(seed + 3)  # noqa: S311 - as above
        self.tracks: dict[int, Track] = {}  # loan → how its borrower behaves
        self.last_call: dict[int, date] = {}  # collection case → the collector's last call
        self.n = borrowers
        self.today = today
        self.start = today - timedelta(days=days)
        self.bureau_fault_from = self.start + timedelta(days=11)
        self.card_refused = False
        self.real_now = real_now
        self.log = log or (lambda message: None)
        self.clock = SimulatedClock()
        self.clock.moment = datetime.combine(self.start, time(0, 5), tzinfo=MOSCOW)
        self.queue: list = []
        self.counter = itertools.count()
        self.day = self.start
        self.report = Report(start=self.start, end=today)
        self.products = {p.code: p for p in Product.objects.filter(code__in=product_codes())}
        user_model = get_user_model()
        self.staff = {u.username: u for u in user_model.objects.filter(username__in=usernames())}
        self.regions = list(Region.objects.order_by("code"))
        self.used_phones = set(Borrower.objects.values_list("phone", flat=True))
        self.used_passports = set(
            Borrower.objects.values_list("passport_series", "passport_number")
        )
        self.showcase: set[str] = set()
        self.event_ids = itertools.count(1)
        window_start = datetime.combine(today, time(0, 6), tzinfo=MOSCOW)
        self.last_day_from = min(window_start, real_now - timedelta(minutes=1))
        self.last_day_to = max(self.last_day_from, real_now - timedelta(minutes=1))

    # --- time ------------------------------------------------------------------------------

    def at(self, day: date, seconds: float) -> datetime:
        """A moment on a business day; the last day is squeezed into the hours already past."""
        if day != self.today:
            return datetime.combine(day, time(0), tzinfo=MOSCOW) + timedelta(seconds=seconds)
        span = (self.last_day_to - self.last_day_from).total_seconds()
        return self.last_day_from + timedelta(seconds=span * seconds / 86_400)

    def daytime(self, day: date, lo: int = 8, hi: int = 22) -> datetime:
        return self.at(day, self.rng.uniform(lo * 3600, hi * 3600))

    def push(self, when: datetime, action: Callable, *args) -> None:
        when = max(when, self.clock.moment)  # time never runs backwards
        heapq.heappush(self.queue, (when, next(self.counter), action, args))

    def push_day(self, day: date, action: Callable, *args, lo: int = 8, hi: int = 22) -> None:
        day = max(day, self.day + timedelta(days=1))
        self.push(self.daytime(day, lo, hi), action, *args)

    def later(self, minutes_lo: float, minutes_hi: float) -> datetime:
        return self.clock.moment + timedelta(minutes=self.rng.uniform(minutes_lo, minutes_hi))

    def tick(self, seconds_lo: float = 2, seconds_hi: float = 30) -> None:
        self.clock.moment += timedelta(seconds=self.rng.uniform(seconds_lo, seconds_hi))

    # --- the walk ----------------------------------------------------------------------------

    def run(self) -> Report:
        personas = self._personas()
        for persona in personas:
            if persona.reserved:
                continue
            moment = self.daytime(persona.arrival, 7, 23)
            self.push(moment, self.ev_arrive, persona)
        set_business_date(on=self.start)
        day = self.start
        while day <= self.today:
            self.day = day
            if day == self.today:
                idle = [p for p in personas if p.closed_loans and not p.busy]
                returning = self.rng.sample(idle, min(len(idle), max(3, self.n // 30)))
                self._last_day_queue([p for p in personas if p.reserved], returning)
                horizon = self.last_day_to
            else:
                horizon = datetime.combine(day + timedelta(days=1), time(0), tzinfo=MOSCOW)
            # A savepoint per simulated day. Payout tasks deferred to the final commit find
            # their payouts already settled and do nothing.
            with transaction.atomic():
                while self.queue and self.queue[0][0] < horizon:
                    moment, _, action, args = heapq.heappop(self.queue)
                    self.clock.moment = moment
                    # Each event is one request of the world's: its reference reads (the
                    # business date, the limits, the work calendar) are read once.
                    with request_scope():
                        action(*args)
            if day < self.today:
                self.clock.moment = datetime.combine(day + timedelta(days=1), time(0, 5), MOSCOW)
                run_cob_until(until=day)
                self._report_to_bureaus(day)
                # The night's steps after the loan core (zaymer.nightly's EACH_DAY).
                run_pending_days()
                self._surveys_and_offers(day)
                self._plan_collectors_day(day + timedelta(days=1))
                if (day - self.start).days % 50 == 49:
                    self.log(f"  {day}: {Loan.objects.count()} loans so far")
            day += timedelta(days=1)
        self.report.borrowers = Borrower.objects.count()
        self.report.statuses = loans_per_status()
        return self.report

    def _report_to_bureaus(self, day: date) -> None:
        """The day's credit-history events go to the sandbox bureaus. About every 23 days
        (the first day with events to send once that long has passed), and on the first day a
        card's events are due, ОКБ refuses the day's events; staff correct such rejections two
        days later, except the first of a loan's and the first of a card's, left for the admin
        and the reporting page to show. The rhythm counts from the history's start, not the
        calendar, and nothing here draws from the history's random stream, so the bureaus'
        faults never change the loans."""
        due = bureau_sending.due_submissions(self.clock.moment)
        on_rhythm = day >= self.bureau_fault_from and due.exists()
        # Cards are few: without this, the rhythm may never meet a day with a card's events.
        first_card = not self.card_refused and due.filter(event__credit_line__isnull=False).exists()
        refusing = on_rhythm or first_card
        if on_rhythm:
            self.bureau_fault_from = day + timedelta(days=23)
        self.card_refused = self.card_refused or first_card
        SandboxReportingBureau.faults = {"okb": "reject:*"} if refusing else {}
        try:
            bureau_sending.send_due(now=self.clock.moment, limit=1_000_000)
        finally:
            SandboxReportingBureau.faults = {}
        stale = BureauSubmission.objects.filter(
            status=SubmissionStatus.REJECTED, event__occurred_on__lte=day - timedelta(days=2)
        ).exclude(reason__contains="left for staff")
        stale = stale.select_related("event")
        kept = BureauSubmission.objects.filter(reason__contains="left for staff")
        left = {card: kept.filter(event__credit_line__isnull=not card).exists() for card in (0, 1)}
        for submission in stale.order_by("pk")[:20]:
            card = int(submission.event.credit_line_id is not None)
            if left[card]:
                bureau_outbox.event_correct(event=submission.event)
            else:
                left[card] = True
                BureauSubmission.objects.filter(pk=submission.pk).update(
                    reason=submission.reason + " (left for staff to correct)"
                )

    def _finish(self, p: Persona, outcome: str) -> None:
        """The borrower's request or loan is over: will they come back, and when?"""
        rng = self.rng
        p.busy = False
        chance, gap = {
            "good": (p.loyalty, lambda: 1 + int(rng.expovariate(1 / 4))),
            "late": (p.loyalty * 0.9, lambda: 2 + int(rng.expovariate(1 / 10))),
            "bad": (0.3, lambda: rng.randint(10, 40)),
            "written_off": (0.08, lambda: rng.randint(20, 60)),
            "rejected": (0.45, lambda: rng.randint(14, 60)),
            "cancelled": (0.7, lambda: rng.randint(1, 25)),
        }[outcome]
        if rng.random() < chance:
            day = self.day + timedelta(days=min(gap(), 90))
            if day <= self.today:
                self.push(self.daytime(day, 7, 23), self.ev_apply, p)


def loans_per_status() -> dict[str, int]:
    counts = dict(Loan.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in S.values}
