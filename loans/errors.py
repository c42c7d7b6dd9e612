"""Domain errors: every refusal names the rule it enforces."""

from kernel.errors import DomainError


class InvalidAmount(DomainError):
    code = "invalid_amount"


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class Conflict(DomainError):
    """The request clashes with one already made (e.g. a second open request)."""

    code = "conflict"


class CapExceeded(DomainError):
    code = "cap_exceeded"


class LimitExceeded(DomainError):
    code = "limit_exceeded"


class BureauCheckRequired(Conflict):
    """The bureaus' answer about the borrower is missing or too old to sign on."""

    code = "bureau_check_required"


class BureausUnavailable(Conflict):
    """The credit bureaus did not answer: signing waits, it never goes unchecked."""

    code = "bureaus_unavailable"


class InvalidPaymentDetails(DomainError):
    code = "invalid_payment_details"
