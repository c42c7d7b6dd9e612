"""Contacts with debtors under 230-FZ: every attempt, every refusal, and what forbids them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from collection.models.cases import CollectionCase
from loans.models import Borrower


class Channel(models.TextChoices):
    CALL = "call", _("Outgoing call by a person")
    ROBOT_CALL = "robot_call", _("Robot call")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Personal visit")
    INCOMING_CALL = "incoming_call", _("Incoming call")


CALLS = (Channel.CALL, Channel.ROBOT_CALL)
MESSAGES = (Channel.SMS, Channel.MESSENGER)
# Channels the hand-over to legal freezes: the lawyers write letters and go to court.
SOFT_CHANNELS = (*CALLS, *MESSAGES, Channel.EMAIL, Channel.VISIT)


class Outcome(models.TextChoices):
    PROMISE = "promise", _("Reached: promise to pay")
    REFUSED = "refused", _("Reached: refused to pay")
    DISPUTE = "dispute", _("Reached: disputes the debt")
    THIRD_PARTY = "third_party", _("A third party answered")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NO_ANSWER = "no_answer", _("No answer")
    SENT = "sent", _("Sent")


# Calls that reached nobody: no interaction took place (ContactRule.count_unanswered_calls).
UNANSWERED = (Outcome.WRONG_NUMBER, Outcome.NO_ANSWER)


class ContactAttempt(models.Model):
    """One interaction (or try) with a debtor, as the collector or the system recorded it."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        CollectionCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    at = models.DateTimeField()
    local_at = models.CharField(
        max_length=40, help_text=_("The debtor's local time, with its time zone")
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    third_party = models.ForeignKey(
        "ThirdPartyConsent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["borrower", "channel", "at"], name="contact_counter")]

    def __str__(self) -> str:
        return f"{self.channel} {self.at:%Y-%m-%d %H:%M} ({self.outcome})"


class RefusedContact(models.Model):
    """The audit of a contact the policy refused: nothing else was recorded for it."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        CollectionCase, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    at = models.DateTimeField()
    reason_code = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"refused {self.channel} {self.at:%Y-%m-%d %H:%M}: {self.reason_code}"


class BanKind(models.TextChoices):
    BANKRUPTCY = "bankruptcy", _("Bankruptcy or debt restructuring application accepted")
    INCAPACITY = "incapacity", _("Incapacitated")
    HOSPITAL = "hospital", _("In hospital")
    DISABILITY = "disability", _("Disabled, group I")
    MINOR = "minor", _("A minor")
    LAWYER_ONLY = "lawyer_only", _("A lawyer appointed as the only channel")
    REFUSAL = "refusal", _("Refused interaction")


# The debtor's own choices, valid only once the loan is this many days overdue (ContactRule).
AFTER_FOUR_MONTHS = (BanKind.LAWYER_ONLY, BanKind.REFUSAL)


class ContactBan(models.Model):
    """A fact that forbids contacting the debtor, from a document the lender holds."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=BanKind.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text=_("Empty: until lifted"))
    document = models.CharField(
        max_length=200, help_text=_("What the lender holds: notary letter, court ruling, …")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.valid_from.isoformat()}"


class ThirdPartyConsent(models.Model):
    """The debtor's written consent to contact a relative or employer, until they object."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="+")
    person = models.CharField(max_length=200)
    relation = models.CharField(max_length=60)
    phone = models.CharField(max_length=16, blank=True)
    signed_on = models.DateField()
    document = models.CharField(max_length=200)
    objected_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"Consent #{self.pk} ({self.relation})"
