"""The borrower API's own refusals: domain errors with stable codes, raised by its services.
The API maps them to HTTP statuses (clientapi.errors); the borrower reads the wording of the
code, the message is for staff and the log."""

from kernel.errors import DomainError


class ProfileRequired(DomainError):
    code = "profile_required"


class ProfileUnderReview(DomainError):
    """A passport waits for staff to check it."""

    code = "profile_under_review"


class ConsentsRequired(DomainError):
    code = "consents_required"


class InvalidCode(DomainError):
    """The one-time code is wrong, expired, used up or has no attempts left."""

    code = "invalid_code"


class WrongCode(InvalidCode):
    """A guess checked against a live code and found wrong (counted on the code)."""


class Paused(DomainError):
    """Refused for a while: `retry_after` is the seconds to wait."""

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class SigningPaused(Paused):
    """Too many wrong codes: signing the offer waits (no new codes either)."""

    code = "offer_locked"


class SigningCodesLimited(Paused):
    """Too many signing codes sent for the offer or to the phone."""

    code = "sign_codes_limit"


class UnknownProviderReference(DomainError):
    """A provider's event names a payment or a payout that is not ours."""
