"""The bench's book in SQL: the plan's tables, N live loans copied from them set-based with
the ledger they carry (--history-days: the daily accrual entries of those days), and the loans
signed on each later bench day."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from benchdb import Sql
from cob_plan import BENCH_DATE, DATE_FIELDS, LEDGER_FIELDS, PICK_SLOTS, STATE_FIELDS, STATE_TYPES

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
    ("start_day", "int"),
    ("life_id", "int"),
    ("accrued_age", "int"),
    *[(f"b_{name}", STATE_TYPES.get(name, "int")) for name in STATE_FIELDS],
    *[(name, "int") for name in LEDGER_FIELDS],
    ("old_acc_i", "int"),  # the accruals before the daily history (--history-days), summed
    ("old_acc_p", "int"),
    ("last_paid", "date"),
]
DELTA_FIELDS = [f"d_{name}" for name in LEDGER_FIELDS]
STATE_COLUMNS = [
    # per combo and bench day: what a repayment before COB did, the state expected after COB
    ("combo_id", "int"),
    ("day", "int"),
    ("accrues", "int"),
    ("marks_overdue", "int"),
    ("paid", "int"),
    ("closes", "int"),
    *[(f"e_{name}", STATE_TYPES.get(name, "int")) for name in STATE_FIELDS],
    *[(name, "int") for name in DELTA_FIELDS],
    *[(f"a_{name}", STATE_TYPES.get(name, "int")) for name in STATE_FIELDS],
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


def _state_rows(c, dated) -> list[list]:
    """bench_state's rows of one combo: its first day's and each later bench day's."""
    rows = []
    prev = c.before
    days = [(None, c.before, c.after), *c.days]
    for offset, (paid, before, after) in enumerate(days):
        age = c.age + offset
        expected = after or before
        deltas = [0] * len(LEDGER_FIELDS)
        if paid is not None:
            deltas = [paid[name] - prev[name] for name in LEDGER_FIELDS]
        accrues = after is not None and before["accrued_through"] < age
        newly = before["status"] == "serviced" and expected["status"] == "overdue"
        rows.append(
            [
                c.id,
                c.start + offset,
                int(accrues),
                int(newly),
                int(paid is not None),
                int(paid is not None and after is None),
                *dated(paid or before),
                *deltas,
                *dated(expected),
            ]
        )
        prev = expected
    return rows


def load_plan(cursor, sql: Sql, templates, combos, limits, history_days: int = 0) -> None:
    """The small tables the big INSERTs copy from: combos, their states day by day, schedule
    templates, the lottery, the lives' daily accruals (for --history-days)."""
    import json

    from django.db import connection

    ops = connection.ops
    for name in ("bench_combo", "bench_state", "bench_item", "bench_range", "bench_pick"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    _create(cursor, sql, "bench_combo", COMBO_COLUMNS, "id")
    _create(cursor, sql, "bench_state", STATE_COLUMNS, "combo_id, day")
    rows = []
    states = []
    accruals = {}
    snapshots: dict[int, str] = {}
    for c in combos:
        tpl = c.template
        issue = c.issue
        lim = limits[max(issue, min(limits))][tpl.product.kind]
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
        accrued_age = c.before["accrued_through"]
        window = range(c.age - history_days, accrued_age + 1) if history_days else range(0)
        recent = [(age, day) for age, day in c.accruals.items() if age in window]
        accruals.update(((c.life, age), day) for age, day in recent)
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
                c.start,
                c.life,
                accrued_age,
                *dated(c.before),
                *[c.before[name] for name in LEDGER_FIELDS],
                c.before["acc_i"] - sum(day[0] for _, day in recent),
                c.before["acc_p"] - sum(day[1] for _, day in recent),
                ops.adapt_datefield_value(last_paid) if last_paid else None,
            ]
        )
        states += _state_rows(c, dated)
    insert_rows(cursor, sql, "bench_combo", rows)
    insert_rows(cursor, sql, "bench_state", states)
    columns = [("life_id", "int"), ("age", "int"), ("interest", "int"), ("penalty", "int")]
    _create(cursor, sql, "bench_accrual", columns, "life_id, age")
    if accruals:
        rows = [(life, age, i, p) for (life, age), (i, p) in accruals.items() if i + p]
        insert_rows(cursor, sql, "bench_accrual", rows)
    fresh = [(c.start, c.template.id, c.id) for c in combos if c.start > 0]
    columns = [("day", "int"), ("template_id", "int"), ("combo_id", "int")]
    _create(cursor, sql, "bench_fresh", columns, "day, template_id")
    if fresh:
        insert_rows(cursor, sql, "bench_fresh", fresh)

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
    quiet: bool = False

    def run(self, cursor, label: str, statement: str, params=None) -> int:
        started = time.perf_counter()
        cursor.execute(statement, params or [])
        seconds = time.perf_counter() - started
        rows = max(cursor.rowcount, 0)
        self.marks.append((label, rows, seconds))
        if not self.quiet:
            print(f"  build {label:<22} {rows:>10,} rows {seconds:8.2f} s", flush=True)
        return rows


