"""The card's credit history (218-FZ): every event of the card's life reaches each sandbox
bureau once, carrying the borrower, the card's УИд, its amounts, dates, status and days past
due; a missed minimum payment and its days past due come from COB as a loan's do.

The line of `test_card_penalties`: 10 000 ₽ drawn on 2 November 2026, the minimum of 2 900 ₽
due on 22 December 2026 and left unpaid.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cards import services as cl
from loans import bureau_outbox
from loans.bureau_sending import SandboxReportingBureau, send_due
from loans.models import BureauEvent, BureauSubmission, SubmissionStatus
from tests.cards.test_card_penalties import DUE, MINIMUM, overdue  # noqa: F401 (fixture)
from tests.cards.test_credit_lines import buy, fresh, open_line, pay
from tests.loans.helpers import open_day

pytestmark = pytest.mark.django_db
BUREAUS = ["nbki", "okb", "scoring_bureau"]


@pytest.fixture(autouse=True)
def _no_faults():
    SandboxReportingBureau.faults = {}
    yield
    SandboxReportingBureau.faults = {}


def events(line, kind: str | None = None):
    rows = BureauEvent.objects.filter(credit_line_id=line.pk).order_by("pk")
    return rows.filter(kind=kind) if kind else rows


def kinds(line) -> list[str]:
    return list(events(line).values_list("kind", flat=True))


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def test_a_cards_life_is_reported_in_order(business_date):
    line = open_line()
    buy(line, 100_000)
    cl.credit_line_change_limit(credit_line=line, new_limit_kop=2_000_000, reason="review")
    cl.credit_line_freeze(credit_line=fresh(line))
    cl.credit_line_unfreeze(credit_line=fresh(line))
    pay(fresh(line), 100_000)
    cl.credit_line_close(credit_line=fresh(line))

    assert kinds(line) == [
        "signed",
        "issued",
        "limit_changed",
        "frozen",
        "unfrozen",
        "payment",
        "closed",
    ]


def test_each_card_event_reaches_each_bureau_once_and_is_acknowledged(business_date):
    line = open_line()
    buy(line, 100_000)
    pay(fresh(line), 50_000)

    first = send_due(now=later())
    again = send_due(now=later())

    submissions = BureauSubmission.objects.filter(event__credit_line_id=line.pk)
    assert first["acknowledged"] == submissions.count() == 3 * 3
    assert again["acknowledged"] == 0
    for event in events(line):
        assert sorted(event.submissions.values_list("bureau", flat=True)) == sorted(BUREAUS)
    assert set(submissions.values_list("status", flat=True)) == {SubmissionStatus.ACKNOWLEDGED}


def test_a_card_event_carries_the_borrower_the_uid_and_the_cards_state(business_date):
    line = open_line()
    buy(line, 100_000)

    pay(fresh(line), 40_000)

    payload = events(line, "payment").get().payload
    borrower = line.borrower
    assert payload["subject"]["passport"] == borrower.passport_series + borrower.passport_number
    assert payload["subject"]["birth_date"] == borrower.birth_date.isoformat()
    assert payload["credit_uid"] == line.credit_uid != ""
    assert (payload["contract"], payload["credit_line_id"], payload["status"]) == (
        "card",
        line.pk,
        "open",
    )
    assert (payload["payment_kop"], payload["debt_kop"], payload["limit_kop"]) == (
        40_000,
        60_000,
        3_000_000,
    )
    assert (payload["occurred_on"], payload["opened_on"]) == ("2026-11-02", "2026-11-02")
    assert (payload["overdue_kop"], payload["days_past_due"]) == (0, 0)


def test_a_draw_is_reported_as_money_issued_with_its_amount(business_date):
    line = open_line()

    buy(line, 250_000)

    payload = events(line, "issued").get().payload
    assert (payload["draw_kop"], payload["draw_kind"], payload["debt_kop"]) == (
        250_000,
        "purchase",
        250_000,
    )


def test_a_limit_change_is_reported_with_the_old_and_new_limit(business_date):
    line = open_line()

    cl.credit_line_change_limit(credit_line=line, new_limit_kop=1_000_000, reason="risk")

    payload = events(line, "limit_changed").get().payload
    assert (payload["old_limit_kop"], payload["new_limit_kop"], payload["limit_kop"]) == (
        3_000_000,
        1_000_000,
        1_000_000,
    )


def test_a_missed_minimum_payment_is_reported_by_cob_with_day_one(overdue):  # noqa: F811
    payload = events(overdue, "missed_payment").get().payload

    assert (payload["occurred_on"], payload["overdue_kop"], payload["days_past_due"]) == (
        DUE.isoformat(),
        MINIMUM,
        1,
    )
    assert (payload["status"], payload["overdue_since"]) == ("frozen", DUE.isoformat())
    assert events(overdue, "missed_payment").get().submissions.count() == 3


def test_the_freeze_a_missed_payment_brings_is_reported_once(overdue):  # noqa: F811
    open_day(DUE + dt.timedelta(days=35))  # the minimum due 22 January is missed too

    assert events(overdue, "missed_payment").count() == 2
    (frozen,) = events(overdue, "frozen")
    assert frozen.occurred_on == DUE and frozen.payload["status"] == "frozen"


def test_paying_the_arrears_reports_the_payment_and_the_unfreeze(overdue):  # noqa: F811
    pay(overdue, MINIMUM)

    assert kinds(overdue)[-2:] == ["payment", "unfrozen"]
    payload = events(overdue, "unfrozen").get().payload
    assert (payload["status"], payload["overdue_kop"], payload["days_past_due"]) == ("open", 0, 0)


def test_days_past_due_are_reported_only_when_they_cross_a_mark(overdue):  # noqa: F811
    open_day(DUE + dt.timedelta(days=35))  # COB closed 23 December – 26 January: 35 days

    assert fresh(overdue).days_past_due == 35
    (dpd,) = events(overdue, "dpd_change")
    assert (dpd.occurred_on, dpd.payload["days_past_due"]) == (DUE + dt.timedelta(days=29), 30)
    assert dpd.submissions.count() == 3


def test_no_days_past_due_event_while_the_figure_is_between_marks(overdue):  # noqa: F811
    open_day(DUE + dt.timedelta(days=29))  # 29 days past due

    assert not events(overdue, "dpd_change").exists()


def test_a_rejected_card_event_can_be_corrected_and_is_then_acknowledged(business_date):
    line = open_line()
    buy(line, 100_000)
    SandboxReportingBureau.faults = {"nbki": "reject:issued"}
    send_due(now=later())
    rejected = BureauSubmission.objects.get(status=SubmissionStatus.REJECTED)
    assert rejected.event.credit_line_id == line.pk
    SandboxReportingBureau.faults = {}

    correction = bureau_outbox.event_correct(event=rejected.event)
    send_due(now=later())

    assert (correction.kind, correction.credit_line_id, correction.corrects_id) == (
        "correction",
        line.pk,
        rejected.event_id,
    )
    assert correction.payload["credit_uid"] == line.credit_uid
    assert BureauSubmission.objects.get(pk=rejected.pk).status == SubmissionStatus.SUPERSEDED
    assert set(correction.submissions.values_list("status", flat=True)) == {"acknowledged"}


def test_a_card_event_without_its_days_past_due_is_rejected_by_the_sandbox(business_date):
    line = open_line()
    event = events(line, "signed").get()
    del event.payload["days_past_due"]
    event.save(update_fields=["payload"])

    send_due(now=later())

    reasons = set(event.submissions.values_list("reason", flat=True))
    assert all("days_past_due" in reason for reason in reasons) and len(reasons) == 3
