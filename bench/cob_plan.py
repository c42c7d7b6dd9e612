"""The bench's portfolio in Python: products, contract templates and their lives day by day.

A few products and contract templates (principal × term) get their schedules, ПСК and limits
from the project's own code (`loans.schedules`, `loans.psk`, `loans.regulation`). Each template
is then lived day by day in Python with the rules of `loans.servicing` (daily accrual within the
cap, repayments in the legal order, the overdue split, days past due), exactly as the services
and COB would, and its state is recorded at every age. Each state a loan of the book may start
from is a `Combo`; for `--days` each combo is also lived on, day by day, over the bench's days
with the production calendar of those days (COB marks due dates only on working days).
"""

import copy
import functools
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

BENCH_DATE = date(2026, 12, 1)  # the first open business day the benchmark closes
MAX_AGE = 240  # days; every loan is signed on or after 2026-04-05, one set of limits' cap
PICK_SLOTS = 1 << 18  # weighted lottery: each kind of loan draws one of this many slots
PRODUCTS = [
    # code, kind, rate ppm, penalty mode, period, amounts (kop), terms (days), prolongations
    ("bench-pdl30", "pdl", 8000, "annual_with_interest", None, (300_000, 3_000_000), (5, 30), 3),
    ("bench-pdl30d", "pdl", 7000, "daily_without_interest", None, (300_000, 3_000_000), (5, 30), 3),
    ("bench-il168", "il", 3500, "annual_with_interest", 14, (1_000_000, 10_000_000), (56, 168), 0),
    ("bench-il364", "il", 2500, "annual_with_interest", 14, (2_000_000, 15_000_000), (182, 364), 0),
]
PRODUCT_WEIGHT = {"bench-pdl30": 0.7, "bench-pdl30d": 0.3, "bench-il168": 0.7, "bench-il364": 0.3}
PRINCIPALS = {
    "pdl": [300_000, 500_000, 700_000, 1_000_000, 1_234_500, 2_000_000, 3_000_000],
    "il": [1_000_000, 2_500_000, 5_000_000, 7_777_700, 10_000_000],
}
TERMS = {
    "bench-pdl30": {7: 0.1, 14: 0.2, 21: 0.2, 30: 0.5},
    "bench-pdl30d": {7: 0.1, 14: 0.2, 21: 0.2, 30: 0.5},
    "bench-il168": {56: 0.25, 84: 0.25, 112: 0.25, 168: 0.25},
    "bench-il364": {182: 0.5, 364: 0.5},
}
# Share of each state within a template: issued today, current, due today unpaid, overdue.
SHARES = {
    "pdl": {"new": 0.01, "current": 0.89, "due_today": 0.0, "overdue": 0.10},
    "il": {"new": 0.01, "current": 0.85, "due_today": 0.04, "overdue": 0.10},
}
PDL_MAX_DPD = 90
IL_MAX_DPD = 60

STATE_FIELDS = [
    "status",
    "principal_out_kop",
    "interest_out_kop",
    "penalty_out_kop",
    "overpayment_kop",
    "charges_total_kop",
    "paid_debt_kop",
    "due_passed_kop",
    "interest_overdue_kop",
    "principal_overdue_kop",
    "next_due_date",
    "overdue_since",
    "days_past_due",
    "accrued_through",
]
DATE_FIELDS = ("next_due_date", "overdue_since", "accrued_through")
STATE_TYPES = {"status": "text", **dict.fromkeys(DATE_FIELDS, "date")}
LEDGER_FIELDS = ["acc_i", "acc_p", "pay_cash", "pay_i", "pay_p", "pay_n", "pay_ov"]


@dataclass
class Template:
    id: int
    product: object
    principal: int
    term: int
    items: list  # loans.schedules.Installment, issued on BENCH_DATE (offsets matter only)
    psk_percent: object
    psk_kop: int
    cap_kop: int
    penalty_rate: tuple[int, int]  # numerator, denominator as services.loan_sign sets them
    weight: float

    def offset(self, due: date) -> int:
        return (due - BENCH_DATE).days


