"""Credit-history reporting (218-FZ): every event reaches each sandbox bureau once, with
acknowledgements, rejections and corrections; deadlines in working days (issue 18)."""

import datetime as dt

import pytest
from django.utils import timezone

from cards import services as credit_lines
from loans import bureau_outbox, bureau_sending, services
from loans.bureau_sending import MAX_ATTEMPTS, SandboxReportingBureau, send_due
from loans.models import BureauEvent, BureauSubmission, SubmissionStatus
from tests.factories import BorrowerFactory, applied_loan, bureaus_answered
from tests.loans.helpers import fresh, issued, manage, open_day, repay

pytestmark = pytest.mark.django_db
BUREAUS = ["nbki", "okb", "scoring_bureau"]


@pytest.fixture(autouse=True)
def _no_faults():
    SandboxReportingBureau.faults = {}
    yield
    SandboxReportingBureau.faults = {}


def kinds(loan) -> list[str]:
    return list(BureauEvent.objects.filter(loan=loan).order_by("pk").values_list("kind", flat=True))


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def test_an_application_is_queued_for_every_bureau_with_a_working_day_deadline(business_date):
    loan = applied_loan()

    (event,) = BureauEvent.objects.filter(loan=loan)
    assert event.kind == "application"
    submissions = list(event.submissions.order_by("bureau"))
    assert sorted(s.bureau for s in submissions) == sorted(BUREAUS)
    # Monday 2026-11-02 + 3 working days (Wednesday 11-04 is a holiday): Friday 11-06.
    assert {s.deadline for s in submissions} == {dt.date(2026, 11, 6)}


def test_a_loans_life_is_reported_in_order(business_date):
    loan = issued(on=business_date)
    repay(loan, services.repayment_quote_kop(loan=fresh(loan)))

    assert kinds(loan) == ["application", "approved", "signed", "issued", "payment", "closed"]


def test_every_event_carries_the_contracts_uid_and_the_borrowers_identity(business_date):
    loan = issued(on=business_date)

    signed = BureauEvent.objects.get(loan=loan, kind="signed")
    assert signed.credit_uid == fresh(loan).credit_uid == signed.payload["credit_uid"]
    assert signed.payload["subject"]["passport"] == (
        loan.borrower.passport_series + loan.borrower.passport_number
    )


def test_each_event_reaches_each_bureau_once_and_is_acknowledged(business_date):
    issued(on=business_date)

    first = send_due(now=later())
    again = send_due(now=later())

    assert first["acknowledged"] == BureauSubmission.objects.count() > 0
    assert again == {"acknowledged": 0, "rejected": 0, "retry": 0, "failed": 0}
    assert not BureauSubmission.objects.exclude(status=SubmissionStatus.ACKNOWLEDGED).exists()
    assert BureauSubmission.objects.filter(receipt__startswith="okb-").exists()


def test_a_rejection_is_stored_with_the_bureaus_reason(business_date):
    loan = issued(on=business_date)
    SandboxReportingBureau.faults = {"okb": "reject:signed"}

    send_due(now=later())

    rejected = BureauSubmission.objects.get(status=SubmissionStatus.REJECTED)
    assert (rejected.bureau, rejected.event.kind, rejected.event.loan_id) == (
        "okb",
        "signed",
        loan.pk,
    )
    assert "refused" in rejected.reason


def test_a_correction_is_an_event_of_its_own_and_supersedes_the_rejected_one(business_date):
    issued(on=business_date)
    SandboxReportingBureau.faults = {"okb": "reject:signed"}
    send_due(now=later())
    rejected = BureauSubmission.objects.get(status=SubmissionStatus.REJECTED)
    SandboxReportingBureau.faults = {}

    correction = bureau_outbox.event_correct(event=rejected.event)
    send_due(now=later())

    assert correction.kind == "correction" and correction.corrects_id == rejected.event_id
    assert fresh_submission(rejected).status == SubmissionStatus.SUPERSEDED
    assert set(correction.submissions.values_list("status", flat=True)) == {"acknowledged"}


def test_a_correction_of_an_application_event_needs_no_contract_uid(business_date):
    # A refused application never gets a УИд; its correction must not be refused for one.
    loan = applied_loan()
    SandboxReportingBureau.faults = {"okb": "reject:application"}
    send_due(now=later())
    rejected = BureauSubmission.objects.get(status=SubmissionStatus.REJECTED)
    SandboxReportingBureau.faults = {}
    assert not loan.credit_uid

    correction = bureau_outbox.event_correct(event=rejected.event)
    send_due(now=later())

    assert set(correction.submissions.values_list("status", flat=True)) == {"acknowledged"}


