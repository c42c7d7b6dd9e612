from collection.models.cases import (
    OPEN_CASE,
    Bucket,
    CaseStage,
    ClosingReason,
    CollectionCase,
    NextAction,
    Strategy,
)
from collection.models.contacts import (
    BanKind,
    Channel,
    ContactAttempt,
    ContactBan,
    Outcome,
    RefusedContact,
    ThirdPartyConsent,
)
from collection.models.promises import PromiseStatus, PromiseToPay
from collection.models.reminders import CollectionDay, PreCollectionReminder, ReminderStatus
from collection.models.rules import ContactRule
from collection.models.state_fee import StateFeeBracket

__all__ = [
    "OPEN_CASE",
    "BanKind",
    "Bucket",
    "CaseStage",
    "Channel",
    "ClosingReason",
    "CollectionCase",
    "CollectionDay",
    "ContactAttempt",
    "ContactBan",
    "ContactRule",
    "NextAction",
    "Outcome",
    "PreCollectionReminder",
    "PromiseStatus",
    "PromiseToPay",
    "RefusedContact",
    "ReminderStatus",
    "StateFeeBracket",
    "Strategy",
    "ThirdPartyConsent",
]
