from loans.models.assignment import DebtAssignment
from loans.models.borrowers import Borrower, Region
from loans.models.bureau import (
    BureauEvent,
    BureauEventKind,
    BureauSubmission,
    SubmissionStatus,
)
from loans.models.calendar import BusinessDate, CalendarOverride, CobRun
from loans.models.debt_load import DebtLoad, IncomeRule, PaymentsSource
from loans.models.documents import ContractDocument, DocumentKind, LenderDetails
from loans.models.ledger import Account, JournalEntry, JournalLine, TrialBalance
from loans.models.loan import Loan, LoanStatus, ScheduleItem, TransitionLog
from loans.models.messages import BorrowerMessage, MessageStatus
from loans.models.payments import IncomingPayment, PayoutMethod, PayoutOrder, PayoutStatus
from loans.models.products import PenaltyMode, Product, ProductKind
from loans.models.regulation import MarketAveragePsk, RegulationLimit
from loans.models.restructuring import RestructuringRequest, RestructuringStatus

__all__ = [
    "Account",
    "Borrower",
    "BorrowerMessage",
    "BureauEvent",
    "BureauEventKind",
    "BureauSubmission",
    "BusinessDate",
    "CalendarOverride",
    "CobRun",
    "ContractDocument",
    "DebtAssignment",
    "DebtLoad",
    "DocumentKind",
    "IncomeRule",
    "IncomingPayment",
    "JournalEntry",
    "JournalLine",
    "LenderDetails",
    "Loan",
    "LoanStatus",
    "MarketAveragePsk",
    "MessageStatus",
    "PaymentsSource",
    "PayoutMethod",
    "PayoutOrder",
    "PayoutStatus",
    "PenaltyMode",
    "Product",
    "ProductKind",
    "Region",
    "RegulationLimit",
    "RestructuringRequest",
    "RestructuringStatus",
    "ScheduleItem",
    "SubmissionStatus",
    "TransitionLog",
    "TrialBalance",
]
