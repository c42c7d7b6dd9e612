"""The virtual card: some loyal borrowers take one and use it (purchases, transfers, payments).

The cards draw from their own random stream, so that the loans are the same with or without.
"""

from datetime import timedelta

from cards import services as credit_lines
from cards import tasks as card_tasks
from cards.models import CreditLine, DrawKind
from demo.numbers import round_down
from demo.people import Persona
from kernel.errors import DomainError
from loans.models import Borrower, PayoutMethod


class CardsMixin:
    """Opens a card after a borrower's third good loan (a chance of it), then uses it."""

    def _maybe_open_card(self, p: Persona, borrower_id: int) -> None:
        rng = self.card_rng
        if rng.random() > 0.35:
            return
        line = credit_lines.credit_line_open(
            borrower=Borrower.objects.get(pk=borrower_id),
            limit_kop=rng.choice((15_000, 20_000, 30_000)) * 100,
            daily_rate_ppm=5_000,
        )
        self.cards[borrower_id] = line.pk
        self.report.cards += 1
        self.push_day(self.day + timedelta(days=rng.randint(0, 3)), self.ev_card_use, p, line.pk)

    def ev_card_use(self, p: Persona, line_id: int) -> None:
        """A purchase or a transfer now and then, and a payment when the debt grows."""
        rng = self.card_rng
        line = CreditLine.objects.get(pk=line_id)
        try:
            if line.debt_kop and (line.overdue_kop or rng.random() < 0.45):
                share = 1.0 if rng.random() < 0.4 else rng.uniform(0.2, 0.6)
                wanted = max(line.overdue_kop, round_down(line.debt_kop * share, 100), 100)
                credit_lines.credit_line_repay(
                    credit_line=line,
                    amount_kop=min(wanted, line.debt_kop),
                    provider="demo",
                    event_id=f"card-{next(self.event_ids)}",
                )
            elif line.available_kop >= 50_000:
                purchase = rng.random() < 0.7
                rub = round_down(rng.uniform(500, min(8_000, line.available_kop / 100)), 1)
                draw = credit_lines.credit_line_draw(
                    credit_line=line,
                    kind=DrawKind.PURCHASE if purchase else DrawKind.TRANSFER,
                    amount_kop=rub * 100,
                    idempotency_key=f"demo-draw-{line.pk}-{next(self.event_ids)}",
                    merchant=rng.choice(("Пятёрочка", "Ozon", "Аптека", "РЖД")) if purchase else "",
                    payout_reference="" if purchase else "own account",
                    payout_method="" if purchase else PayoutMethod.BANK_ACCOUNT,
                    payout_destination=None if purchase else {"account": p.account, "bik": p.bik},
                )
                if not purchase:
                    # As for loans' payouts: the task may be held back with the commit.
                    card_tasks.send_card_transfer(draw.transfer.pk)
                self.report.card_draws += 1
        except DomainError as exc:
            self.report.refused[exc.code] += 1
        self.push_day(self.day + timedelta(days=rng.randint(2, 12)), self.ev_card_use, p, line_id)
