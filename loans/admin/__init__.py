"""Django admin for the loan core, one module per topic.

The admin stays thin: a loan is never edited through a form. Its transitions are admin actions
that call `loans.services` (each refusal is reported per loan, never a 500), balances are
written only by the services and close-of-business, and ledger rows are read-only. Money is
shown in roubles.
"""

# Each module registers its models with the admin site when imported.
from loans.admin import (  # noqa: F401
    borrowers,
    bureau,
    calendar,
    documents,
    ledger,
    loans,
    records,
    reference,
)
