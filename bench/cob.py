#!/usr/bin/env python
"""Benchmark one close-of-business day over N live loans.

    DEBUG=1 .venv/bin/python bench/cob.py --loans N [--database-url URL] [--keep]

Works in a database of its own, never the developer's: a temporary SQLite file, or, when the
URL (or DATABASE_URL) points at PostgreSQL, a database `zaymer_bench` (or `--bench-db NAME`)
on the same server that is dropped and created. It migrates it, builds N live loans with
set-based SQL, then times one COB day (`loans.cob.close_next_day`) step by step, checks the
result loan by loan against the per-loan rules of `loans.servicing`, proves the ledger (up to
200 000 loans), and times a bare single-statement UPDATE over the same rows for comparison.
See bench/README.md.

How the portfolio is built: a few products and contract templates (principal × term) get their
schedules, ПСК and limits from the project's own code (`loans.schedules`, `loans.psk`,
`loans.regulation`). Each template is then lived day by day in Python with the rules of
`loans.servicing` (daily accrual within the cap, repayments in the legal order, the overdue
split, days past due), exactly as the services and COB would, and its state is recorded at
every age. Each loan picks one (template, behaviour, age) state; SQL copies those states into
the real tables, with every schedule item and, per loan, the payout entries and one entry that
sums its earlier accruals and one that sums its repayments, so that each cached balance equals
the ledger.
"""

import argparse
import math
import os
import platform
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import Sql, prepare_database, setup_django  # noqa: E402  (bench/ is on sys.path)

BENCH_DB = "zaymer_bench"
BENCH_DATE = date(2026, 12, 1)  # the open business day the benchmark closes
MAX_AGE = 240  # days; every loan is signed on or after 2026-04-05, one set of limits' cap
PICK_SLOTS = 1 << 18  # weighted lottery: each kind of loan draws one of this many slots
LEDGER_CHECK_MAX = 200_000
LIVE_WHERE = "status IN ('serviced', 'overdue')"
BARE_UPDATE = (
    "UPDATE loans_loan SET interest_out_kop = interest_out_kop + 1"
    " WHERE status IN ('serviced','overdue')"
)


# --- database set-up ---------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, required=True, help="live loans to build")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://… to run on that server (in database --bench-db); default SQLite",
    )
    parser.add_argument(
        "--bench-db",
        default=BENCH_DB,
        metavar="NAME",
        help=f"PostgreSQL: the database to drop, create and use (default {BENCH_DB}); give each"
        " engineer sharing a server a name of their own",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database afterwards (to inspect it)"
    )
    parser.add_argument(
        "--schema-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="what-if DDL run after migrating, before loading (repeatable), e.g."
        " 'ALTER TABLE loans_loan SET (fillfactor = 50)'; listed in the results",
    )
    args = parser.parse_args(argv)
    if args.loans < 1:
        parser.error("--loans must be at least 1")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.bench_db):
        parser.error("--bench-db must be a plain lower-case name (letters, digits, _)")
    return args


# --- SQL dialect ---------------------------------------------------------------------------


# --- the portfolio in Python: templates lived day by day ----------------------------------


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
    """One loan state to copy: a template at an age, with the state expected after COB."""

    id: int
    template: Template
    age: int
    category: str
    before: dict
    after: dict
    weight: float = 0.0
    slots: int = 0


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
            self.closed = True
            return
        split = servicing.overdue_split(loan)
        loan.interest_overdue_kop = split.interest_kop
        loan.principal_overdue_kop = split.principal_kop
        if loan.status == self.S.OVERDUE and not servicing.is_in_arrears(loan):
            loan.cure()
            loan.overdue_since = None
            loan.days_past_due = 0

    def close_of_business(self, day: date) -> None:
        """loans.cob for one loan: accrue, mark overdue, days past due."""
        from loans import servicing

        # The split fixed when a due date passes (older code: the one overdue_split).
        split_when_due = getattr(servicing, "split_when_due", servicing.overdue_split)

        loan = self.loan
        if loan.accrued_through < day:
            self.accrue(day)
        due = loan.next_due_date is not None and loan.next_due_date <= day
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

    def live(self, max_age: int) -> dict[int, tuple[dict, dict]]:
        """{age: (state when the day opens, state after its COB)} while the loan is live."""
        states = {}
        dues = {item.due_date: item for item in self.tpl.items}
        for age in range(max_age + 1):
            day = self.issue + timedelta(days=age)
            item = dues.get(day)
            if age and item is not None and item.seq <= self.pays:
                self.repay(day, item.total_kop)
                if self.closed:
                    break
            before = self.snapshot()
            self.close_of_business(day)
            states[age] = (before, self.snapshot())
        return states


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


