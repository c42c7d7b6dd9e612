"""Refusals of underwriting actions; the pages show their message as it is."""

from kernel.errors import DomainError


class ReviewRefused(DomainError):
    """The action breaks a rule (a limit, a missing reason): nothing was changed."""

    code = "review_refused"


class ReviewConflict(DomainError):
    """Someone else got there first (holds it, decided it) or the application moved on."""

    code = "review_conflict"
