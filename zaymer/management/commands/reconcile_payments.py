"""Reconcile the payment provider's settlement report for a day with the book."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from loans.money import format_rub, kop_to_rub
from zaymer.management.commands.sandbox_statement import _provider
from zaymer.models import DifferenceKind, MovementKind
from zaymer.reconciliation import Outcome, reconcile, reconciliation_record
from zaymer.sandbox import SANDBOX
from zaymer.statement import BOOKED_CURRENCY, StatementError, parse_statement

BAD_FILE = 2
DIFFERENCES = 1


def _money(kop: int | None, currency: str = BOOKED_CURRENCY) -> str:
    if kop is None:
        return "—"
    return format_rub(kop) if currency == BOOKED_CURRENCY else f"{kop_to_rub(kop)} {currency}"


def table(outcome: Outcome) -> list[str]:
    """The differences, one line each, under a header; empty when the day reconciles."""
    header = [
        _("Difference"),
        _("Line"),
        _("Movement"),
        _("Event"),
        _("Reference"),
        _("Provider"),
        _("Booked"),
        _("Booked on"),
    ]
    rows = [
        [
            str(DifferenceKind(d.kind).label),
            str(d.line or ""),
            str(MovementKind(d.movement).label),
            d.event_id,
            d.reference,
            _money(d.provider_amount_kop)
            + (f" {d.provider_currency}" if d.provider_currency else ""),
            _money(d.booked_amount_kop),
            d.booked_on.isoformat() if d.booked_on else "",
        ]
        for d in outcome.differences
    ]
    if not rows:
        return []
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


class Command(BaseCommand):
    help = (
        "Compare a payment provider's settlement report (CSV, the form sandbox_statement "
        "writes; amounts may also be roubles in a column `amount`) with what is booked for "
        "its day: missing on our side, missing on theirs, amount or currency mismatch, booked "
        "on another date, duplicates. Prints the differences and keeps the run for the admin. "
        "Exit 0: the day reconciles; 1: differences; 2: the file is refused (nothing kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--statement", required=True, help="the provider's CSV report")
        parser.add_argument("--provider", type=_provider, default=SANDBOX)

    def handle(self, *args, statement: str, provider: str, **options):
        path = Path(statement)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("cannot read %(file)s: %(reason)s") % {"file": path.name, "reason": exc.strerror},
                returncode=BAD_FILE,
            ) from None
        try:
            parsed = parse_statement(data)
        except StatementError as exc:
            raise CommandError(
                _("%(file)s refused, nothing reconciled: %(error)s")
                % {"file": path.name, "error": exc},
                returncode=BAD_FILE,
            ) from None
        outcome = reconcile(statement=parsed, provider=provider)
        run = reconciliation_record(outcome=outcome, file_name=path.name)
        for line in table(outcome):
            self.stdout.write(line)
        summary = _(
            "%(provider)s, %(day)s: %(rows)d rows, %(matched)d matched, %(differences)d "
            "differences (reconciliation #%(run)d)"
        ) % {
            "provider": provider,
            "day": outcome.on.isoformat(),
            "rows": outcome.rows,
            "matched": outcome.matched,
            "differences": len(outcome.differences),
            "run": run.pk,
        }
        if not outcome.reconciled:
            raise CommandError(summary, returncode=DIFFERENCES)
        self.stdout.write(summary)
