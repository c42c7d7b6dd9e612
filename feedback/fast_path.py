"""The 2-minute path: an application made from a personal offer is approved without a
person when nothing has changed for the worse since the offer was made."""

from feedback.models import OfferStatus, PersonalOffer
from loans.models import Loan, LoanStatus, TransitionLog


def fast_path_obstacles(*, offer: PersonalOffer, loan: Loan, self_ban: bool) -> list[str]:
    """What changed for the worse since the offer; empty when the fast path is open."""
    obstacles = []
    if self_ban:
        obstacles.append("a credit bureau reports a self-ban")
    if loan.product_id != offer.product_id:
        obstacles.append("another product than offered")
    if loan.requested_amount_kop > offer.amount_limit_kop:
        obstacles.append("the amount is above the offer's limit")
    borrower_loans = Loan.objects.filter(borrower_id=loan.borrower_id)
    if (
        borrower_loans.filter(status=LoanStatus.OVERDUE).exists()
        or TransitionLog.objects.filter(
            loan__in=borrower_loans, transition="miss_due_date", at__gte=offer.created_at
        ).exists()
    ):
        obstacles.append("a loan went overdue after the offer")
    return obstacles


def accepted_offer(*, loan: Loan) -> PersonalOffer | None:
    """The personal offer this application was made on, if any."""
    return PersonalOffer.objects.filter(loan=loan, status=OfferStatus.ACCEPTED).first()


def fast_path_offer(*, loan: Loan, self_ban: bool) -> PersonalOffer | None:
    """The accepted offer behind this application when the fast path is open for it."""
    offer = accepted_offer(loan=loan)
    if offer is None or fast_path_obstacles(offer=offer, loan=loan, self_ban=self_ban):
        return None
    return offer