@dataclass
class Combo:
    """One loan state to copy: a template at an age, with the state expected after COB.

    `start` is the bench day (0 = BENCH_DATE) on which a loan in this state enters the book;
    `days` the states of the bench days after it: (event, before, after) per day, where event
    is the day's repayment before COB (or None), and after is None once the loan is closed."""

    id: int
    template: Template
    age: int
    category: str
    before: dict
    after: dict
    weight: float = 0.0
    slots: int = 0
    start: int = 0
    life: int = 0  # which lived life (template, behaviour) the state belongs to
    days: list = field(default_factory=list)
    accruals: dict = field(default_factory=dict)  # the life's daily accruals, by age

    @property
    def issue(self) -> date:
        return BENCH_DATE - timedelta(days=self.age - self.start)


class Life:
    """One loan lived day by day with the rules of loans.servicing, as services and COB do."""

    def __init__(self, tpl: Template, pays: int):
        from loans.models import Loan, LoanStatus

        product = tpl.product
        self.tpl = tpl
        self.pays = pays  # installments paid on their due dates before the borrower stops
        self.S = LoanStatus
        self.issue = BENCH_DATE
        num, den = tpl.penalty_rate
        self.loan = Loan(
            status=LoanStatus.SERVICED,
            penalty_mode=product.penalty_mode,
            daily_rate_ppm=product.daily_rate_ppm,
            penalty_rate_num=num,
            penalty_rate_den=den,
            charges_cap_kop=tpl.cap_kop,
            principal_out_kop=tpl.principal,
            next_due_date=tpl.items[0].due_date,
            maturity_date=tpl.items[-1].due_date,
            accrued_through=self.issue,
        )
        self.ledger = dict.fromkeys(LEDGER_FIELDS, 0)
        self.last_paid: int | None = None
        self.closed = False
        self.dues = {item.due_date: item for item in tpl.items}
        self.accruals: dict[int, tuple[int, int]] = {}  # age → the day's (interest, penalty)
        self.working = _every_day  # the book's history ignores the calendar (see fork)

    def fork(self, offset: int) -> "Life":
        """A copy to live on from here, on the real calendar: the real date of a day of this
        life is that day + offset days, and COB marks due dates only on working days."""
        other = copy.copy(self)
        other.loan = copy.copy(self.loan)
        other.ledger = dict(self.ledger)
        other.accruals = {}
        other.working = lambda day: _is_working(day + timedelta(days=offset))
        return other

    def snapshot(self) -> dict:
        loan = self.loan
        state = {name: getattr(loan, name) for name in STATE_FIELDS}
        state["status"] = str(state["status"])
        for name in DATE_FIELDS:
            if state[name] is not None:
                state[name] = (state[name] - self.issue).days
        state.update(self.ledger)
        state["last_paid"] = self.last_paid
        return state

    def accrue(self, day: date) -> None:
        from loans import servicing

        loan = self.loan
        while loan.accrued_through < day:
            accrual = servicing.day_accrual(loan)
            loan.interest_out_kop += accrual.interest_kop
            loan.penalty_out_kop += accrual.penalty_kop
            loan.charges_total_kop += accrual.interest_kop + accrual.penalty_kop
            self.ledger["acc_i"] += accrual.interest_kop
            self.ledger["acc_p"] += accrual.penalty_kop
            loan.accrued_through += timedelta(days=1)
            age = (loan.accrued_through - self.issue).days
            self.accruals[age] = (accrual.interest_kop, accrual.penalty_kop)

    def repay(self, day: date, amount: int) -> None:
        """services.loan_repay: accrue today, allocate in the legal order, close or cure."""
        from loans import servicing
        from loans.services.repayments import _apply_allocation

        loan = self.loan
        self.accrue(day)
        a = servicing.allocate(loan, amount)
        self.last_paid = (day - self.issue).days
        self.ledger["pay_cash"] += a.total_kop
        self.ledger["pay_i"] += a.overdue_interest_kop + a.interest_kop
        self.ledger["pay_p"] += a.overdue_principal_kop + a.principal_kop
        self.ledger["pay_n"] += a.penalty_kop
        self.ledger["pay_ov"] += a.overpayment_kop
        assert a.fees_kop == 0
        _apply_allocation(loan, a)
        if loan.debt_kop == 0:
            self.closed = True  # services' _close_if_repaid
            loan.repay_in_full()
            loan.next_due_date = loan.overdue_since = None
            loan.interest_overdue_kop = loan.principal_overdue_kop = loan.days_past_due = 0
            return
        split = servicing.overdue_split(loan)
        loan.interest_overdue_kop = split.interest_kop
        loan.principal_overdue_kop = split.principal_kop
        if loan.status == self.S.OVERDUE and not servicing.is_in_arrears(loan):
            loan.cure()
            loan.overdue_since = None
            loan.days_past_due = 0

    def close_of_business(self, day: date) -> None:
        """loans.cob for one loan: accrue, mark overdue (on working days), days past due."""
        from loans import servicing

        # The split fixed when a due date passes (older code: the one overdue_split).
        split_when_due = getattr(servicing, "split_when_due", servicing.overdue_split)

        loan = self.loan
        if loan.accrued_through < day:
            self.accrue(day)
        due = loan.next_due_date is not None and loan.next_due_date <= day and self.working(day)
        if due:
            items = self.tpl.items
            loan.due_passed_kop += sum(
                i.total_kop for i in items if loan.next_due_date <= i.due_date <= day
            )
            later = [i.due_date for i in items if i.due_date > day]
            loan.next_due_date = min(later) if later else None
        if due or (loan.status == self.S.OVERDUE and loan.next_due_date is None):
            split = split_when_due(loan)
            loan.interest_overdue_kop = split.interest_kop
            loan.principal_overdue_kop = split.principal_kop
        if loan.status == self.S.SERVICED and due and servicing.is_in_arrears(loan):
            loan.miss_due_date()
            loan.overdue_since = day
        if loan.status == self.S.OVERDUE and loan.overdue_since is not None:
            loan.days_past_due = (day - loan.overdue_since).days + 1

    def day(self, age: int) -> tuple[dict | None, dict, dict | None]:
        """One day at `age`: (the state a repayment before COB left, or None if none was due;
        the state when COB starts; the state after it, or None when the repayment closed it)."""
        day = self.issue + timedelta(days=age)
        item = self.dues.get(day)
        paid = None
        if age and item is not None and item.seq <= self.pays:
            self.repay(day, item.total_kop)
            paid = self.snapshot()
            if self.closed:
                return paid, paid, None
        before = self.snapshot()
        self.close_of_business(day)
        return paid, before, self.snapshot()

    def live(self, max_age: int, on_day=None) -> dict[int, tuple[dict, dict]]:
        """{age: (state when the day opens, state after its COB)} while the loan is live;
        on_day(age, life) is called after each day's COB (to fork the life from there)."""
        states = {}
        for age in range(max_age + 1):
            _, before, after = self.day(age)
            if after is None:
                break
            states[age] = (before, after)
            if on_day is not None:
                on_day(age, self)
        return states


