"""Delivering the credit-history outbox: one reporting client per bureau, retries with
backoff, and the bureau's acknowledgement or rejection (with its reason) kept per event.

The qualified bureaus (НБКИ, ОКБ, Скоринг Бюро) each take their own format; each sits behind
`ReportingBureau` (`BUREAU_REPORTING_CLIENTS` names the class per bureau). The sandboxes here
answer deterministically: an event without what the bureau needs (the borrower's passport and
birth date; for a contract event its УИд, status, debt and days past due) is rejected with the
reason, everything else is acknowledged; `SandboxReportingBureau.faults` makes one bureau time
out ("down"), answer nonsense ("malformed") or reject one kind of event ("reject:<kind>",
"reject:*" for all) for tests and the demo.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from loans.models import BureauEventKind, BureauSubmission, SubmissionStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 60  # 1, 2, 4, 8, 16 minutes between attempts
BATCH = 500
# Events about a contract: they must carry its УИд.
CONTRACT_EVENTS = {k.value for k in BureauEventKind} - {
    BureauEventKind.APPLICATION,
    BureauEventKind.REFUSED,
    BureauEventKind.APPROVED,
    BureauEventKind.NOT_TAKEN,
}

# What a contract event tells of the contract's state, a loan's or a card's.
CONTRACT_FACTS = ("contract", "status", "debt_kop", "days_past_due")


@dataclass(frozen=True)
class Answer:
    accepted: bool
    reason: str = ""
    receipt: str = ""


class ReportingBureau(Protocol):
    name: str

    def submit(self, *, payload: dict) -> Answer: ...


class SandboxReportingBureau:
    name = "sandbox"
    faults: ClassVar[dict[str, str]] = {}

    def format(self, payload: dict) -> dict:
        return payload

    def missing(self, payload: dict) -> list[str]:
        subject = payload.get("subject") or {}
        missing = [f"subject.{f}" for f in ("passport", "birth_date") if not subject.get(f)]
        kind = payload.get("event")
        if kind in (BureauEventKind.CORRECTION, BureauEventKind.CANCELLATION):
            kind = payload.get("corrected_kind", kind)  # about an application or a contract
        if kind in CONTRACT_EVENTS:
            if not payload.get("credit_uid"):
                missing.append("credit_uid")
            missing += [f for f in CONTRACT_FACTS if payload.get(f) in (None, "")]
        return missing

    def submit(self, *, payload: dict) -> Answer:
        fault = self.faults.get(self.name, "")
        if fault == "down":
            raise TimeoutError(f"{self.name} did not answer in time")
        if fault == "malformed":
            return {"status": "???"}  # type: ignore[return-value]  # what a broken bureau sends
        if fault.startswith("reject:") and fault[7:] in ("*", payload.get("event")):
            return Answer(False, f"{self.name}: the bureau refused events of this kind now")
        missing = self.missing(payload)
        if missing:
            return Answer(False, f"{self.name}: required fields missing: {', '.join(missing)}")
        body = repr(sorted(self.format(payload).items())).encode()
        return Answer(True, receipt=f"{self.name}-{hashlib.sha256(body).hexdigest()[:16]}")


class NbkiSandbox(SandboxReportingBureau):
    """НБКИ takes its segments (a flat record keyed by segment names here)."""

    name = "nbki"

    def format(self, payload: dict) -> dict:
        subject = payload.get("subject") or {}
        return {
            "ID": subject.get("passport"),
            "NA01": subject.get("full_name"),
            "BS01": payload.get("birth_date") or subject.get("birth_date"),
            "UID": payload.get("credit_uid"),
            "TR01": payload.get("event"),
            "TR02": payload.get("occurred_on"),
            "AMT": payload.get("principal_kop", payload.get("limit_kop")),
            "DPD": payload.get("days_past_due"),
        }


class OkbSandbox(SandboxReportingBureau):
    name = "okb"

    def format(self, payload: dict) -> dict:
        return {"deal": payload.get("credit_uid"), "person": payload.get("subject"), **payload}


class ScoringBureauSandbox(SandboxReportingBureau):
    """Скоринг Бюро (formerly Эквифакс)."""

    name = "scoring_bureau"

    def format(self, payload: dict) -> dict:
        return {"contract_uid": payload.get("credit_uid"), "event": payload}


DEFAULT_CLIENTS = {
    "nbki": "loans.bureau_sending.NbkiSandbox",
    "okb": "loans.bureau_sending.OkbSandbox",
    "scoring_bureau": "loans.bureau_sending.ScoringBureauSandbox",
}


def client_for(bureau: str) -> ReportingBureau:
    paths = {**DEFAULT_CLIENTS, **getattr(settings, "BUREAU_REPORTING_CLIENTS", {})}
    return import_string(paths[bureau])()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))


def due_submissions(now: datetime):
    return BureauSubmission.objects.filter(status=SubmissionStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def send_due(*, now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send what is due, each submission in its own short transaction; returns counts."""
    now = now or timezone.now()
    counts = {"acknowledged": 0, "rejected": 0, "retry": 0, "failed": 0}
    ids = list(due_submissions(now).order_by("deadline", "pk").values_list("pk", flat=True)[:limit])
    for pk in ids:
        outcome = _send_one(pk=pk, now=now)
        if outcome:
            counts[outcome] += 1
    return counts


@transaction.atomic
def _send_one(*, pk: int, now: datetime) -> str:
    lock = BureauSubmission.objects.select_for_update(skip_locked=True).select_related("event")
    submission = lock.filter(pk=pk, status=SubmissionStatus.PENDING).first()
    if submission is None:  # another worker has it, or it was answered meanwhile
        return ""
    submission.attempts += 1
    try:
        answer = client_for(submission.bureau).submit(payload=submission.event.payload)
        if not isinstance(answer, Answer):
            raise ValueError(f"malformed answer from {submission.bureau}: {answer!r}"[:200])
    except Exception as exc:  # a timeout, a broken answer: retried, then shown to staff
        submission.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if submission.attempts >= MAX_ATTEMPTS:
            submission.status = SubmissionStatus.FAILED
            outcome = "failed"
        else:
            submission.next_attempt_at = now + backoff(submission.attempts)
            outcome = "retry"
        log.warning("bureau submission %s: %s", pk, submission.last_error)
    else:
        submission.answered_at = now
        submission.last_error = ""
        if answer.accepted:
            submission.status, submission.receipt = SubmissionStatus.ACKNOWLEDGED, answer.receipt
            outcome = "acknowledged"
        else:
            submission.status, submission.reason = SubmissionStatus.REJECTED, answer.reason[:300]
            outcome = "rejected"
    submission.save()
    return outcome


@transaction.atomic
def submission_retry(*, submission: BureauSubmission) -> BureauSubmission:
    """Send a failed submission again (staff, after the bureau came back)."""
    if submission.status != SubmissionStatus.FAILED:
        return submission
    submission.status = SubmissionStatus.PENDING
    submission.attempts = 0
    submission.next_attempt_at = None
    submission.save(update_fields=["status", "attempts", "next_attempt_at"])
    return submission
