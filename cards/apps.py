from django.apps import AppConfig


class CardsConfig(AppConfig):
    """The virtual card, a floor above the loan core: it plugs its parts into the core's COB,
    payouts, ledger proof and 545-FZ count here, since the core does not know it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cards"
    verbose_name = "Cards"

    def ready(self) -> None:
        from cards import cob, ledger, terms, transfers
        from loans import high_psk, payouts
        from loans.cob import register_step
        from loans.ledger import register_book, register_ledger_check

        register_step("credit_lines", cob.step_credit_lines)
        payouts.register_kind(transfers.TRANSFER_KIND)
        register_ledger_check(ledger.credit_lines_check)
        register_book(ledger.credit_lines_counted)
        high_psk.register_contracts(terms.HIGH_PSK_CARDS)