def fill_sequence(cursor, sql: Sql, first: int, last: int) -> None:
    """bench_seq: the numbers first … last."""
    cursor.execute("DROP TABLE IF EXISTS bench_seq")
    cursor.execute("CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)")
    if sql.pg:
        cursor.execute(
            "INSERT INTO bench_seq SELECT generate_series(CAST(%s AS BIGINT), CAST(%s AS BIGINT))",
            [first, last],
        )
    else:
        cursor.execute(
            "INSERT INTO bench_seq WITH RECURSIVE s(n) AS"
            " (SELECT %s UNION ALL SELECT n + 1 FROM s WHERE n < %s) SELECT n FROM s",
            [first, last],
        )


# Loan n belongs to borrower (n-1)/3+1 (three loans each). Slot 0 of each borrower is a PDL,
# slot 1 an IL, slot 2 a PDL for even borrowers: never more than two PDLs (ПСК 292 %, above
# 545-FZ's 200 % threshold) outstanding per borrower. A loan draws its lottery slot from the
# high bits of n's multiplicative (Knuth) hash, which spread any run of n evenly.
LOAN_KIND = (
    "CASE WHEN (s.n - 1) %% 3 = 0 OR ((s.n - 1) %% 3 = 2 AND ((s.n - 1) / 3) %% 2 = 1)"
    " THEN 'pdl' ELSE 'il' END"
)
LOAN_SLOT = f"((s.n * 2654435761) %% 4294967296) / {(1 << 32) // PICK_SLOTS}"


def build_portfolio(cursor, sql: Sql, n: int, timer: Timer, history_days: int = 0) -> None:
    """N live loans from the plan: borrowers, payouts, loans, schedules, journal."""
    fill_sequence(cursor, sql, 1, n)
    cursor.execute("DROP TABLE IF EXISTS bench_loan")
    cursor.execute("CREATE TABLE bench_loan (loan_id BIGINT PRIMARY KEY, combo_id BIGINT NOT NULL)")
    timer.run(
        cursor,
        "loan plan",
        "INSERT INTO bench_loan (loan_id, combo_id) SELECT s.n, p.combo_id FROM bench_seq s"
        f" JOIN bench_pick p ON p.kind = {LOAN_KIND} AND p.slot = {LOAN_SLOT}",
    )
    cursor.execute(
        "CREATE TABLE bench_region (k INTEGER PRIMARY KEY, region_id BIGINT, time_zone TEXT)"
    )
    cursor.execute(
        "INSERT INTO bench_region SELECT (SELECT COUNT(*) FROM loans_region b WHERE b.id < r.id),"
        " r.id, r.time_zone FROM loans_region r"
    )
    insert_loans(cursor, sql, first=1, last=n, entry_base=0, timer=timer)
    if history_days:
        insert_accrual_history(cursor, sql, n=n, days=history_days, timer=timer)


