import datetime as dt

from django.db.models import QuerySet

from loans.models import Borrower
from loans.services import borrower_record_self_ban
from scoring import services
from scoring.bureau import ask_bureaus
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import clean_bureau

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _score(borrower):
    """Through the scoring service itself: the pipeline adds nothing to what is recorded."""
    loan = applied_loan(borrower=borrower)
    bureau = ask_bureaus(borrower=loan.borrower, as_of=dt.date(2026, 11, 2))
    return services.score_application(loan=loan, bureau=bureau), bureau


def _reasons(borrower) -> list:
    return list(borrower.history.order_by("history_id").values_list("history_change_reason"))


def test_a_self_ban_reported_by_a_bureau_is_recorded_on_the_borrower(business_date):
    borrower = clean_bureau(BorrowerFactory(), self_ban=True)

    result, bureau = _score(borrower)

    borrower.refresh_from_db()
    assert [r["code"] for r in result.reasons] == ["HR_SELF_BAN"]
    assert borrower.self_ban_active is True
    assert borrower.self_ban_checked_at == bureau.received_at
    assert _reasons(borrower)[-1] == ("credit bureaus: self-ban reported",)


def test_a_report_without_a_self_ban_lifts_the_one_on_record(business_date):
    borrower = clean_bureau(BorrowerFactory(self_ban_active=True, self_ban_checked_at=T0))

    _score(borrower)

    borrower.refresh_from_db()
    assert borrower.self_ban_active is False
    assert borrower.self_ban_checked_at > T0


def test_an_older_answer_does_not_overwrite_a_newer_one(db):
    borrower = BorrowerFactory()
    borrower_record_self_ban(borrower=borrower, active=True, checked_at=T0)

    borrower_record_self_ban(borrower=borrower, active=True, checked_at=T0 - dt.timedelta(hours=1))
    borrower_record_self_ban(borrower=borrower, active=False, checked_at=T0 - dt.timedelta(hours=1))

    borrower.refresh_from_db()
    assert (borrower.self_ban_active, borrower.self_ban_checked_at) == (True, T0)


def test_the_history_keeps_the_self_ban_reported_and_lifted_not_every_check(db):
    borrower = BorrowerFactory()
    created = len(_reasons(borrower))

    for minutes, active in ((0, False), (5, False), (10, True), (15, True), (20, False)):
        borrower_record_self_ban(
            borrower=borrower, active=active, checked_at=T0 + dt.timedelta(minutes=minutes)
        )

    borrower.refresh_from_db()
    assert (borrower.self_ban_active, borrower.self_ban_checked_at) == (
        False,
        T0 + dt.timedelta(minutes=20),
    )
    assert _reasons(borrower)[created:] == [
        ("credit bureaus: self-ban reported",),
        ("credit bureaus: self-ban lifted",),
    ]


def test_a_repeated_decision_records_nothing_more(business_date):
    borrower = clean_bureau(BorrowerFactory())
    result, _ = _score(borrower)
    checked_at = Borrower.objects.get(pk=borrower.pk).self_ban_checked_at
    clean_bureau(borrower, self_ban=True)

    again = services.score_application(
        loan=result.loan, bureau=ask_bureaus(borrower=borrower, as_of=business_date)
    )

    borrower.refresh_from_db()
    assert again.pk == result.pk
    assert (borrower.self_ban_active, borrower.self_ban_checked_at) == (False, checked_at)


def test_a_check_that_finds_its_answer_written_meanwhile_adds_no_history(db, monkeypatch):
    borrower = BorrowerFactory()
    borrower_record_self_ban(borrower=borrower, active=True, checked_at=T0)
    reasons = _reasons(borrower)
    # As if another check set the same answer between this one's UPDATE and its lock.
    monkeypatch.setattr(QuerySet, "update", lambda self, **fields: 0)

    borrower_record_self_ban(borrower=borrower, active=True, checked_at=T0 + dt.timedelta(hours=1))

    borrower.refresh_from_db()
    assert borrower.self_ban_checked_at == T0 + dt.timedelta(hours=1)
    assert _reasons(borrower) == reasons