def _every_day(day: date) -> bool:
    return True


@functools.cache
def _is_working(day: date) -> bool:
    from loans.workdays import is_working_day

    return is_working_day(day)


def penalty_rate(product, limits) -> tuple[int, int]:
    """The daily penalty as a fraction of the overdue principal (loans.regulation)."""
    from loans.regulation import penalty_rate as rule

    return rule(limits=limits, mode=product.penalty_mode)


def create_products() -> list:
    from loans.models import Product

    products = []
    for code, kind, rate, mode, period, amounts, terms, prolongations in PRODUCTS:
        product = Product.objects.create(
            code=code,
            name=f"Bench {code}",
            kind=kind,
            min_amount_kop=amounts[0],
            max_amount_kop=amounts[1],
            min_term_days=terms[0],
            max_term_days=terms[1],
            daily_rate_ppm=rate,
            penalty_mode=mode,
            period_days=period,
            max_prolongations=prolongations,
        )
        product.full_clean()
        products.append(product)
    return products


def signing_limits(days: int = 1) -> dict[date, object]:
    """The limits of every possible signing day, up to the bench's last day; the bench needs one
    charges cap for all."""
    from loans.regulation import limits_for_contract

    limits = {}
    for age in range(1 - days, MAX_AGE + 1):
        day = BENCH_DATE - timedelta(days=age)
        limits[day] = {
            kind: limits_for_contract(signed_on=day, category=kind) for kind in ("pdl", "il")
        }
    rules = {
        (
            lim.charges_cap_multiplier,
            lim.penalty_with_interest_annual_percent,
            lim.penalty_without_interest_daily_ppm,
        )
        for by_kind in limits.values()
        for lim in by_kind.values()
    }
    assert len(rules) == 1, f"signing days span several caps or penalty rates: {rules}"
    return limits


