"""Reads shared by the collector's pages, the API and the claim package."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from django.db.models import (
    BigIntegerField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cards.models import CreditLine, CreditLineRepayment, CreditLineStatement
from collection.clock import ZonedTime, debtor_time
from collection.models import (
    OPEN_CASE,
    Bucket,
    Channel,
    CollectionCase,
    ContactAttempt,
    PromiseStatus,
    PromiseToPay,
    RefusedContact,
)
from collection.policy import Verdict, contact_allowed
from loans.models import IncomingPayment, Loan, PayoutStatus
from loans.money import format_rub
from loans.workdays import unconfirmed_years


def worklist(*, collector=None) -> QuerySet[CollectionCase]:
    """Open cases (a collector's own, or all for a team lead) with what the worklist filters
    and shows: the last contact and the date of the pending promise. Highest expected
    recovery first, then the earliest next action."""
    last_contact = ContactAttempt.objects.filter(case=OuterRef("pk")).order_by("-at")
    promise = PromiseToPay.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING)
    cases = CollectionCase.objects.filter(OPEN_CASE)
    if collector is not None:
        cases = cases.filter(collector=collector)
    return (
        cases.annotate(
            last_contact_at=Subquery(last_contact.values("at")[:1]),
            pending_promise_on=Subquery(promise.order_by("promised_on").values("promised_on")[:1]),
        )
        .select_related("borrower", "collector")
        .order_by("-priority_kop", "next_action_on", "pk")
    )


def case_contacts(*, case: CollectionCase) -> QuerySet[ContactAttempt]:
    return ContactAttempt.objects.filter(case=case).select_related("actor").order_by("-at", "-pk")


def case_refused_contacts(*, case: CollectionCase) -> QuerySet[RefusedContact]:
    return RefusedContact.objects.filter(case=case).order_by("-at", "-pk")


def case_promises(*, case: CollectionCase) -> QuerySet[PromiseToPay]:
    return PromiseToPay.objects.filter(case=case).order_by("-created_at", "-pk")


def debtor_local_time(*, case: CollectionCase, at: datetime) -> ZonedTime:
    return debtor_time(at, case.borrower.time_zone)


def unconfirmed_calendar_years(*, at: datetime) -> list[int]:
    """The years of the coming two months whose production calendar no decree confirms."""
    today = at.date()
    return unconfirmed_years(today, today + timedelta(days=62))


def channel_allowances(*, case: CollectionCase, at: datetime) -> dict[str, Verdict]:
    """What each outgoing channel allows at `at`: the policy's verdict per channel."""
    return {
        channel: contact_allowed(case_or_borrower=case, channel=channel, at=at)
        for channel in Channel.values
        if channel != Channel.INCOMING_CALL
    }


# --- the claim package --------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimPackage:
    case: CollectionCase
    contract_title: str
    prepared_on: date
    contract: list[tuple[str, str]]
    caps: list[tuple[str, str]]
    debt: list[tuple[str, int]]
    payments: list[IncomingPayment | CreditLineRepayment] = field(default_factory=list)
    payout_reference: str = ""
    loan: Loan | None = None
    statements: list[CreditLineStatement] = field(default_factory=list)

    @property
    def debt_total_kop(self) -> int:
        return sum(amount for _, amount in self.debt)


def _debtor_rows(borrower) -> list[tuple[str, str]]:
    return [
        ("Заёмщик", borrower.full_name),
        ("Дата рождения", borrower.birth_date.isoformat()),
        ("Паспорт", f"{borrower.passport_series} {borrower.passport_number}"),
        ("Регион", borrower.region.name),
        ("Телефон", borrower.phone),
    ]


def claim_package(*, case: CollectionCase, on: date) -> ClaimPackage:
    """The figures of a claim, from the contract and its cached balances (equal to its ledger
    accounts) and the limits frozen at signing; the court reads it in Russian."""
    if case.credit_line_id is not None:
        return _card_claim_package(case=case, on=on)
    loan = Loan.objects.select_related("borrower__region", "product").get(pk=case.loan_id)
    limits = loan.limits_snapshot or {}
    payout = loan.payouts.filter(status=PayoutStatus.SUCCEEDED).order_by("-pk").first()
    contract = [
        ("Договор займа №", str(loan.pk)),
        ("Продукт", loan.product.name),
        ("Дата подписания", loan.signed_on.isoformat() if loan.signed_on else ""),
        ("Дата выдачи", loan.issue_date.isoformat() if loan.issue_date else ""),
        ("Сумма займа", format_rub(loan.principal_kop or 0)),
        ("Ставка, % в день", f"{(loan.daily_rate_ppm or 0) / 10000:.4f}"),
        ("Срок, дней", str(loan.term_days or "")),
        ("ПСК, % годовых", str(loan.psk_percent or "")),
        *_debtor_rows(loan.borrower),
    ]
    caps = [
        ("Лимиты на дату подписания с", str(limits.get("valid_from", ""))),
        ("Максимальная ставка, ppm в день", str(limits.get("max_daily_rate_ppm", ""))),
        ("Предел всех начислений, × суммы займа", str(limits.get("charges_cap_multiplier", ""))),
        ("Предел всех начислений", format_rub(loan.charges_cap_kop or 0)),
        ("Начислено всего", format_rub(loan.charges_total_kop)),
        ("Остаток до предела", format_rub(loan.charges_room_kop)),
    ]
    debt = [
        ("Основной долг", loan.principal_out_kop),
        ("Проценты", loan.interest_out_kop),
        ("Неустойка", loan.penalty_out_kop),
        ("Комиссии", loan.fees_out_kop),
    ]
    return ClaimPackage(
        case=case,
        contract_title=f"договору займа № {loan.pk}",
        loan=loan,
        prepared_on=on,
        contract=contract,
        caps=caps,
        debt=debt,
        payments=list(IncomingPayment.objects.filter(loan=loan).order_by("business_date", "pk")),
        payout_reference=payout.gateway_ref if payout else "",
    )


def _card_claim_package(*, case: CollectionCase, on: date) -> ClaimPackage:
    """A card's claim: the contract, the statements with their missed minimum payments, the
    payments and the debt; the cap on all charges is per draw (353-FZ)."""
    line = CreditLine.objects.select_related("borrower__region").get(pk=case.credit_line_id)
    limits = line.limits_snapshot or {}
    contract = [
        ("Договор потребительского кредита с лимитом кредитования №", str(line.pk)),
        ("УИд договора", line.credit_uid or ""),
        ("Дата подписания", line.opened_on.isoformat()),
        ("Лимит кредитования", format_rub(line.limit_kop)),
        ("Ставка, % в день", f"{line.daily_rate_ppm / 10000:.4f}"),
        ("ПСК, % годовых", str(line.psk_percent)),
        ("Просрочка, дней", str(line.days_past_due)),
        ("Просрочка с", line.overdue_since.isoformat() if line.overdue_since else ""),
        *_debtor_rows(line.borrower),
    ]
    caps = [
        ("Лимиты на дату подписания с", str(limits.get("valid_from", ""))),
        ("Максимальная ставка, ppm в день", str(limits.get("max_daily_rate_ppm", ""))),
        ("Предел всех начислений, % каждого транша", str(line.charges_cap_percent)),
        ("Начислено всего", format_rub(line.charges_total_kop)),
    ]
    debt = [
        ("Основной долг", line.principal_out_kop),
        ("Проценты", line.interest_out_kop),
        ("Неустойка", line.penalty_out_kop),
    ]
    return ClaimPackage(
        case=case,
        contract_title=f"договору кредитной карты № {line.pk}",
        prepared_on=on,
        contract=contract,
        caps=caps,
        debt=debt,
        payments=list(line.repayments.order_by("business_date", "pk")),
        statements=list(line.statements.order_by("period_end")),
    )


def claim_package_csv(package: ClaimPackage) -> str:
    """The package for the legal team: section, item, value (amounts in kopecks)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value"])
    for label, value in package.contract:
        writer.writerow(["contract", label, value])
    for label, value in package.caps:
        writer.writerow(["caps", label, value])
    for label, amount in package.debt:
        writer.writerow(["debt_kop", label, amount])
    writer.writerow(["debt_kop", "Итого", package.debt_total_kop])
    for payment in package.payments:
        writer.writerow(["payment_kop", payment.business_date.isoformat(), payment.amount_kop])
    return out.getvalue()


# --- the team lead's page -------------------------------------------------------------------

BUCKET_ORDER = [Bucket.B1_30, Bucket.B31_60, Bucket.B61_90, Bucket.B90_PLUS]


def _bucket(days_past_due: int) -> str:
    return BUCKET_ORDER[min(max(days_past_due - 1, 0) // 30, 3)]


@dataclass(frozen=True)
class TeamReport:
    on: date
    by_stage_bucket: list[tuple[str, str, int, int]]  # stage, bucket, cases, debt
    recovery: list[tuple[str, int, int, float | None]]  # bucket, recovered, debt, rate
    roll_rates: list[tuple[str, str, int, float | None]]  # month, bucket, cases, rolled share
    promises_kept: int
    promises_broken: int
    contacts: int
    recovered_kop: int

    @property
    def promise_kept_rate(self) -> float | None:
        settled = self.promises_kept + self.promises_broken
        return self.promises_kept / settled if settled else None

    @property
    def contacts_per_1000_rub(self) -> float | None:
        return self.contacts / (self.recovered_kop / 100_000) if self.recovered_kop else None


def _paid_since(payments: QuerySet, debt: str) -> Coalesce:
    total = payments.values(debt).annotate(total=Sum("amount_kop")).values("total")
    return Coalesce(Subquery(total), Value(0), output_field=BigIntegerField())


def team_report(*, on: date, months: int = 3) -> TeamReport:
    since = (on.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    since_opened = {"received_at__date__gte": OuterRef("opened_on")}
    loan_paid = IncomingPayment.objects.filter(loan=OuterRef("loan"), **since_opened)
    card_paid = CreditLineRepayment.objects.filter(
        credit_line=OuterRef("credit_line"), **since_opened
    )
    cases = CollectionCase.objects.annotate(
        recovered=_paid_since(loan_paid, "loan") + _paid_since(card_paid, "credit_line")
    )
    by_stage_bucket = [
        (row["stage"], row["bucket"], row["cases"], row["debt"] or 0)
        for row in CollectionCase.objects.filter(OPEN_CASE)
        .values("stage", "bucket")
        .annotate(cases=Count("id"), debt=Sum("debt_kop"))
        .order_by("stage", "bucket")
    ]
    recovery = []
    for row in cases.values("bucket").annotate(r=Sum("recovered"), d=Sum("debt_kop")).order_by():
        got, owed = row["r"] or 0, row["d"] or 0
        recovery.append((row["bucket"], got, owed, got / (got + owed) if got + owed else None))
    recovery.sort(key=lambda row: BUCKET_ORDER.index(row[0]))
    settled = dict(
        PromiseToPay.objects.filter(resolved_on__gte=since)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    window = cases.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=since))
    return TeamReport(
        on=on,
        by_stage_bucket=by_stage_bucket,
        recovery=recovery,
        roll_rates=_roll_rates(window.values_list("opened_on", "closed_on"), on=on, since=since),
        promises_kept=settled.get(PromiseStatus.KEPT, 0),
        promises_broken=settled.get(PromiseStatus.BROKEN, 0),
        contacts=ContactAttempt.objects.filter(at__date__gte=since).count(),
        recovered_kop=window.aggregate(total=Sum("recovered"))["total"] or 0,
    )


def _roll_rates(spans, *, on: date, since: date) -> list[tuple[str, str, int, float | None]]:
    """Of the cases in a bucket at one month's end, the share still unpaid (so a bucket later)
    at the next month's end. A case is `days past due` = days since it opened + 1."""
    ends, day = [], since
    while day <= on:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        ends.append(min(following - timedelta(days=1), on))
        day = following
    spans = list(spans)
    rows = []
    for start, end in pairwise(ends):
        counts: dict[str, list[int]] = {bucket: [0, 0] for bucket in BUCKET_ORDER[:3]}
        for opened_on, closed_on in spans:
            if opened_on > start or (closed_on is not None and closed_on <= start):
                continue
            bucket = _bucket((start - opened_on).days + 1)
            if bucket in counts:
                counts[bucket][0] += 1
                counts[bucket][1] += closed_on is None or closed_on > end
        for bucket, (total, rolled) in counts.items():
            rows.append((end.strftime("%Y-%m"), bucket, total, rolled / total if total else None))
    return rows