def sign_new_loans(cursor, sql: Sql, *, day: int, count: int) -> int:
    """`count` loans signed on bench day `day` (templates drawn as the book's are), with their
    borrowers, payouts, schedules and payout entries; returns how many."""
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM loans_loan")
    first = cursor.fetchone()[0] // 3 * 3 + 4  # a borrower's first slot: three loans each
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM loans_journalentry")
    entry_base = cursor.fetchone()[0]
    fill_sequence(cursor, sql, first, first + count - 1)
    cursor.execute(
        "INSERT INTO bench_loan (loan_id, combo_id) SELECT s.n, f.combo_id FROM bench_seq s"
        f" JOIN bench_pick p ON p.kind = {LOAN_KIND} AND p.slot = {LOAN_SLOT}"
        " JOIN bench_combo c ON c.id = p.combo_id"
        " JOIN bench_fresh f ON f.template_id = c.template_id AND f.day = %s",
        [day],
    )
    signed = cursor.rowcount
    insert_loans(cursor, sql, first=first, last=first + count - 1, entry_base=entry_base)
    return signed


def insert_loans(
    cursor, sql: Sql, *, first: int, last: int, entry_base: int, timer: "Timer | None" = None
) -> None:
    """The loans first … last of bench_loan (bench_seq holds those numbers) with their
    borrowers; their entries take ids after entry_base."""
    from django.db import connection

    from loans.payment_details import compute_control_digit

    timer = timer or Timer(quiet=True)
    d = sql.date()
    now = connection.ops.adapt_datetimefield_value(datetime.now(tz=UTC))
    b1, b2 = (first - 1) // 3 + 1, (last - 1) // 3 + 1
    these = f"b.loan_id BETWEEN {first} AND {last}"
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
        FROM (SELECT n - {first} + {b1} AS n FROM bench_seq) s
        JOIN bench_region r ON r.k = s.n %% {regions}
        WHERE s.n <= {b2}
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
        FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id WHERE {these}
        """,
    )
    # Loans go in before their payout orders' foreign keys are checked (deferred to commit).
    timer.run(
        cursor,
        "loans",
        f"""
        INSERT INTO loans_loan (id, borrower_id, product_id, status, applied_at, updated_at,
            requested_amount_kop, requested_term_days, principal_kop, daily_rate_ppm, term_days,
            period_days, penalty_mode, penalty_rate_num, penalty_rate_den, signed_at, signed_on,
            issue_date, psk_percent, psk_kop, charges_cap_kop, regulation_id, limits_snapshot,
            prolongations, max_prolongations, schedule_version, restructured, penalties_stopped,
            interest_stopped, principal_out_kop, interest_out_kop, penalty_out_kop,
            fees_out_kop, overpayment_kop, charges_total_kop, paid_debt_kop, due_passed_kop,
            interest_overdue_kop, principal_overdue_kop, next_due_date, maturity_date,
            overdue_since, days_past_due, accrued_through, closed_on, signing_fee_kop)
        SELECT b.loan_id, (b.loan_id - 1) / 3 + 1, c.product_id, c.b_status, c.signed_at, %s,
            c.principal_kop, c.term_days, c.principal_kop, c.daily_rate_ppm, c.term_days,
            c.period_days, c.penalty_mode, c.penalty_rate_num, c.penalty_rate_den, c.signed_at,
            c.issue_date, c.issue_date, CAST(c.psk_percent AS DECIMAL(8, 3)), c.psk_kop,
            c.charges_cap_kop, c.regulation_id, c.limits_snapshot,
            0, c.max_prolongations, 1, FALSE, FALSE,
            FALSE, c.b_principal_out_kop, c.b_interest_out_kop, c.b_penalty_out_kop,
            0, c.b_overpayment_kop, c.b_charges_total_kop, c.b_paid_debt_kop, c.b_due_passed_kop,
            c.b_interest_overdue_kop, c.b_principal_overdue_kop, c.b_next_due_date,
            c.maturity_date, c.b_overdue_since, c.b_days_past_due, c.b_accrued_through, NULL, 0
        FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id WHERE {these}
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
        JOIN bench_item i ON i.template_id = c.template_id WHERE {these}
        """,
    )
    # Four entries per loan at most, ids 4n-3 … 4n after entry_base: payout sent, payout
    # confirmed (as services.loan_disburse / payout_succeeded post them), every accrual before
    # the benchmark day (or before its daily history) summed in one entry, every repayment
    # summed in one entry.
    entries = [
        (3, "'payout-sent:'", "'payout_sent'", "c.issue_date", "''", "1 = 1"),
        (2, "'payout-done:'", "'payout_confirmed'", "c.issue_date", "''", "1 = 1"),
        (
            1,
            "'bench-accruals:'",
            "'accrual'",
            "c.b_accrued_through",
            "'bench: every earlier daily accrual, summed'",
            "c.old_acc_i + c.old_acc_p > 0",
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
        f"SELECT {entry_base} + 4 * (b.loan_id - {first} + 1) - {off} AS id,"
        f" {key} || {sql.text('b.loan_id')} AS key,"
        f" {kind_} AS kind, b.loan_id AS loan_id, {day} AS business_date, c.signed_at AS at,"
        f" {memo} AS memo FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id"
        f" WHERE {cond} AND {these}"
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
        (1, "loan_interest", True, "c.old_acc_i"),
        (1, "interest_income", False, "-c.old_acc_i"),
        (1, "loan_penalty", True, "c.old_acc_p"),
        (1, "penalty_income", False, "-c.old_acc_p"),
        (0, "cash", False, "c.pay_cash"),
        (0, "loan_interest", True, "-c.pay_i"),
        (0, "loan_principal", True, "-c.pay_p"),
        (0, "loan_penalty", True, "-c.pay_n"),
        (0, "borrower_overpayment", True, "-c.pay_ov"),
    ]
    union = " UNION ALL ".join(
        f"SELECT {entry_base} + 4 * (b.loan_id - {first} + 1) - {off} AS entry_id,"
        f" {'b.loan_id' if per_loan else 'CAST(NULL AS BIGINT)'} AS loan_id,"
        f" '{account}' AS account,"
        f" {amount} AS amount_kop FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id"
        f" WHERE {amount} <> 0 AND {these}"
        for off, account, per_loan, amount in lines
    )
    timer.run(
        cursor,
        "journal lines",
        "INSERT INTO loans_journalline (entry_id, loan_id, account, amount_kop)"
        f" SELECT entry_id, loan_id, account, amount_kop FROM ({union}) l",
    )


def insert_accrual_history(cursor, sql: Sql, *, n: int, days: int, timer: Timer) -> None:
    """The daily accrual entries of the last `days` days of every loan, as COB (or a repayment
    accruing first) wrote them: key accrual:<loan>:<date>, amounts from the loan's life."""
    from django.db import connection

    now = connection.ops.adapt_datetimefield_value(datetime.now(tz=UTC))
    entry_id = f"{4 * n} + (b.loan_id - 1) * {days + 1} + (a.age - c.age + {days}) + 1"
    joined = (
        "FROM bench_loan b JOIN bench_combo c ON c.id = b.combo_id"
        " JOIN bench_accrual a ON a.life_id = c.life_id"
        f" AND a.age BETWEEN c.age - {days} AND c.accrued_age"
    )
    on = sql.add_days("c.issue_date", "a.age")
    timer.run(
        cursor,
        "history entries",
        "INSERT INTO loans_journalentry (id, key, kind, loan_id, business_date, created_at, memo)"
        f" SELECT {entry_id}, 'accrual:' || {sql.text('b.loan_id')} || ':' || {sql.text(on)},"
        f" 'accrual', b.loan_id, {on}, %s, '' {joined}",
        [now],
    )
    lines = [
        ("loan_interest", True, "a.interest"),
        ("interest_income", False, "-a.interest"),
        ("loan_penalty", True, "a.penalty"),
        ("penalty_income", False, "-a.penalty"),
    ]
    union = " UNION ALL ".join(
        f"SELECT {entry_id} AS entry_id,"
        f" {'b.loan_id' if per_loan else 'CAST(NULL AS BIGINT)'} AS loan_id,"
        f" '{account}' AS account, {amount} AS amount_kop {joined} WHERE {amount} <> 0"
        for account, per_loan, amount in lines
    )
    timer.run(
        cursor,
        "history lines",
        "INSERT INTO loans_journalline (entry_id, loan_id, account, amount_kop)"
        f" SELECT entry_id, loan_id, account, amount_kop FROM ({union}) l",
    )