def build_templates(products, limits) -> list[Template]:
    from loans.psk import psk_for_schedule
    from loans.services import build_schedule, check_contract_caps

    templates = []
    for product in products:
        for term, term_weight in TERMS[product.code].items():
            for principal in PRINCIPALS[product.kind]:
                items = build_schedule(
                    product=product, principal_kop=principal, term_days=term, issue_date=BENCH_DATE
                )
                psk = psk_for_schedule(issue_date=BENCH_DATE, principal_kop=principal, items=items)
                for by_kind in limits.values():  # every signing day would have accepted it
                    check_contract_caps(
                        limits=by_kind[product.kind],
                        product=product,
                        principal_kop=principal,
                        items=items,
                        psk=psk,
                    )
                    # 545-FZ: three loans a borrower, two of them PDLs above the threshold
                    lim = by_kind[product.kind]
                    if lim.high_psk_threshold_percent is not None:
                        high = psk.percent > lim.high_psk_threshold_percent
                        assert not high or product.kind == "pdl", (product.code, psk.percent)
                        assert not high or (lim.max_high_psk_loans or 2) >= 2
                any_limits = next(iter(limits.values()))[product.kind]
                weight = PRODUCT_WEIGHT[product.code] * term_weight / len(PRINCIPALS[product.kind])
                templates.append(
                    Template(
                        id=len(templates) + 1,
                        product=product,
                        principal=principal,
                        term=term,
                        items=items,
                        psk_percent=psk.percent,
                        psk_kop=psk.amount_kop,
                        cap_kop=any_limits.charges_cap_kop(principal),
                        penalty_rate=penalty_rate(product, any_limits),
                        weight=weight,
                    )
                )
    return templates


