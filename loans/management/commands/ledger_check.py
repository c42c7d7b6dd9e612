from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from loans.ledger import extra_check_findings, loans_out_of_balance, other_books, unbalanced_entries
from loans.models import JournalEntry, Loan
from loans.payouts import confirmed_payouts_without_entry, payouts_in_transit_difference


class Command(BaseCommand):
    help = (
        "Prove the book: every entry balances, every loan's and credit line's cached "
        "balances equal its ledger, the money in transit is the payouts awaiting the gateway, "
        "every payout the gateway confirmed has its confirmation entry, and the checks the "
        "higher floors register (every payment the provider reported is booked)."
    )

    def handle(self, *args, **options):
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