def signing_limits() -> dict[date, object]:
    """The limits of every possible signing day; the bench needs one charges cap for all."""
    from loans.regulation import limits_for_contract

    limits = {}
    for age in range(MAX_AGE + 1):
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


def build_combos(templates: list[Template]) -> list[Combo]:
    combos: list[Combo] = []

    def add(tpl, age, category, states):
        before, after = states
        combos.append(Combo(len(combos) + 1, tpl, age, category, before, after))

    for tpl in templates:
        kind = tpl.product.kind
        if kind == "pdl":
            life = Life(tpl, pays=0).live(min(MAX_AGE, tpl.term + PDL_MAX_DPD))
            add(tpl, 0, "new", life[0])
            for age in range(1, tpl.term + 1):
                add(tpl, age, "current", life[age])
            for age in range(tpl.term + 1, len(life)):
                add(tpl, age, "overdue", life[age])
            continue
        period = tpl.product.period_days
        periods = len(tpl.items)
        paying = Life(tpl, pays=periods).live(min(MAX_AGE, tpl.term - 1))
        add(tpl, 0, "new", paying[0])
        for age in range(1, len(paying)):
            add(tpl, age, "current", paying[age])
        for stop in range(periods):
            missed = (stop + 1) * period  # age on the first due date left unpaid
            if missed > MAX_AGE:
                break
            life = Life(tpl, pays=stop).live(min(MAX_AGE, missed + IL_MAX_DPD))
            add(tpl, missed, "due_today", life[missed])
            for age in range(missed + 1, len(life)):
                add(tpl, age, "overdue", life[age])

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


def assign_slots(combos: list[Combo]) -> None:
    """Weights per combo, then whole lottery slots per kind (largest remainder)."""
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


# --- the portfolio in SQL ------------------------------------------------------------------


COMBO_COLUMNS = [
    # name, type; the loan's state when the day opens, the state expected after COB, ledger
    ("id", "int"),
    ("kind", "text"),
    ("product_id", "int"),
    ("template_id", "int"),
    ("principal_kop", "int"),
    ("term_days", "int"),
    ("period_days", "int"),
    ("penalty_mode", "text"),
    ("penalty_rate_num", "int"),
    ("penalty_rate_den", "int"),
    ("daily_rate_ppm", "int"),
    ("max_prolongations", "int"),
    ("psk_percent", "text"),
    ("psk_kop", "int"),
    ("charges_cap_kop", "int"),
    ("regulation_id", "int"),
    ("limits_snapshot", "json"),
    ("signed_at", "ts"),
    ("issue_date", "date"),
    ("maturity_date", "date"),
    ("age", "int"),
    ("accrues", "int"),
    ("marks_overdue", "int"),
    *[(f"b_{name}", STATE_TYPES.get(name, "int")) for name in STATE_FIELDS],
    *[(f"a_{name}", STATE_TYPES.get(name, "int")) for name in STATE_FIELDS],
    *[(name, "int") for name in LEDGER_FIELDS],
    ("last_paid", "date"),
]


def _create(cursor, sql: Sql, table: str, columns: list[tuple[str, str]], key: str) -> None:
    types = sql.types()
    cols = ", ".join(f"{name} {types[kind]}" for name, kind in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TABLE {table} ({cols}, PRIMARY KEY ({key}))")


def insert_rows(cursor, sql: Sql, table: str, rows: list) -> None:
    """Many rows from Python: COPY on PostgreSQL, executemany on SQLite."""
    if sql.pg:
        with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(rows[0]))
    cursor.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)


