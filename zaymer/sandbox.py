"""The sandbox payment provider as the lender sees it from outside: the gateway that keeps a
durable record of the payouts it took, and the settlement report it exports for a day.

What the sandbox did on a business day:
- payouts: every payout order or card transfer it took (paid at once, or taken with its answer
  lost), from its own record (`SandboxMovement`), dated by the business day it took them;
- payments: every `payment.succeeded` event it delivered by webhook (the borrower API keeps
  each one it accepted as a `WebhookEvent`), dated by the day, Moscow time, it was delivered;
- refunds: the refunds staff booked (loan overpayments, card refunds). They do not pass
  through a gateway call yet, so the sandbox stands for the provider that paid them out and
  reports each booked refund as done the day it was booked.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db.models import Sum

from clientapi.models import WebhookEvent
from loans.business_date import MOSCOW, current_business_date
from loans.gateway import GatewayTimeout, PayoutResult, SandboxGateway, get_gateway
from loans.models import Account, JournalLine
from zaymer.models import MovementKind, SandboxMovement

SANDBOX = "sandbox"
CURRENCY = "RUB"
# The columns `sandbox_statement` writes: amounts in whole kopecks, dates ISO 8601.
STATEMENT_COLUMNS = ("event_id", "kind", "amount_kop", "currency", "date", "our_reference")
REFUND_ENTRY_KINDS = ("refund", "card_refund")


class RecordingSandboxGateway(SandboxGateway):
    """The sandbox gateway that also writes down every payout it takes, so that another
    process (the statement export, a poll after a restart) knows what it paid."""

    provider = SANDBOX

    def send_payout(self, *, key: str, amount_kop: int, destination: dict) -> PayoutResult:
        try:
            result = super().send_payout(key=key, amount_kop=amount_kop, destination=destination)
        except GatewayTimeout:
            with self._lock:
                taken = self._taken[key]
            self._record(key=key, amount_kop=amount_kop, result=taken)
            raise
        self._record(key=key, amount_kop=amount_kop, result=result)
        return result

    def payout_status(self, *, key: str) -> PayoutResult:
        with self._lock:
            known = self._taken.get(key)
        if known is not None:
            return known
        row = SandboxMovement.objects.filter(
            provider=self.provider, kind=MovementKind.PAYOUT, our_reference=key
        ).first()
        if row is not None:
            return PayoutResult("succeeded", reference=row.event_id)
        return super().payout_status(key=key)

    def _record(self, *, key: str, amount_kop: int, result: PayoutResult) -> None:
        if result.status != "succeeded":
            return
        SandboxMovement.objects.get_or_create(
            provider=self.provider,
            kind=MovementKind.PAYOUT,
            our_reference=key,
            defaults={
                "event_id": result.reference,
                "amount_kop": amount_kop,
                "currency": CURRENCY,
                "business_date": current_business_date(),
            },
        )


def gateway_provider() -> str:
    """The provider the payouts go through (one gateway at a time)."""
    return getattr(get_gateway(), "provider", SANDBOX)


@dataclass(frozen=True)
class StatementRow:
    event_id: str
    kind: str
    amount_kop: int
    currency: str
    on: date
    our_reference: str


def _local_day(on: date) -> tuple[datetime, datetime]:
    start = datetime.combine(on, time.min, tzinfo=MOSCOW)
    return start, start + timedelta(days=1)


def _payments(*, on: date, provider: str) -> Iterator[StatementRow]:
    start, end = _local_day(on)
    events = WebhookEvent.objects.filter(
        provider=provider,
        event_type="payment.succeeded",
        received_at__gte=start,
        received_at__lt=end,
    ).order_by("pk")
    for event in events.iterator():
        data = (event.payload or {}).get("data") or {}
        amount = data.get("amount_kop")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            continue  # the API refuses such an event before keeping it
        yield StatementRow(
            event_id=event.event_id,
            kind=MovementKind.PAYMENT,
            amount_kop=amount,
            currency=CURRENCY,
            on=on,
            our_reference=str(data.get("payment_id", "")),
        )


def _payouts(*, on: date, provider: str) -> Iterator[StatementRow]:
    rows = SandboxMovement.objects.filter(provider=provider, business_date=on).order_by("pk")
    for row in rows.iterator():
        yield StatementRow(
            event_id=row.event_id,
            kind=row.kind,
            amount_kop=row.amount_kop,
            currency=row.currency,
            on=on,
            our_reference=row.our_reference,
        )


def _refunds(*, on: date) -> Iterator[StatementRow]:
    cash_out = (
        JournalLine.objects.filter(
            entry__business_date=on,
            entry__kind__in=REFUND_ENTRY_KINDS,
            account=Account.CASH,
        )
        .values("entry_id", "entry__key")
        .annotate(total=Sum("amount_kop"))
        .order_by("entry_id")
    )
    for row in cash_out:
        yield StatementRow(
            event_id=f"sbx-refund-{row['entry_id']}",
            kind=MovementKind.REFUND,
            amount_kop=-row["total"],
            currency=CURRENCY,
            on=on,
            our_reference=row["entry__key"],
        )


def sandbox_statement_rows(*, on: date, provider: str = SANDBOX) -> list[StatementRow]:
    """What the sandbox provider moved on business day `on`, one row per movement."""
    rows = list(_payments(on=on, provider=provider))
    if provider == gateway_provider():
        rows += _payouts(on=on, provider=provider)
        rows += _refunds(on=on)
    return rows


def write_statement(rows: Iterable[StatementRow], out: TextIO) -> int:
    """The settlement report as CSV (`STATEMENT_COLUMNS`); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            [
                row.event_id,
                row.kind,
                row.amount_kop,
                row.currency,
                row.on.isoformat(),
                row.our_reference,
            ]
        )
        count += 1
    return count
