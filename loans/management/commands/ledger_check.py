from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from loans.business_date import current_business_date
from loans.ledger import extra_check_findings, loans_out_of_balance, other_books, unbalanced_entries
from loans.models import JournalEntry, Loan
from loans.payouts import confirmed_payouts_without_entry, payouts_in_transit_difference
from loans.trial_balance import daily_proof


class Command(BaseCommand):
    help = (
        "Prove the book: every entry balances, every loan's and credit line's cached "
        "balances equal its ledger, the money in transit is the payouts awaiting the gateway, "
        "every payout the gateway confirmed has its confirmation entry, and the checks the "
        "higher floors register (every payment the provider reported is booked). With --daily, "
        "prove one closed day instead: its entries against the trial balance of the day before."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--daily",
            action="store_true",
            help="prove one day's journal against the trial balance COB stored the day before",
        )
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            help="the day --daily proves (YYYY-MM-DD; default: the last closed business day)",
        )

    def handle(self, *args, **options):
        if options["daily"]:
            if self._daily(options["date"] or current_business_date() - timedelta(days=1)):
                return
        elif options["date"]:
            raise CommandError(_("--date goes with --daily"))
        self._full()

    def _daily(self, on: date) -> bool:
        """The daily proof; False when there is no trial balance to start from (the full
        proof runs instead)."""
        proof = daily_proof(on=on)
        if proof.previous_missing:
            self.stdout.write(
                _(
                    "no trial balance is stored for %(day)s, so %(on)s cannot be proved from it:"
                    " running the full proof instead"
                )
                % {"day": on - timedelta(days=1), "on": on}
            )
            return False
        if proof.findings:
            raise CommandError("; ".join(proof.findings))
        self.stdout.write(
            _(
                "daily ledger ok: the %(entries)s entries of %(on)s balance and move the trial"
                " balance of %(day)s to that of %(on)s, and every loan matches its accounts"
            )
            % {"entries": proof.entries, "on": on, "day": on - timedelta(days=1)}
        )
        return True

    def _full(self) -> None:
        bad_entries = [
            f"{key} (loan {loan_id})" if loan_id else key for key, loan_id in unbalanced_entries()
        ]
        bad_loans = loans_out_of_balance()
        in_transit = payouts_in_transit_difference()
        unconfirmed = confirmed_payouts_without_entry()
        findings = extra_check_findings()
        if bad_entries or bad_loans or in_transit or unconfirmed or findings:
            lines = []
            if bad_entries:
                lines.append("unbalanced entries: " + ", ".join(bad_entries))
            if bad_loans:
                lines.append(
                    "loans whose balances differ from the ledger: " + ", ".join(map(str, bad_loans))
                )
            if in_transit:
                lines.append(
                    f"payouts in transit differ by {in_transit} kop from the payout orders and "
                    "card transfers awaiting the gateway"
                )
            if unconfirmed:
                lines.append(
                    _("payouts the gateway confirmed with no confirmation entry: %(keys)s")
                    % {"keys": ", ".join(unconfirmed)}
                )
            lines += findings
            raise CommandError("; ".join(lines))
        books = " and ".join([f"{Loan.objects.count()} loans", *other_books()])
        self.stdout.write(
            f"ledger ok: {JournalEntry.objects.count()} entries balance, "
            f"{books} match their accounts"
        )
