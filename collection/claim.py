"""The application for a court order (заявление о вынесении судебного приказа) and its
calculation of the debt, read from the loan's ledger so that every figure matches it to the
kopeck; the state fee by the Tax Code's scale (art. 333.19); PDF and a Russian-Excel CSV."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from collection.models import CollectionCase, StateFeeBracket
from kernel.errors import DomainError
from kernel.exports import Column, Kind, Sheet
from loans.documents import formatting as f
from loans.documents import rendering
from loans.documents.terms import borrower_terms, credit_uid, lender_terms
from loans.models import Account, JournalLine, Loan, PayoutStatus, ScheduleItem
from loans.money import KOP_PER_RUB, kop_to_rub

# Art. 333.19 p. 1 sub. 2: an application for a court order pays half the fee of a claim.
COURT_ORDER_SHARE = Decimal("0.5")
CLAIM_TEMPLATE = rendering.DocumentTemplate(
    "collection/documents/court_order_application.html",
    "СП-2026.12-1",
    "Заявление о вынесении судебного приказа",
)


@dataclass(frozen=True)
class Period:
    """Consecutive days charged the same amount on the same base."""

    start: date
    end: date
    base_kop: int
    daily_kop: int
    rate: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def amount_kop(self) -> int:
        return self.daily_kop * self.days


@dataclass(frozen=True)
class Payment:
    on: date
    amount_kop: int
    principal_kop: int
    interest_kop: int
    penalty_kop: int
    fees_kop: int


@dataclass
class Calculation:
    loan: Loan
    on: date
    issued_kop: int
    interest: list[Period] = field(default_factory=list)
    penalty: list[Period] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    fees_charged_kop: int = 0
    balances: dict[str, int] = field(default_factory=dict)

    @property
    def interest_charged_kop(self) -> int:
        return sum(p.amount_kop for p in self.interest)

    @property
    def penalty_charged_kop(self) -> int:
        return sum(p.amount_kop for p in self.penalty)

    @property
    def paid_kop(self) -> int:
        return sum(p.amount_kop for p in self.payments)

    @property
    def claimed_kop(self) -> int:
        return sum(self.balances.values())


def _daily_lines(loan: Loan, account: str) -> dict[date, int]:
    rows = (
        JournalLine.objects.filter(loan=loan, account=account, entry__kind="accrual")
        .values("entry__business_date")
        .annotate(total=Sum("amount_kop"))
    )
    return {row["entry__business_date"]: row["total"] for row in rows if row["total"]}


def _periods(daily: dict[date, int], base_of, rate: str) -> list[Period]:
    periods: list[Period] = []
    for day in sorted(daily):
        base = base_of(day)
        last = periods[-1] if periods else None
        if (
            last is not None
            and last.end + timedelta(days=1) == day
            and last.daily_kop == daily[day]
            and last.base_kop == base
        ):
            periods[-1] = Period(last.start, day, base, last.daily_kop, rate)
        else:
            periods.append(Period(day, day, base, daily[day], rate))
    return periods


def _penalty_rate_text(loan: Loan) -> str:
    if loan.penalty_rate_den == 1_000_000:
        return f.percent_exact_daily(loan.penalty_rate_num) + " в день"
    annual = Decimal(loan.penalty_rate_num) / 1000
    return f.percent_exact_ru(annual) + " годовых"


def calculation(*, loan: Loan, on: date) -> Calculation:
    """The day-by-day calculation of the debt from the ledger: what was issued, every day's
    interest and penalty grouped into periods, every payment and how it was allocated."""
    lines = JournalLine.objects.filter(loan=loan).select_related("entry")
    lines = list(lines)
    issued = sum(
        line.amount_kop
        for line in lines
        if line.account == Account.LOAN_PRINCIPAL and line.amount_kop > 0
    )
    payments: dict[int, dict] = {}
    fees_charged = 0
    principal_paid_by: dict[date, int] = {}
    for line in lines:
        kind = line.entry.kind
        if kind == "repayment" and line.account in (
            Account.LOAN_PRINCIPAL,
            Account.LOAN_INTEREST,
            Account.LOAN_PENALTY,
            Account.LOAN_FEES,
            Account.BORROWER_OVERPAYMENT,
        ):
            entry = payments.setdefault(line.entry_id, {"on": line.entry.business_date})
            entry[line.account] = entry.get(line.account, 0) + line.amount_kop
        if line.account == Account.LOAN_FEES and line.amount_kop > 0:
            fees_charged += line.amount_kop
        if line.account == Account.LOAN_PRINCIPAL and kind == "repayment":
            day = line.entry.business_date
            principal_paid_by[day] = principal_paid_by.get(day, 0) - line.amount_kop

    paid_before = sorted(principal_paid_by.items())

    def principal_out(day: date) -> int:
        # Interest of a day accrues on the principal outstanding when the day began.
        return issued - sum(kop for paid_on, kop in paid_before if paid_on < day)

    schedule = list(
        ScheduleItem.objects.filter(loan=loan, version=loan.schedule_version).values_list(
            "due_date", "principal_kop"
        )
    )

    def principal_overdue(day: date) -> int:
        due = sum(kop for due_on, kop in schedule if due_on < day)
        repaid = sum(kop for paid_on, kop in paid_before if paid_on < day)
        return max(0, min(principal_out(day), due - repaid))

    calc = Calculation(loan=loan, on=on, issued_kop=issued, fees_charged_kop=fees_charged)
    calc.interest = _periods(
        _daily_lines(loan, Account.LOAN_INTEREST),
        principal_out,
        f.daily_rate_ru(loan.daily_rate_ppm or 0),
    )
    calc.penalty = _periods(
        _daily_lines(loan, Account.LOAN_PENALTY), principal_overdue, _penalty_rate_text(loan)
    )
    calc.payments = [
        Payment(
            on=row["on"],
            # The money received: what left the loan's accounts, the overpayment held included.
            amount_kop=-sum(v for k, v in row.items() if k != "on"),
            principal_kop=-row.get(Account.LOAN_PRINCIPAL, 0),
            interest_kop=-row.get(Account.LOAN_INTEREST, 0),
            penalty_kop=-row.get(Account.LOAN_PENALTY, 0),
            fees_kop=-row.get(Account.LOAN_FEES, 0),
        )
        for _, row in sorted(payments.items())
    ]
    balances = {
        account: 0
        for account in (
            Account.LOAN_PRINCIPAL,
            Account.LOAN_INTEREST,
            Account.LOAN_PENALTY,
            Account.LOAN_FEES,
        )
    }
    for line in lines:
        if line.account in balances:
            balances[line.account] += line.amount_kop
    calc.balances = {
        "principal": balances[Account.LOAN_PRINCIPAL],
        "interest": balances[Account.LOAN_INTEREST],
        "penalty": balances[Account.LOAN_PENALTY],
        "fees": balances[Account.LOAN_FEES],
    }
    return calc


def claim_fee_kop(*, claim_kop: int, on: date) -> int:
    """The fee of a claim of a property nature on `on`, rounded to the full rouble
    (art. 333.19 p. 1 sub. 1 and p. 6)."""
    brackets = list(StateFeeBracket.objects.filter(valid_from__lte=on).order_by("-valid_from"))
    if not brackets:
        raise DomainError("No state fee scale is configured for this date", code="no_fee_scale")
    latest = brackets[0].valid_from
    step = max(
        (b for b in brackets if b.valid_from == latest and b.over_kop < max(claim_kop, 1)),
        key=lambda b: b.over_kop,
    )
    fee = Decimal(step.base_kop) + Decimal(claim_kop - step.over_kop) * step.percent / 100
    if step.max_fee_kop is not None:
        fee = min(fee, Decimal(step.max_fee_kop))
    return _whole_roubles(fee)


def court_order_fee_kop(*, claim_kop: int, on: date) -> int:
    """The fee of an application for a court order: half the claim's (art. 333.19 p. 1 sub. 2)."""
    return _whole_roubles(Decimal(claim_fee_kop(claim_kop=claim_kop, on=on)) * COURT_ORDER_SHARE)