def fresh_submission(submission):
    return BureauSubmission.objects.get(pk=submission.pk)


def test_a_cancellation_is_sent_to_every_bureau(business_date):
    loan = issued(on=business_date)
    event = BureauEvent.objects.get(loan=loan, kind="issued")

    cancellation = bureau_outbox.event_correct(event=event, cancel=True)

    assert cancellation.kind == "cancellation"
    assert sorted(cancellation.submissions.values_list("bureau", flat=True)) == sorted(BUREAUS)


def test_a_bureau_that_times_out_is_retried_with_backoff(business_date):
    applied_loan()
    SandboxReportingBureau.faults = {"nbki": "down"}
    now = later()

    counts = send_due(now=now)

    waiting = BureauSubmission.objects.get(bureau="nbki")
    assert counts["retry"] == 1 and waiting.status == SubmissionStatus.PENDING
    assert waiting.attempts == 1 and waiting.next_attempt_at == now + dt.timedelta(minutes=1)
    assert "TimeoutError" in waiting.last_error
    assert send_due(now=now)["retry"] == 0  # not before its next attempt


def test_after_the_last_retry_a_submission_fails_and_can_be_resent(business_date):
    applied_loan()
    SandboxReportingBureau.faults = {"nbki": "down"}
    moment = later()
    for _ in range(MAX_ATTEMPTS):
        send_due(now=moment)
        moment += dt.timedelta(days=1)
    failed = BureauSubmission.objects.get(bureau="nbki")
    assert failed.status == SubmissionStatus.FAILED
    SandboxReportingBureau.faults = {}

    bureau_sending.submission_retry(submission=failed)
    send_due(now=moment)

    assert fresh_submission(failed).status == SubmissionStatus.ACKNOWLEDGED


def test_a_malformed_answer_is_retried_not_lost(business_date):
    applied_loan()
    SandboxReportingBureau.faults = {"okb": "malformed"}

    send_due(now=later())

    waiting = BureauSubmission.objects.get(bureau="okb")
    assert waiting.status == SubmissionStatus.PENDING and "malformed" in waiting.last_error


def test_cob_reports_a_missed_payment_and_the_days_past_due_as_they_cross_a_mark(business_date):
    loan = issued(on=business_date)  # due Wednesday 2026-12-02

    open_day(dt.date(2027, 1, 2))  # 31 days past due on 2027-01-01

    assert kinds(loan).count("missed_payment") == 1
    dpd = BureauEvent.objects.get(loan=loan, kind="dpd_change")
    assert dpd.payload["days_past_due"] == 30
    assert dpd.submissions.count() == 3


def test_prolongation_restructuring_and_write_off_are_reported(business_date):
    loan = issued(on=business_date)
    open_day(dt.date(2026, 12, 6))
    services.loan_restructure(loan=fresh(loan), periods=2, period_days=14)
    open_day(dt.date(2027, 1, 30))
    services.loan_write_off(loan=fresh(loan), reason="sold")

    assert {"restructuring", "written_off"} <= set(kinds(loan))


def test_the_card_is_reported_with_its_own_uid(business_date):
    borrower = BorrowerFactory()
    bureaus_answered(borrower)
    line = credit_lines.credit_line_open(
        borrower=borrower, limit_kop=3_000_000, daily_rate_ppm=5_000
    )

    event = BureauEvent.objects.get(credit_line=line)
    assert event.kind == "signed" and event.credit_uid == line.credit_uid != ""


def test_the_status_command_exits_non_zero_when_an_event_is_late(business_date, capsys):
    applied_loan()
    open_day(dt.date(2026, 11, 9))  # the deadline was Friday 11-06

    assert manage("bureau_report", "--status") != 0
    assert "nbki: late 1" in capsys.readouterr().out


def test_the_status_command_exits_zero_when_everything_is_acknowledged(business_date):
    applied_loan()
    assert manage("bureau_report", "--send", "--status") == 0


def test_the_staff_page_lists_late_events_by_bureau(client, business_date):
    from django.contrib.auth.models import User

    from tests.underwriting.conftest import staff

    applied_loan()
    open_day(dt.date(2026, 11, 9))
    client.force_login(staff("risk1", "risk_manager"))
    body = client.get("/bureaus/").content.decode()
    assert 'id="bureau-okb"' in body and 'class="late"' in body
    assert User.objects.filter(username="risk1").exists()