def load_plan(cursor, sql: Sql, templates, combos, limits) -> None:
    """The small tables the big INSERTs copy from: combos, schedule templates, lottery."""
    import json

    from django.db import connection

    from loans.models.loan import LoanStatus

    ops = connection.ops
    for name in ("bench_combo", "bench_item", "bench_range", "bench_pick"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    _create(cursor, sql, "bench_combo", COMBO_COLUMNS, "id")
    rows = []
    snapshots: dict[int, str] = {}
    for c in combos:
        tpl = c.template
        issue = BENCH_DATE - timedelta(days=c.age)
        lim = limits[issue][tpl.product.kind]
        num, den = tpl.penalty_rate
        signed_at = datetime.combine(issue, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=7, minutes=c.id % 60
        )

        def dated(state: dict, issue=issue) -> list:
            values = []
            for name in STATE_FIELDS:
                value = state[name]
                if name in DATE_FIELDS and value is not None:
                    value = ops.adapt_datefield_value(issue + timedelta(days=value))
                values.append(value)
            return values

        last_paid = c.before["last_paid"]
        if last_paid is not None:
            last_paid = issue + timedelta(days=last_paid)
        accrues = c.before["accrued_through"] < c.age
        newly = c.before["status"] == LoanStatus.SERVICED and c.after["status"] == "overdue"
        rows.append(
            [
                c.id,
                tpl.product.kind,
                tpl.product.pk,
                tpl.id,
                tpl.principal,
                tpl.term,
                tpl.product.period_days,
                tpl.product.penalty_mode,
                num,
                den,
                tpl.product.daily_rate_ppm,
                tpl.product.max_prolongations,
                str(tpl.psk_percent),
                tpl.psk_kop,
                tpl.cap_kop,
                lim.row.pk,
                snapshots.setdefault(lim.row.pk, json.dumps(lim.snapshot())),
                ops.adapt_datetimefield_value(signed_at),
                ops.adapt_datefield_value(issue),
                ops.adapt_datefield_value(
                    issue + timedelta(days=tpl.offset(tpl.items[-1].due_date))
                ),
                c.age,
                int(accrues),
                int(newly),
                *dated(c.before),
                *dated(c.after),
                *[c.before[name] for name in LEDGER_FIELDS],
                ops.adapt_datefield_value(last_paid) if last_paid else None,
            ]
        )
    insert_rows(cursor, sql, "bench_combo", rows)

    _create(
        cursor,
        sql,
        "bench_item",
        [
            ("template_id", "int"),
            ("seq", "int"),
            ("due_off", "int"),
            ("principal_kop", "int"),
            ("interest_kop", "int"),
            ("total_kop", "int"),
        ],
        "template_id, seq",
    )
    insert_rows(
        cursor,
        sql,
        "bench_item",
        [
            (t.id, i.seq, t.offset(i.due_date), i.principal_kop, i.interest_kop, i.total_kop)
            for t in templates
            for i in t.items
        ],
    )
    ranges = []
    for kind in ("pdl", "il"):
        slot = 0
        for c in combos:
            if c.template.product.kind == kind and c.slots:
                ranges.append((kind, slot, slot + c.slots - 1, c.id))
                slot += c.slots
    columns = [("kind", "text"), ("first_slot", "int"), ("last_slot", "int"), ("combo_id", "int")]
    _create(cursor, sql, "bench_range", columns, "kind, first_slot")
    insert_rows(cursor, sql, "bench_range", ranges)
    _create(
        cursor,
        sql,
        "bench_pick",
        [("kind", "text"), ("slot", "int"), ("combo_id", "int")],
        "kind, slot",
    )
    cursor.execute(
        "INSERT INTO bench_pick (kind, slot, combo_id) WITH RECURSIVE x(kind, slot, last_slot,"
        " combo_id) AS (SELECT kind, first_slot, last_slot, combo_id FROM bench_range UNION ALL"
        " SELECT kind, slot + 1, last_slot, combo_id FROM x WHERE slot < last_slot)"
        " SELECT kind, slot, combo_id FROM x",
        [],
    )


@dataclass
class Timer:
    marks: list = field(default_factory=list)

    def run(self, cursor, label: str, statement: str, params=None) -> int:
        started = time.perf_counter()
        cursor.execute(statement, params or [])
        seconds = time.perf_counter() - started
        rows = max(cursor.rowcount, 0)
        self.marks.append((label, rows, seconds))
        print(f"  build {label:<22} {rows:>10,} rows {seconds:8.2f} s", flush=True)
        return rows


def build_portfolio(cursor, sql: Sql, n: int, timer: Timer) -> None:
    """N live loans from the plan: borrowers, payouts, loans, schedules, journal."""
    from django.db import connection

    from loans.payment_details import compute_control_digit

    d = sql.date()
    now = connection.ops.adapt_datetimefield_value(datetime.now(tz=UTC))
    borrowers = (n + 2) // 3
    cursor.execute("DROP TABLE IF EXISTS bench_seq")
    cursor.execute("CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)")
    if sql.pg:
        timer.run(cursor, "sequence", "INSERT INTO bench_seq SELECT generate_series(1, %s)", [n])
    else:
        timer.run(
            cursor,
            "sequence",
            "INSERT INTO bench_seq WITH RECURSIVE s(n) AS"
            " (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) SELECT n FROM s",
            [n],
        )
    # Loan n belongs to borrower (n-1)/3+1 (three loans each). Slot 0 of each borrower is a
    # PDL, slot 1 an IL, slot 2 a PDL for even borrowers: never more than two PDLs (ПСК 292 %,
    # above 545-FZ's 200 % threshold) outstanding per borrower. A loan draws its lottery slot
    # from the high bits of n's multiplicative (Knuth) hash, which spread any run of n evenly.
    cursor.execute("DROP TABLE IF EXISTS bench_loan")
    cursor.execute("CREATE TABLE bench_loan (loan_id BIGINT PRIMARY KEY, combo_id BIGINT NOT NULL)")
    kind = (
        "CASE WHEN (s.n - 1) %% 3 = 0 OR ((s.n - 1) %% 3 = 2 AND ((s.n - 1) / 3) %% 2 = 1)"
        " THEN 'pdl' ELSE 'il' END"
    )
    slot = f"((s.n * 2654435761) %% 4294967296) / {(1 << 32) // PICK_SLOTS}"
    timer.run(
        cursor,
        "loan plan",
        "INSERT INTO bench_loan (loan_id, combo_id) SELECT s.n, p.combo_id FROM bench_seq s"
        f" JOIN bench_pick p ON p.kind = {kind} AND p.slot = {slot}",
    )
    cursor.execute(
        "CREATE TABLE bench_region (k INTEGER PRIMARY KEY, region_id BIGINT, time_zone TEXT)"
    )
    cursor.execute(
        "INSERT INTO bench_region SELECT (SELECT COUNT(*) FROM loans_region b WHERE b.id < r.id),"
        " r.id, r.time_zone FROM loans_region r"
    )
    cursor.execute("SELECT COUNT(*) FROM bench_region")
    regions = cursor.fetchone()[0]
    employment = (
        "CASE s.n %% 5 WHEN 0 THEN 'self_employed' WHEN 1 THEN 'pensioner' ELSE 'employed' END"
    )
    timer.run(
        cursor,
        "borrowers",
        f"""
        INSERT INTO loans_borrower (id, full_name, birth_date, phone, email, passport_series,
            passport_number, region_id, time_zone, employment, declared_income_kop,
            confirmed_income_kop, self_ban_active, self_ban_checked_at, created_at, updated_at)
        SELECT s.n, 'Бенчмарков Заёмщик ' || {sql.text("s.n")},
            {sql.add_days(d, "-7300 - s.n %% 12000")},
            '+79' || {sql.pad("s.n", 9)}, '',
            {sql.text("4500 + s.n / 1000000")}, {sql.pad("s.n %% 1000000", 6)},
            r.region_id, r.time_zone, {employment}, 3000000 + (s.n %% 50) * 100000,
            NULL, FALSE, %s, %s, %s
        FROM bench_seq s JOIN bench_region r ON r.k = s.n %% {regions}
        WHERE s.n <= {borrowers}
        """,
        [BENCH_DATE, now, now, now],
    )
    bik = "044525225"
    digit = compute_control_digit(account_with_zero_control="40817810000000000001", bik=bik)
    timer.run(
        cursor,
        "payout orders",
        f"""
        INSERT INTO loans_payoutorder (id, loan_id, attempt, method, card_token, card_last4,
            card_exp_month, card_exp_year, account_number, bik, amount_kop, status, gateway_ref,
            failure_reason, created_at, updated_at)
        SELECT b.loan_id, b.loan_id, 1,
            CASE WHEN b.loan_id %% 4 = 0 THEN 'bank_account' ELSE 'card' END,
            CASE WHEN b.loan_id %% 4 = 0 THEN '' ELSE 'tok_bench_' || {sql.text("b.loan_id")} END,
            CASE WHEN b.loan_id %% 4 = 0 THEN '' ELSE {sql.pad("b.loan_id %% 10000", 4)} END,
            CASE WHEN b.loan_id %% 4 = 0 THEN NULL ELSE 1 + b.loan_id %% 12 END,
            CASE WHEN b.loan_id %% 4 = 0 THEN NULL ELSE 2029 END,
            CASE WHEN b.loan_id %% 4 = 0 THEN '40817810{digit}00000000001' ELSE '' END,
            CASE WHEN b.loan_id %% 4 = 0 THEN '{bik}' ELSE '' END,
            c.principal_kop, 'succeeded', 'sbx-' || {sql.text("b.loan_id")}, '',
            c.signed_at, c.signed_at
        FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id
        """,
    )
    # Loans go in before their payout orders' foreign keys are checked (deferred to commit).
    timer.run(
        cursor,
        "loans",
        """
        INSERT INTO loans_loan (id, borrower_id, product_id, status, applied_at, updated_at,
            requested_amount_kop, requested_term_days, principal_kop, daily_rate_ppm, term_days,
            period_days, penalty_mode, penalty_rate_num, penalty_rate_den, signed_at, signed_on,
            issue_date, psk_percent, psk_kop, charges_cap_kop, regulation_id, limits_snapshot,
            prolongations, max_prolongations, schedule_version, restructured, penalties_stopped,
            interest_stopped, principal_out_kop, interest_out_kop, penalty_out_kop,
            fees_out_kop, overpayment_kop, charges_total_kop, paid_debt_kop, due_passed_kop,
            interest_overdue_kop, principal_overdue_kop, next_due_date, maturity_date,
            overdue_since, days_past_due, accrued_through, closed_on)
        SELECT b.loan_id, (b.loan_id - 1) / 3 + 1, c.product_id, c.b_status, c.signed_at, %s,
            c.principal_kop, c.term_days, c.principal_kop, c.daily_rate_ppm, c.term_days,
            c.period_days, c.penalty_mode, c.penalty_rate_num, c.penalty_rate_den, c.signed_at,
            c.issue_date, c.issue_date, CAST(c.psk_percent AS DECIMAL(8, 3)), c.psk_kop,
            c.charges_cap_kop, c.regulation_id, c.limits_snapshot,
            0, c.max_prolongations, 1, FALSE, FALSE,
            FALSE, c.b_principal_out_kop, c.b_interest_out_kop, c.b_penalty_out_kop,
            0, c.b_overpayment_kop, c.b_charges_total_kop, c.b_paid_debt_kop, c.b_due_passed_kop,
            c.b_interest_overdue_kop, c.b_principal_overdue_kop, c.b_next_due_date,
            c.maturity_date, c.b_overdue_since, c.b_days_past_due, c.b_accrued_through, NULL
        FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id
        """,
        [now],
    )
    timer.run(
        cursor,
        "schedule items",
        f"""
        INSERT INTO loans_scheduleitem (loan_id, version, seq, due_date, principal_kop,
            interest_kop, arrears_kop, total_kop)
        SELECT b.loan_id, 1, i.seq, {sql.add_days("c.issue_date", "i.due_off")},
            i.principal_kop, i.interest_kop, 0, i.total_kop
        FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id
        JOIN bench_item i ON i.template_id = c.template_id
        """,
    )
    # Four entries per loan at most, ids 4n-3 … 4n: payout sent, payout confirmed (as
    # services.loan_disburse / payout_succeeded post them), every accrual before the benchmark
    # day summed in one entry, every repayment summed in one entry.
    entries = [
        (3, "'payout-sent:'", "'payout_sent'", "c.issue_date", "''", "1 = 1"),
        (2, "'payout-done:'", "'payout_confirmed'", "c.issue_date", "''", "1 = 1"),
        (
            1,
            "'bench-accruals:'",
            "'accrual'",
            "c.b_accrued_through",
            "'bench: every earlier daily accrual, summed'",
            "c.acc_i + c.acc_p > 0",
        ),
        (
            0,
            "'bench-repayments:'",
            "'repayment'",
            "c.last_paid",
            "'bench: every earlier repayment, summed'",
            "c.pay_cash > 0",
        ),
    ]
    union = " UNION ALL ".join(
        f"SELECT 4 * b.loan_id - {off} AS id, {key} || {sql.text('b.loan_id')} AS key,"
        f" {kind_} AS kind, b.loan_id AS loan_id, {day} AS business_date, c.signed_at AS at,"
        f" {memo} AS memo FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id WHERE {cond}"
        for off, key, kind_, day, memo, cond in entries
    )
    timer.run(
        cursor,
        "journal entries",
        "INSERT INTO loans_journalentry (id, key, kind, loan_id, business_date, created_at, memo)"
        f" SELECT id, key, kind, loan_id, business_date, at, memo FROM ({union}) e",
    )
    lines = [
        # entry offset, account, per loan, amount
        (3, "payouts_in_transit", False, "c.principal_kop"),
        (3, "cash", False, "-c.principal_kop"),
        (2, "loan_principal", True, "c.principal_kop"),
        (2, "payouts_in_transit", False, "-c.principal_kop"),
        (1, "loan_interest", True, "c.acc_i"),
        (1, "interest_income", False, "-c.acc_i"),
        (1, "loan_penalty", True, "c.acc_p"),
        (1, "penalty_income", False, "-c.acc_p"),
        (0, "cash", False, "c.pay_cash"),
        (0, "loan_interest", True, "-c.pay_i"),
        (0, "loan_principal", True, "-c.pay_p"),
        (0, "loan_penalty", True, "-c.pay_n"),
        (0, "borrower_overpayment", True, "-c.pay_ov"),
    ]
    union = " UNION ALL ".join(
        f"SELECT 4 * b.loan_id - {off} AS entry_id,"
        f" {'b.loan_id' if per_loan else 'CAST(NULL AS BIGINT)'} AS loan_id,"
        f" '{account}' AS account,"
        f" {amount} AS amount_kop FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id"
        f" WHERE {amount} <> 0"
        for off, account, per_loan, amount in lines
    )
    timer.run(
        cursor,
        "journal lines",
        "INSERT INTO loans_journalline (entry_id, loan_id, account, amount_kop)"
        f" SELECT entry_id, loan_id, account, amount_kop FROM ({union}) l",
    )


BULK_TABLES = [
    "loans_borrower",
    "loans_payoutorder",
    "loans_loan",
    "loans_scheduleitem",
    "loans_journalentry",
    "loans_journalline",
]


def schema_signature(cursor, sql: Sql) -> list:
    """Every index and constraint definition of the bulk tables, to prove they come back."""
    if not sql.pg:
        names = ", ".join(f"'{name}'" for name in BULK_TABLES)
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index')"
            f" AND tbl_name IN ({names}) ORDER BY 1, 2"
        )
        return cursor.fetchall()
    tables = ", ".join(f"'{name}'::regclass" for name in BULK_TABLES)
    cursor.execute(
        "SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        f" WHERE indrelid IN ({tables}) UNION ALL SELECT 'constraint', conname,"
        " pg_get_constraintdef(oid) FROM pg_constraint"
        f" WHERE conrelid IN ({tables}) ORDER BY 1, 2"
    )
    return cursor.fetchall()