def _whole_roubles(kop: Decimal) -> int:
    roubles = (kop / KOP_PER_RUB).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(roubles) * KOP_PER_RUB


def application_context(*, case: CollectionCase, on: date) -> dict:
    loan = Loan.objects.select_related("borrower__region", "product").get(pk=case.loan_id)
    if loan.signed_on is None:
        raise DomainError("The loan was never signed: there is no claim", code="no_contract")
    calc = calculation(loan=loan, on=on)
    payout = loan.payouts.filter(status=PayoutStatus.SUCCEEDED).order_by("-pk").first()
    return {
        "lender": lender_terms(),
        "borrower": {**borrower_terms(loan), "region": loan.borrower.region.name},
        "loan": loan,
        "contract_number": f"{loan.pk:08d}",
        "credit_uid": credit_uid(loan),
        "calc": calc,
        "on": on,
        "fee_kop": court_order_fee_kop(claim_kop=calc.claimed_kop, on=on),
        "issue_date": loan.issue_date or (payout.updated_at.date() if payout else loan.signed_on),
        "contract_document": loan.documents.filter(kind="signed").order_by("pk").first(),
    }


def application_html(*, case: CollectionCase, on: date) -> str:
    return rendering.render_html(CLAIM_TEMPLATE, application_context(case=case, on=on))


def application_pdf(*, case: CollectionCase, on: date) -> bytes:
    return rendering.html_to_pdf(application_html(case=case, on=on))


CALCULATION_COLUMNS = (
    Column("Раздел"),
    Column("С", Kind.DATE),
    Column("По", Kind.DATE),
    Column("Дней", Kind.INTEGER),
    Column("База, ₽", Kind.MONEY),
    Column("Ставка"),
    Column("Сумма, ₽", Kind.MONEY),
)


def calculation_sheet(calc: Calculation) -> Sheet:
    """The calculation as a table for a spreadsheet (kernel.exports: CSV for a Russian Excel,
    or XLSX). The court reads it in Russian whatever the operator's interface language."""
    rub = kop_to_rub
    rows: list[list[object]] = [["Выдано", None, None, None, None, "", rub(calc.issued_kop)]]
    for title, periods in (("Проценты", calc.interest), ("Неустойка", calc.penalty)):
        for p in periods:
            rate = p.rate.replace("\u00a0", " ")
            rows.append([title, p.start, p.end, p.days, rub(p.base_kop), rate, rub(p.amount_kop)])
    for payment in calc.payments:
        rows.append(["Платёж", payment.on, None, None, None, "", rub(payment.amount_kop)])
    for title, key in (
        ("Долг: основной долг", "principal"),
        ("Долг: проценты", "interest"),
        ("Долг: неустойка", "penalty"),
        ("Долг: комиссии", "fees"),
    ):
        rows.append([title, None, None, None, None, "", rub(calc.balances[key])])
    rows.append(["Итого к взысканию", None, None, None, None, "", rub(calc.claimed_kop)])
    return Sheet("Расчёт задолженности", CALCULATION_COLUMNS, rows)
