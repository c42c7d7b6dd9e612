"""Refusals of collection actions: nothing was changed (a refused contact is only audited)."""

from kernel.errors import DomainError


class CaseRefused(DomainError):
    code = "collection_refused"


class ContactRefused(DomainError):
    """The contact rules forbid it now; `next_allowed_at` says when (None: not foreseeable)."""

    code = "contact_refused"

    def __init__(self, message: str, *, code: str, next_allowed_at=None):
        super().__init__(message, code=code)
        self.next_allowed_at = next_allowed_at
