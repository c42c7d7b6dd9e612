"""django-q2 task functions of the card: thin wrappers around the payout module."""

from cards.models import TRANSFER_KEY_PREFIX
from loans import payouts


def send_card_transfer(transfer_id: int) -> str:
    return payouts.send_by_id(TRANSFER_KEY_PREFIX, transfer_id)
