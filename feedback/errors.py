"""Refusals of feedback actions; the API shows their code and message."""

from loans.errors import Conflict, DomainError


class SurveyAlreadyAnswered(Conflict):
    code = "survey_already_answered"


class OfferNotAvailable(DomainError):
    """Expired, withdrawn or already accepted: nothing was changed."""

    code = "offer_not_available"