def detach_sqlite_indexes(cursor) -> list[str]:
    """SQLite: drop the bulk tables' separate indexes (those written inside CREATE TABLE stay)
    and return their CREATE INDEX statements."""
    names = ", ".join(f"'{name}'" for name in BULK_TABLES)
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({names}) ORDER BY name"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in indexes]


def detach_indexes(cursor) -> list[str]:
    """PostgreSQL: drop the bulk tables' secondary indexes, unique and foreign-key constraints.

    Loading into bare tables and then building each index in one sort and checking each
    foreign key in one join is far faster than maintaining them row by row (deferred foreign
    keys would otherwise queue one check per row until commit). Returns the DDL that puts
    back exactly what was there, under the same names.
    """
    tables = ", ".join(f"'{name}'::regclass" for name in BULK_TABLES)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)"
        f" FROM pg_constraint WHERE conrelid IN ({tables}) AND contype IN ('f', 'u')"
        " ORDER BY contype DESC, conname"  # unique before foreign keys when put back
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        f" WHERE i.indrelid IN ({tables}) AND NOT i.indisprimary AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
    )
    indexes = cursor.fetchall()
    for table, name, *_ in sorted(constraints, key=lambda c: c[2] != "f"):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [ddl for _, ddl in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for table, name, _, ddl in constraints
    ]