def build_combos(templates: list[Template], days: int = 1) -> list[Combo]:
    """Every state a loan of the book may start from on BENCH_DATE, and, for `days` > 1, one
    newly signed loan per template and later bench day; each lived on over the bench's days."""
    combos: list[Combo] = []
    lives = 0
    accruals: dict[int, dict] = {}

    def lived(tpl: Template, pays: int, max_age: int) -> tuple[dict, dict[int, Life]]:
        nonlocal lives
        lives += 1
        forks: dict[int, Life] = {}

        def fork(age: int, life: Life) -> None:
            if days > 1:
                forks[age] = life.fork(offset=-age)

        life = Life(tpl, pays=pays)
        accruals[lives] = life.accruals
        return life.live(max_age, on_day=fork), forks

    def add(tpl, age, category, states, forks, start=0):
        before, after = states
        combo = Combo(len(combos) + 1, tpl, age, category, before, after, start=start, life=lives)
        combo.accruals = accruals[lives]
        if days > 1:
            combo.days = live_on(forks[age], age, days - 1 - start)
        combos.append(combo)

    for tpl in templates:
        kind = tpl.product.kind
        if kind == "pdl":
            due = tpl.offset(tpl.items[-1].due_date)  # the term, or the next working day
            life, forks = lived(tpl, 0, min(MAX_AGE, due + PDL_MAX_DPD))
            add(tpl, 0, "new", life[0], forks)
            for age in range(1, due + 1):
                add(tpl, age, "current", life[age], forks)
            for age in range(due + 1, len(life)):
                add(tpl, age, "overdue", life[age], forks)
        else:
            periods = len(tpl.items)
            last = tpl.offset(tpl.items[-1].due_date)
            paying, forks = lived(tpl, periods, min(MAX_AGE, last - 1))
            add(tpl, 0, "new", paying[0], forks)
            for age in range(1, len(paying)):
                add(tpl, age, "current", paying[age], forks)
            for stop in range(periods):
                missed = tpl.offset(tpl.items[stop].due_date)  # the first due date left unpaid
                if missed > MAX_AGE:
                    break
                life, forks = lived(tpl, stop, min(MAX_AGE, missed + IL_MAX_DPD))
                add(tpl, missed, "due_today", life[missed], forks)
                for age in range(missed + 1, len(life)):
                    add(tpl, age, "overdue", life[age], forks)
        pays = 0 if kind == "pdl" else len(tpl.items)
        for start in range(1, days):  # signed on a later bench day: a life of its own
            life = Life(tpl, pays=pays).fork(offset=start)
            lives += 1
            _, before, after = life.day(0)
            combos.append(
                Combo(len(combos) + 1, tpl, 0, "new", before, after, start=start, life=lives)
            )
            combos[-1].days = live_on(life, 0, days - 1 - start)

    for combo in combos:
        status, after = combo.before["status"], combo.after["status"]
        expected = {
            "new": ("serviced", "serviced"),
            "current": ("serviced", "serviced"),
            "due_today": ("serviced", "overdue"),
            "overdue": ("overdue", "overdue"),
        }[combo.category]
        due_today = combo.before["next_due_date"] == combo.age
        if combo.category == "current" and combo.template.product.kind == "pdl" and due_today:
            expected = ("serviced", "overdue")  # a PDL due today
        assert (status, after) == expected, (combo.template.id, combo.age, combo.category)
    return combos


def live_on(life: Life, age: int, days: int) -> list:
    """The next `days` days of a life forked after its COB at `age`: (repayment, before,
    after) each, after being None from the day a repayment closed the loan."""
    states = []
    for later in range(age + 1, age + 1 + days):
        if life.closed:
            states.append((None, states[-1][2] or states[-1][1], None))
            continue
        states.append(life.day(later))
    return states


def assign_slots(combos: list[Combo]) -> None:
    """Weights per combo, then whole lottery slots per kind (largest remainder); the loans
    signed on later bench days are drawn apart (bench_fresh), not from this lottery."""
    combos = [combo for combo in combos if combo.start == 0]
    by_template: dict[int, dict[str, list[Combo]]] = {}
    for combo in combos:
        by_template.setdefault(combo.template.id, {}).setdefault(combo.category, []).append(combo)
    for groups in by_template.values():
        tpl = next(iter(groups.values()))[0].template
        shares = SHARES[tpl.product.kind]
        for category, members in groups.items():
            for combo in members:
                combo.weight = tpl.weight * shares[category] / len(members)
    for kind in ("pdl", "il"):
        members = [c for c in combos if c.template.product.kind == kind]
        total = sum(c.weight for c in members)
        exact = [c.weight / total * PICK_SLOTS for c in members]
        for combo, share in zip(members, exact, strict=True):
            combo.slots = math.floor(share)
        rest = PICK_SLOTS - sum(c.slots for c in members)
        by_remainder = sorted(
            range(len(members)), key=lambda i: exact[i] - members[i].slots, reverse=True
        )
        for i in by_remainder[:rest]:
            members[i].slots += 1
