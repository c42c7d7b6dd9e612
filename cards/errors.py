"""The card's refusals: each names the rule it enforces."""

from loans.errors import Conflict, LimitExceeded, TransitionNotAllowed


class CreditLimitExceeded(LimitExceeded):
    """A draw above what the credit line has available: nothing was drawn."""

    code = "credit_limit_exceeded"


class CreditLineFrozen(TransitionNotAllowed):
    code = "credit_line_frozen"


class CreditLineClosed(TransitionNotAllowed):
    code = "credit_line_closed"


class CreditLineOverdue(TransitionNotAllowed):
    """A minimum payment is past due: no draws until it is paid."""

    code = "credit_line_overdue"


class CreditLineExists(Conflict):
    code = "credit_line_exists"