def reset_sequences(cursor) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from loans.models import Borrower, JournalEntry, JournalLine, Loan, PayoutOrder, ScheduleItem

    models = [Borrower, Loan, PayoutOrder, ScheduleItem, JournalEntry, JournalLine]
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)


# --- the run -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    ram = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "ram": ram, "load": load}


def database_description(cursor, vendor: str) -> str:
    if vendor == "postgresql":
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = []
        for name in ("shared_buffers", "work_mem", "synchronous_commit", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
        return f"PostgreSQL {version} ({', '.join(settings)})"
    return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"


def table_size(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_relation_size('loans_loan'))")
        else:
            cursor.execute(
                "SELECT ((SELECT page_count FROM pragma_page_count())"
                " * (SELECT page_size FROM pragma_page_size()) / 1048576) || ' MB (whole file)'"
            )
        return cursor.fetchone()[0]


def rate(loans: int, seconds: float) -> str:
    return f"{loans / seconds:,.0f}" if seconds > 0 else "∞"


def check_states(cursor, sql: Sql) -> int:
    """Loans whose state after COB differs from the per-loan rules (loans.servicing)."""
    pairs = [(f"l.{name}", f"c.a_{name}") for name in STATE_FIELDS]
    differs = " OR ".join(f"NOT ({sql.same(a, b)})" for a, b in pairs)
    cursor.execute(
        "SELECT COUNT(*) FROM loans_loan l JOIN bench_loan b ON b.loan_id = l.id"
        f" JOIN bench_combo c ON c.id = b.combo_id WHERE {differs}"
    )
    return cursor.fetchone()[0]


def main(argv=None) -> int:
    args = parse_args(argv)
    n = args.loans
    db = prepare_database(args.database_url, name=args.bench_db)
    setup_django(db)

    from django.core.management import call_command
    from django.db import connection, transaction

    from loans.business_date import set_business_date
    from loans.cob import close_next_day
    from loans.ledger import loans_out_of_balance, unbalanced_entry_keys

    sql = Sql(connection.vendor)
    failures = []
    try:
        print(f"bench database: {db.where}", flush=True)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            for statement in args.schema_sql:
                print(f"  what-if: {statement}", flush=True)
                cursor.execute(statement)
        migrate_s = time.perf_counter() - started
        print(f"  migrate {migrate_s:.1f} s", flush=True)

        started = time.perf_counter()
        products = create_products()
        limits = signing_limits()
        templates = build_templates(products, limits)
        combos = build_combos(templates)
        assign_slots(combos)
        plan_s = time.perf_counter() - started
        print(
            f"  plan: {len(templates)} contract templates, {len(combos):,} loan states"
            f" lived in Python in {plan_s:.1f} s",
            flush=True,
        )

        timer = Timer()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            load_plan(cursor, sql, templates, combos, limits)
            print(f"  build plan tables {time.perf_counter() - started:24.2f} s", flush=True)
            schema = schema_signature(cursor, sql)
            if sql.pg:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                reattach = detach_indexes(cursor)
            else:
                cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB while building
                reattach = detach_sqlite_indexes(cursor)
            build_portfolio(cursor, sql, n, timer)
            for kind in ("CREATE", "ALTER"):
                ddl = [statement for statement in reattach if statement.startswith(kind)]
                label = "indexes" if kind == "CREATE" else "unique + foreign keys"
                if ddl and sql.pg:
                    timer.run(cursor, label, ";\n".join(ddl))
                elif ddl:  # SQLite's driver runs one statement at a time
                    started_ddl = time.perf_counter()
                    for statement in ddl:
                        cursor.execute(statement)
                    seconds = time.perf_counter() - started_ddl
                    timer.marks.append((label, 0, seconds))
                    print(f"  build {label:<22} {len(ddl):>10,} idx  {seconds:8.2f} s", flush=True)
            assert schema_signature(cursor, sql) == schema, "indexes or constraints not restored"
            if not sql.pg:
                cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default again for the COB
            reset_sequences(cursor)
        with connection.cursor() as cursor:
            if sql.pg:  # hint bits and visibility map set, as on a table in daily use
                timer.run(cursor, "vacuum loans", "VACUUM loans_loan")
            timer.run(cursor, "analyze", "ANALYZE")
        build_s = time.perf_counter() - started
        print(f"  built {n:,} loans in {build_s:.1f} s", flush=True)

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN next_due_date = %s THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN accrued_through < %s THEN 1 ELSE 0 END)"
                f" FROM loans_loan WHERE {LIVE_WHERE}",
                [BENCH_DATE, BENCH_DATE],
            )
            live, overdue, due_today, to_accrue = cursor.fetchone()
            cursor.execute(
                "SELECT p.kind, COUNT(*) FROM loans_loan l JOIN loans_product p"
                " ON p.id = l.product_id GROUP BY p.kind ORDER BY p.kind"
            )
            kinds = dict(cursor.fetchall())
            cursor.execute("SELECT COUNT(*) FROM loans_scheduleitem")
            items = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM loans_journalentry")
            entries = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM loans_journalline")
            lines = cursor.fetchone()[0]
            cursor.execute(
                "SELECT SUM(c.marks_overdue), SUM(c.accrues) FROM bench_loan b"
                " JOIN bench_combo c ON c.id = b.combo_id"
            )
            expect_marked, expect_accrued = cursor.fetchone()
            database = database_description(cursor, connection.vendor)
        assert live == n, (live, n)
        assert to_accrue == expect_accrued
        print(
            f"  portfolio: {live:,} live loans ({kinds.get('pdl', 0):,} PDL,"
            f" {kinds.get('il', 0):,} IL), {overdue:,} overdue ({overdue / n:.1%}),"
            f" {due_today:,} due on {BENCH_DATE} ({due_today / n:.1%}), {items:,} schedule items,"
            f" {entries:,} journal entries, {lines:,} lines",
            flush=True,
        )

        # The bare UPDATE runs first on the very table the COB will meet, and is rolled back;
        # VACUUM then removes its dead row versions (and truncates the pages they took).
        size_before = table_size(connection)
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(BARE_UPDATE)
            bare_s = time.perf_counter() - started
            bare_rows = cursor.rowcount
            transaction.set_rollback(True)
        print(f"bare UPDATE of {bare_rows:,} loans: {bare_s:.2f} s ({rate(n, bare_s)} loans/s)")
        if sql.pg:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM loans_loan")
        print(f"  loans table: {size_before} before, {table_size(connection)} for the COB")

        set_business_date(on=BENCH_DATE)
        if sql.pg:
            # The build leaves gigabytes of dirty pages for the checkpointer to write; a night's
            # COB meets a database that has had its checkpoint since the day's work, so the
            # timed day starts after one too (needs superuser or pg_checkpoint; else skipped).
            from django.db import DatabaseError

            started = time.perf_counter()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("CHECKPOINT")
                print(f"  checkpoint before COB {time.perf_counter() - started:.1f} s", flush=True)
            except DatabaseError as error:
                print(f"  no checkpoint before COB: {error}", flush=True)
        info = machine()  # the load average just before the timed day (other work skews it)
        print(f"COB {BENCH_DATE} over {n:,} live loans …", flush=True)
        started = time.perf_counter()
        run = close_next_day(until=BENCH_DATE)
        cob_s = time.perf_counter() - started
        steps = run.steps
        for name, step in steps.items():
            print(
                f"  {name:<14} {step['rows']:>10,} rows {step['seconds']:8.2f} s"
                f" {rate(n, step['seconds']):>12} loans/s",
                flush=True,
            )
        commit_s = cob_s - sum(step["seconds"] for step in steps.values())
        print(f"  {'(commit etc.)':<14} {'':>10}      {commit_s:8.2f} s", flush=True)
        print(f"  {'whole day':<14} {'':>10}      {cob_s:8.2f} s {rate(n, cob_s):>12} loans/s")

        if steps["accrue"]["rows"] != expect_accrued:
            failures.append(f"accrue touched {steps['accrue']['rows']}, expected {expect_accrued}")
        if steps["mark_overdue"]["rows"] != expect_marked:
            failures.append(
                f"mark_overdue marked {steps['mark_overdue']['rows']}, expected {expect_marked}"
            )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            wrong = check_states(cursor, sql)
        state_s = time.perf_counter() - started
        state_check = f"{wrong:,} loans differ from loans.servicing ({state_s:.1f} s)"
        if wrong:
            failures.append(state_check)
        print(f"  state check: {state_check}", flush=True)

        if n <= LEDGER_CHECK_MAX:
            started = time.perf_counter()
            bad_loans = loans_out_of_balance()
            bad_entries = unbalanced_entry_keys()
            ledger_s = time.perf_counter() - started
            ledger = (
                f"{len(bad_loans)} loans out of balance, {len(bad_entries)} unbalanced entries"
                f" ({ledger_s:.1f} s)"
            )
            if bad_loans or bad_entries:
                failures.append(f"ledger: {ledger}; loans {bad_loans[:10]}")
        else:
            ledger = f"skipped (over {LEDGER_CHECK_MAX:,} loans)"
        print(f"  ledger check: {ledger}", flush=True)

        ratio = cob_s / bare_s if bare_s else float("inf")
        print(f"COB day / bare UPDATE: {ratio:.1f}×")

        goal = ""
        if sql.pg and n >= 1_000_000:
            goal = " (goal < 60 s: " + ("met" if cob_s < 60 else "NOT met") + ")"
        rows = [
            ("machine", f"{info['cpus']} CPUs, {info['cpu']}, {info['ram']} RAM"),
            ("load average before COB (1/5/15 min)", info["load"]),
            ("database", database),
            ("what-if schema changes", "; ".join(args.schema_sql) or "none: schema as migrated"),
            ("live loans", f"{n:,} ({overdue:,} overdue, {due_today:,} due on {BENCH_DATE})"),
            (
                "ledger before COB",
                f"{entries:,} entries, {lines:,} lines; {items:,} schedule items",
            ),
            ("build (incl. VACUUM/ANALYZE)", f"{build_s:.1f} s"),
        ]
        for name, step in steps.items():
            rows.append(
                (
                    f"COB step {name}",
                    f"{step['rows']:,} rows, {step['seconds']:.2f} s, "
                    f"{rate(n, step['seconds'])} loans/s",
                )
            )
        rows += [
            ("COB commit and bookkeeping", f"{commit_s:.2f} s"),
            ("COB day, whole", f"**{cob_s:.2f} s, {rate(n, cob_s)} loans/s**{goal}"),
            ("bare single-statement UPDATE", f"{bare_rows:,} rows, {bare_s:.2f} s"),
            ("COB day / bare UPDATE", f"**{ratio:.1f}×**"),
            ("state check vs loans.servicing", state_check),
            ("ledger check", ledger),
        ]
        print()
        print("| | |")
        print("|---|---|")
        for key, value in rows:
            print(f"| {key} | {value} |")
        print()
        if failures:
            print("FAILED: " + "; ".join(failures))
            return 1
        return 0
    finally:
        connection.close()
        if args.keep:
            print(f"kept the bench database: {db.where}")
        else:
            db.drop()


if __name__ == "__main__":
    sys.exit(main())
