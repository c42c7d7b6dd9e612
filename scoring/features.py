"""The feature registry: each group is a function of (borrower, application, as-of date).

Time is the business date (DESIGN.md, "Time"): every group sees only what was known before
`as_of`, so the same functions build the training
rows for past loans and the live row for a new application. Values are numbers (None when
unknown) or, for the names in CATEGORICAL, strings.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from loans.models import Borrower, Loan, LoanStatus, Product, ScheduleItem, TransitionLog
from loans.models.borrowers import age_years
from loans.pdn import average_monthly_payment_kop, debt_load_percent, income_for_pdn_kop
from loans.schedules import Installment
from loans.services import build_schedule
from scoring.bureau import BureauReports

S = LoanStatus
ISSUED = (S.SERVICED, S.OVERDUE, S.CLOSED, S.WRITTEN_OFF, S.DISBURSED)
OPEN = (S.APPROVED, S.DISBURSED, S.SERVICED, S.OVERDUE)
EPISODE_ENDS = ("cure", "repay_in_full", "write_off")
CATEGORICAL = ("product", "product_kind", "channel", "region", "employment")


@dataclass(frozen=True)
class BorrowerLoan:
    pk: int
    status: str
    signed_on: date | None
    issue_date: date | None
    closed_on: date | None
    prolongations: int
    psk_percent: Decimal | None


def borrower_loans(borrower: Borrower, *, exclude: int | None) -> tuple[BorrowerLoan, ...]:
    """Every loan of the borrower but `exclude`, oldest signing first, in one query: history,
    debt load and the 545-FZ facts each pick what they need from it."""
    return tuple(
        BorrowerLoan(*row)
        for row in Loan.objects.filter(borrower=borrower)
        .exclude(pk=exclude)
        .values_list(
            "pk", "status", "signed_on", "issue_date", "closed_on", "prolongations", "psk_percent"
        )
        .order_by("signed_on", "pk")
    )


@dataclass(frozen=True)
class Application:
    """What the borrower asked for; `loan_id` excludes the application itself from history.

    `loans` are the borrower's other loans (`borrower_loans`) when the caller has read them
    already; `named_features` reads them otherwise.
    """

    product: Product
    amount_kop: int
    term_days: int
    applied_at: datetime
    channel: str = "web"
    loan_id: int | None = None
    bureau: BureauReports | None = None
    loans: tuple[BorrowerLoan, ...] | None = None

    @classmethod
    def of_loan(cls, loan: Loan, *, channel: str = "web", bureau=None, loans=None) -> "Application":
        return cls(
            product=loan.product,
            amount_kop=loan.requested_amount_kop,
            term_days=loan.requested_term_days,
            applied_at=loan.applied_at,
            channel=channel,
            loan_id=loan.pk,
            bureau=bureau,
            loans=loans,
        )


FeatureGroup = Callable[[Borrower, Application, date], dict]


def application_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    local = timezone.localtime(app.applied_at)
    return {
        "amount_rub": app.amount_kop / 100,
        "term_days": app.term_days,
        "product": app.product.code,
        "product_kind": app.product.kind,
        "hour": local.hour,
        "weekday": local.weekday(),
        "channel": app.channel,
    }


def profile_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    return {
        "age_years": age_years(borrower.birth_date, as_of),
        "region": borrower.region.code,
        "employment": borrower.employment,
        "income_rub": borrower.declared_income_kop / 100,
        "income_confirmed": int(borrower.confirmed_income_kop is not None),
        "days_since_registration": max(0, (as_of - timezone.localdate(borrower.created_at)).days),
    }


@dataclass(frozen=True)
class PastLoan:
    pk: int
    status: str
    signed_on: date
    closed_on: date | None
    prolongations: int
    psk_percent: Decimal | None
    max_dpd: int


def _signed_before(app: Application, as_of: date) -> list[BorrowerLoan]:
    return [loan for loan in app.loans if loan.signed_on is not None and loan.signed_on < as_of]


def past_loans(borrower: Borrower, app: Application, as_of: date) -> list[PastLoan]:
    """The borrower's loans signed before `as_of`, each with its worst delinquency by then."""
    rows = _signed_before(app, as_of)
    if not rows:
        return []
    today = as_of
    starts: dict[int, date] = {}
    worst: dict[int, int] = {}
    log = TransitionLog.objects.filter(
        loan_id__in=[row.pk for row in rows],
        business_date__lt=today,
        transition__in=("miss_due_date", *EPISODE_ENDS),
    ).values_list("loan_id", "transition", "business_date")
    for loan_id, name, on in log.order_by("at", "id"):
        if name == "miss_due_date":
            starts[loan_id] = on
        elif loan_id in starts:
            episode = (on - starts.pop(loan_id)).days
            worst[loan_id] = max(worst.get(loan_id, 0), episode)
    for loan_id, since in starts.items():
        worst[loan_id] = max(worst.get(loan_id, 0), (today - since).days + 1)
    return [
        PastLoan(
            pk=row.pk,
            status=row.status,
            signed_on=row.signed_on,
            closed_on=row.closed_on if row.closed_on and row.closed_on < today else None,
            prolongations=row.prolongations,
            psk_percent=row.psk_percent,
            max_dpd=worst.get(row.pk, 0),
        )
        for row in rows
    ]


