"""Reconciliation with the payment provider: its settlement report for a day against the book.

What is booked, by the key the provider's row is matched on:
- a payment, by the provider's event id: the cash of the entries `payment:{provider}:{id}`
  (a loan's repayment or prolongation; money for a closed loan is held as overpayment the
  same way), `card-payment:{provider}:{id}` (a card repayment) and
  `card-excess:{provider}:{id}` (what was paid above the card's debt, owed back);
- a payout, by our reference (the gateway's idempotency key): a loan's `payout-<loan>-<n>`
  confirmed by its entry `payout-done:{order}`, a card transfer's `card-transfer-<id>` by
  `card-transfer-done:{id}`;
- a refund, by our reference, the key of its entry (`refund:...`, `card-refund:...`).
Payouts and refunds go through the one gateway, so they are compared only for its provider.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from cards.models import CreditLineTransfer
from clientapi.models import WebhookEvent
from loans import payouts
from loans.models import Account, JournalEntry, JournalLine, PayoutOrder
from zaymer.models import DifferenceKind, MovementKind, Reconciliation, ReconciliationDifference
from zaymer.sandbox import REFUND_ENTRY_KINDS, gateway_provider
from zaymer.statement import BOOKED_CURRENCY, Statement, StatementLine

PAYMENT_KEY_PREFIXES = ("payment:", "card-payment:", "card-excess:")
# The kinds of those entries: a day's entries are found through (business_date, kind) without
# reading its accruals (one entry per live loan and card each day).
PAYMENT_ENTRY_KINDS = ("repayment", "prolongation", "card_repayment", "card_refund_due")
_KEY_LENGTH = 120  # JournalEntry.key; the card's keys are cut to it
_SIGN = {MovementKind.PAYMENT: 1, MovementKind.PAYOUT: -1, MovementKind.REFUND: -1}

Key = tuple[str, str]  # (movement kind, what it is matched on)


@dataclass(frozen=True)
class Booking:
    kind: str
    key: str
    amount_kop: int
    on: date


@dataclass(frozen=True)
class Difference:
    kind: str
    movement: str
    line: int | None = None
    event_id: str = ""
    reference: str = ""
    provider_amount_kop: int | None = None
    booked_amount_kop: int | None = None
    provider_currency: str = ""
    booked_on: date | None = None


@dataclass
class Outcome:
    provider: str
    on: date
    sha256: str
    rows: int
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)
    provider_net_kop: int = 0
    booked_net_kop: int = 0

    @property
    def reconciled(self) -> bool:
        return not self.differences

    def counts(self) -> dict[str, int]:
        return dict(Counter(d.kind for d in self.differences))


# --- what is booked ------------------------------------------------------------------------


def _payment_keys(provider: str, event_id: str) -> list[str]:
    return [f"{prefix}{provider}:{event_id}"[:_KEY_LENGTH] for prefix in PAYMENT_KEY_PREFIXES]


def _cash_by_entry(lines) -> list[tuple[str, date, int]]:
    rows = (
        lines.filter(account=Account.CASH)
        .values("entry__key", "entry__business_date")
        .annotate(total=Sum("amount_kop"))
        .order_by()
    )
    return [(r["entry__key"], r["entry__business_date"], r["total"]) for r in rows]


def _payments(lines, provider: str) -> dict[Key, Booking]:
    found: dict[Key, Booking] = {}
    prefixes = [f"{prefix}{provider}:" for prefix in PAYMENT_KEY_PREFIXES]
    for key, on, cash in _cash_by_entry(lines):
        prefix = next(p for p in prefixes if key.startswith(p))
        event_id = key[len(prefix) :]
        earlier = found.get((MovementKind.PAYMENT, event_id))
        total = cash + (earlier.amount_kop if earlier else 0)
        found[(MovementKind.PAYMENT, event_id)] = Booking(MovementKind.PAYMENT, event_id, total, on)
    return found


def _payment_filter(provider: str) -> Q:
    q = Q()
    for prefix in PAYMENT_KEY_PREFIXES:
        q |= Q(entry__key__startswith=f"{prefix}{provider}:")
    return q


def _payouts(entries) -> dict[Key, Booking]:
    """Confirmed payouts (a loan's and a card transfer's) among `entries`."""
    done = dict(entries.filter(kind="payout_confirmed").values_list("key", "business_date"))
    paid = dict(entries.filter(kind="card_transfer_paid").values_list("key", "business_date"))
    found: dict[Key, Booking] = {}
    orders = PayoutOrder.objects.filter(pk__in=[int(k.split(":")[1]) for k in done])
    for order in orders.only("pk", "loan_id", "attempt", "amount_kop"):
        on = done[f"payout-done:{order.pk}"]
        ref = order.idempotency_key
        found[(MovementKind.PAYOUT, ref)] = Booking(MovementKind.PAYOUT, ref, order.amount_kop, on)
    transfers = CreditLineTransfer.objects.filter(
        pk__in=[int(k.split(":")[1]) for k in paid]
    ).select_related("draw")
    for transfer in transfers.only("pk", "draw__amount_kop"):
        on = paid[f"card-transfer-done:{transfer.pk}"]
        ref = transfer.idempotency_key
        found[(MovementKind.PAYOUT, ref)] = Booking(
            MovementKind.PAYOUT, ref, transfer.draw.amount_kop, on
        )
    return found


def _refunds(lines) -> dict[Key, Booking]:
    return {
        (MovementKind.REFUND, key): Booking(MovementKind.REFUND, key, -cash, on)
        for key, on, cash in _cash_by_entry(lines.filter(entry__kind__in=REFUND_ENTRY_KINDS))
    }


def booked_movements(*, on: date, provider: str) -> dict[Key, Booking]:
    """Everything the book says the provider moved on business day `on`."""
    lines = JournalLine.objects.filter(entry__business_date=on)
    payments = lines.filter(_payment_filter(provider), entry__kind__in=PAYMENT_ENTRY_KINDS)
    found = _payments(payments, provider)
    if provider == gateway_provider():
        found |= _payouts(JournalEntry.objects.filter(business_date=on))
        found |= _refunds(lines)
    return found


def _payout_entry_keys(references: list[str]) -> list[str]:
    keys = []
    for ref in references:
        if found := payouts.order_for_key(ref):
            kind, order = found
            keys.append(f"{kind.confirmation_prefix}{order.pk}")
    return keys


def booked_on_any_day(lines: list[StatementLine], *, provider: str) -> dict[Key, Booking]:
    """Bookings of these rows' movements whatever their date (to name a row booked on
    another day instead of calling it missing)."""
    payments = [line.event_id for line in lines if line.kind == MovementKind.PAYMENT]
    found: dict[Key, Booking] = {}
    if payments:
        keys = [key for event_id in payments for key in _payment_keys(provider, event_id)]
        found |= _payments(JournalLine.objects.filter(entry__key__in=keys), provider)
    if provider != gateway_provider():
        return found
    payouts = [line.our_reference for line in lines if line.kind == MovementKind.PAYOUT]
    if payouts:
        found |= _payouts(JournalEntry.objects.filter(key__in=_payout_entry_keys(payouts)))
    refunds = [line.our_reference for line in lines if line.kind == MovementKind.REFUND]
    if refunds:
        found |= _refunds(JournalLine.objects.filter(entry__key__in=refunds))
    return found


# --- comparing -----------------------------------------------------------------------------


def _match_key(line: StatementLine) -> Key:
    return (line.kind, line.event_id if line.kind == MovementKind.PAYMENT else line.our_reference)


def _theirs(line: StatementLine, kind: str, booking: Booking | None = None) -> Difference:
    return Difference(
        kind=kind,
        movement=line.kind,
        line=line.line,
        event_id=line.event_id,
        reference=line.our_reference,
        provider_amount_kop=line.amount_kop,
        booked_amount_kop=booking.amount_kop if booking else None,
        provider_currency=line.currency,
        booked_on=booking.on if booking else None,
    )


def reconcile(*, statement: Statement, provider: str) -> Outcome:
    """Compare the report with the book; nothing is written."""
    ours = booked_movements(on=statement.on, provider=provider)
    outcome = Outcome(
        provider=provider, on=statement.on, sha256=statement.sha256, rows=len(statement.lines)
    )
    events: set[str] = set()
    seen: set[Key] = set()
    absent: list[StatementLine] = []
    for line in statement.lines:
        key = _match_key(line)
        if line.event_id in events or key in seen:
            outcome.differences.append(_theirs(line, DifferenceKind.DUPLICATE))
            continue
        events.add(line.event_id)
        seen.add(key)
        outcome.provider_net_kop += _SIGN[line.kind] * line.amount_kop
        booking = ours.get(key)
        if booking is None:
            absent.append(line)
        elif line.currency != BOOKED_CURRENCY:
            outcome.differences.append(_theirs(line, DifferenceKind.CURRENCY, booking))
        elif line.amount_kop != booking.amount_kop:
            outcome.differences.append(_theirs(line, DifferenceKind.AMOUNT, booking))
        else:
            outcome.matched += 1
    elsewhere = booked_on_any_day(absent, provider=provider) if absent else {}
    for line in absent:
        booking = elsewhere.get(_match_key(line))
        kind = DifferenceKind.DATE if booking else DifferenceKind.MISSING_OURS
        outcome.differences.append(_theirs(line, kind, booking))
    for key, booking in ours.items():
        outcome.booked_net_kop += _SIGN[booking.kind] * booking.amount_kop
        if key not in seen:
            outcome.differences.append(
                Difference(
                    kind=DifferenceKind.MISSING_THEIRS,
                    movement=booking.kind,
                    event_id=booking.key if booking.kind == MovementKind.PAYMENT else "",
                    reference="" if booking.kind == MovementKind.PAYMENT else booking.key,
                    booked_amount_kop=booking.amount_kop,
                    booked_on=booking.on,
                )
            )
    return outcome


@transaction.atomic
def reconciliation_record(*, outcome: Outcome, file_name: str) -> Reconciliation:
    """Keep the run and each of its differences for staff (the admin shows them)."""
    run = Reconciliation.objects.create(
        provider=outcome.provider,
        business_date=outcome.on,
        file_name=file_name[:255],
        file_sha256=outcome.sha256,
        rows=outcome.rows,
        matched=outcome.matched,
        differences=len(outcome.differences),
        counts=outcome.counts(),
        provider_net_kop=outcome.provider_net_kop,
        booked_net_kop=outcome.booked_net_kop,
    )
    ReconciliationDifference.objects.bulk_create(
        ReconciliationDifference(reconciliation=run, **vars(d)) for d in outcome.differences
    )
    return run


# --- the book's proof (ledger_check) -------------------------------------------------------


def _entry_key(prefix: str) -> Substr:
    whole = Concat(
        Value(prefix),
        OuterRef("provider"),
        Value(":"),
        OuterRef("event_id"),
        output_field=CharField(),
    )
    return Substr(whole, 1, _KEY_LENGTH)


def webhook_payments_unbooked(limit: int = 100) -> list[str]:
    """`provider:event` of the `payment.succeeded` events the provider reported (and the API
    kept) whose payment is not booked under that event id."""
    booked = JournalEntry.objects.filter(
        Q(key=_entry_key("payment:"))
        | Q(key=_entry_key("card-payment:"))
        | Q(key=_entry_key("card-excess:"))
    )
    events = (
        WebhookEvent.objects.filter(event_type="payment.succeeded")
        .exclude(Exists(booked))
        .order_by("pk")
        .values_list("provider", "event_id")[:limit]
    )
    return [f"{provider}:{event_id}" for provider, event_id in events]


def webhook_ledger_check() -> list[str]:
    """The borrower API's part of `ledger_check`."""
    unbooked = webhook_payments_unbooked()
    if not unbooked:
        return []
    return [
        _("payments the provider reported (payment.succeeded) with no booked payment: %(events)s")
        % {"events": ", ".join(unbooked)}
    ]
