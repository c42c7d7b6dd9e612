"""django-q2 task functions: thin wrappers around services and the gateway."""

from loans import bureau_sending, messaging, payouts, services


def send_payout(payout_id: int) -> str:
    return payouts.send_by_id(payouts.LOAN_PAYOUT, payout_id)


def poll_pending_payouts() -> int:
    """Ask the gateway about payouts (a loan's or a card transfer's) whose answer was lost;
    each is settled exactly once."""
    return payouts.poll_pending()


def deliver_messages() -> str:
    outcome = messaging.deliver_queued()
    return ", ".join(f"{status} {count}" for status, count in outcome.items())


def release_due_payouts() -> int:
    """Send the payouts whose 115-FZ cooling time after signing has passed."""
    return len(services.payout_release_due())


def send_bureau_reports() -> dict:
    """The credit-history outbox, every minute: what is due goes to each bureau."""
    return bureau_sending.send_due()
