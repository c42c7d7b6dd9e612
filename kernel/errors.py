"""The base of every refusal: a request the rules refuse, with a stable code."""


class DomainError(Exception):
    """A request the rules refuse. `code` is stable for clients; `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