def history_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    loans = past_loans(borrower, app, as_of)
    closed = [loan for loan in loans if loan.closed_on is not None]
    return {
        "loans_taken": len(loans),
        "loans_repaid": sum(loan.status == S.CLOSED for loan in closed),
        "loans_open": len(loans) - len(closed),
        "max_dpd": max((loan.max_dpd for loan in loans), default=0),
        "last_dpd": loans[-1].max_dpd if loans else 0,
        # Prolongations only of loans closed by then: an open loan's count is still moving.
        "prolongations": sum(loan.prolongations for loan in closed),
        "days_since_last_loan": (as_of - loans[-1].signed_on).days if loans else None,
        "on_time_share": (
            sum(loan.max_dpd == 0 for loan in closed) / len(closed) if closed else None
        ),
    }


def open_loans_monthly_payments_kop(borrower: Borrower, app: Application, as_of: date):
    """Average monthly payment of each of the borrower's loans still open at `as_of`."""
    open_loans = {
        loan.pk: loan.issue_date
        for loan in _signed_before(app, as_of)
        if loan.issue_date is not None
        and (loan.closed_on is None or loan.closed_on >= as_of)
        and loan.status != S.WRITTEN_OFF
    }
    if not open_loans:
        return []
    items: dict[int, list[Installment]] = {}
    for row in ScheduleItem.objects.filter(loan_id__in=open_loans, version=1).values_list(
        "loan_id", "seq", "due_date", "principal_kop", "interest_kop"
    ):
        items.setdefault(row[0], []).append(Installment(*row[1:]))
    return [
        average_monthly_payment_kop(items=items[pk], issue_date=open_loans[pk])
        for pk in sorted(items)
    ]


def pdn_income_kop(borrower: Borrower, *, amount_kop: int, on: date) -> int:
    return income_for_pdn_kop(
        declared_kop=borrower.declared_income_kop,
        confirmed_kop=borrower.confirmed_income_kop,
        regional_average_kop=borrower.region.average_income_kop,
        loan_principal_kop=amount_kop,
        on_date=on,
    )


def new_loan_monthly_payment_kop(
    *, product: Product, amount_kop: int, term_days: int, on: date
) -> int:
    items = build_schedule(
        product=product, principal_kop=amount_kop, term_days=term_days, issue_date=on
    )
    return average_monthly_payment_kop(items=items, issue_date=on)


def debt_load_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    on = as_of
    existing = sum(open_loans_monthly_payments_kop(borrower, app, as_of))
    if app.bureau is not None:
        existing += app.bureau.other_monthly_payments_kop
    new = new_loan_monthly_payment_kop(
        product=app.product, amount_kop=app.amount_kop, term_days=app.term_days, on=on
    )
    income = pdn_income_kop(borrower, amount_kop=app.amount_kop, on=on)
    pdn = (
        float(debt_load_percent(monthly_payments_kop=[existing, new], monthly_income_kop=income))
        if income > 0
        else None
    )
    return {
        "pdn_percent": pdn,
        "existing_payments_rub": existing / 100,
        "new_payment_rub": new / 100,
    }


def bureau_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    if app.bureau is None:
        return {}
    return app.bureau.primary.summary()


REGISTRY: dict[str, FeatureGroup] = {
    "application": application_features,
    "profile": profile_features,
    "history": history_features,
    "debt_load": debt_load_features,
    "bureau": bureau_features,
}


def named_features(borrower: Borrower, app: Application, as_of: date) -> dict:
    """Every group's values, one flat dict (names are unique across groups)."""
    if app.loans is None:
        app = replace(app, loans=borrower_loans(borrower, exclude=app.loan_id))
    values: dict = {}
    for group in REGISTRY.values():
        values.update(group(borrower, app, as_of))
    return values


LABELS = {
    "amount_rub": "Запрошенная сумма",
    "term_days": "Срок займа",
    "product": "Продукт",
    "product_kind": "Тип продукта",
    "hour": "Час подачи заявки",
    "weekday": "День недели подачи",
    "channel": "Канал подачи",
    "age_years": "Возраст",
    "region": "Регион регистрации",
    "employment": "Занятость",
    "income_rub": "Заявленный доход",
    "income_confirmed": "Доход подтверждён",
    "days_since_registration": "Давность регистрации",
    "loans_taken": "Число займов у нас",
    "loans_repaid": "Число погашенных займов",
    "loans_open": "Открытые займы у нас",
    "max_dpd": "Максимальная просрочка у нас, дней",
    "last_dpd": "Просрочка по последнему займу, дней",
    "prolongations": "Пролонгации",
    "days_since_last_loan": "Дней с последнего займа",
    "on_time_share": "Доля займов, погашенных без просрочки",
    "pdn_percent": "Показатель долговой нагрузки (ПДН)",
    "existing_payments_rub": "Текущие ежемесячные платежи",
    "new_payment_rub": "Ежемесячный платёж по новому займу",
    "bki_open_loans": "Открытые кредиты в БКИ",
    "bki_open_high_psk_loans": "Открытые займы с ПСК выше порога (БКИ)",
    "bki_other_debt_rub": "Долг в других организациях (БКИ)",
    "bki_max_dpd_12m": "Максимальная просрочка за 12 месяцев (БКИ)",
    "bki_delinquencies_30_24m": "Просрочки 30+ дней за 24 месяца (БКИ)",
    "bki_inquiries_7d": "Запросы в БКИ за 7 дней",
    "bki_inquiries_30d": "Запросы в БКИ за 30 дней",
    "bki_inquiries_90d": "Запросы в БКИ за 90 дней",
    "bki_history_months": "Длина кредитной истории, мес.",
}


# The directions the risk team knows: +1, a higher value never lowers the PD; -1, it never
# raises it. A fit that gives one of these the other sign is refitted without it
# (scoring.training), so a reason code never blames a perfect record.
DIRECTIONS = {
    "on_time_share": -1,
    "loans_repaid": -1,
    "income_rub": -1,
    "income_confirmed": -1,
    "max_dpd": +1,
    "last_dpd": +1,
    "pdn_percent": +1,
    "existing_payments_rub": +1,
    "bki_open_loans": +1,
    "bki_open_high_psk_loans": +1,
    "bki_other_debt_rub": +1,
    "bki_max_dpd_12m": +1,
    "bki_delinquencies_30_24m": +1,
}


def label(name: str) -> str:
    if name.startswith("bki_attr_"):
        return f"Атрибут БКИ №{int(name.removeprefix('bki_attr_'))}"
    return LABELS.get(name, name)
