import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from loans.business_date import current_business_date
from loans.models import (
    Borrower,
    CobRun,
    IncomingPayment,
    JournalEntry,
    Loan,
    LoanStatus,
    PayoutOrder,
    PayoutStatus,
    Product,
    TransitionLog,
)
from loans.payment_details import validate_bank_account
from zaymer.management.commands.setup_schedules import SCHEDULES

PASSWORD = "demo-secret-4321"
REQUIRED = {"serviced", "overdue", "closed", "in_review", "approved", "rejected", "cancelled"}


@pytest.fixture(autouse=True)
def _in_the_afternoon(monkeypatch):
    """The demo squeezes its last day into the hours of today already past; just after
    midnight there are none (no application waits in the queue yet), so these tests run as if
    it were 15:00 in Moscow today, the clock moving on from there."""
    moscow = ZoneInfo("Europe/Moscow")
    afternoon = dt.datetime.combine(dt.datetime.now(moscow).date(), dt.time(15), tzinfo=moscow)
    offset = afternoon - dt.datetime.now(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime.now(dt.UTC) + offset)


@pytest.fixture
def password_file(settings, tmp_path):
    settings.DEMO_PASSWORD_FILE = tmp_path / ".demo-password"
    return settings.DEMO_PASSWORD_FILE


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (User, Product, Borrower, Loan, JournalEntry, IncomingPayment, CobRun)
    }


def test_seed_demo_end_to_end(db, password_file):
    """One seeding (it takes a while: 120 business days) checked from every side."""
    output = run("seed_demo", borrowers=25, days=120, password=PASSWORD)
    check_accounts_and_products(password_file)
    check_every_state(output)
    check_history_is_spread_over_the_past()
    check_borrowers_and_payouts_look_real()
    check_the_bureaus_were_reported_to()
    assert "ledger ok" in run("ledger_check")
    check_once_changes_nothing(password_file)
    check_second_run_duplicates_nothing_and_can_reset_the_password(password_file)


def check_accounts_and_products(password_file):
    for username, group in [
        ("admin", "administrator"),
        ("risk", "risk_manager"),
        ("underwriter", "underwriter"),
        ("collector", "collector"),
    ]:
        user = User.objects.get(username=username)
        assert user.is_active
        # Underwriters and collectors work in their own pages; the admin site is not theirs.
        assert user.is_staff == (username in ("admin", "risk"))
        assert user.check_password(PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.is_superuser == (username == "admin")
    assert password_file.read_text().strip() == PASSWORD
    assert set(Product.objects.values_list("code", flat=True)) >= {"pdl30", "pdl30plus", "il168"}
    output = run("demo_accounts")
    assert "Sign in at http://127.0.0.1:8000/" in output
    for username in ("admin", "risk", "underwriter", "collector"):
        assert username in output
    assert PASSWORD in output


def check_every_state(output):
    statuses = set(Loan.objects.values_list("status", flat=True))
    assert statuses >= REQUIRED, statuses
    assert not statuses & {"applied", "scored", "disbursed"}
    assert current_business_date() == timezone.localdate()
    assert Loan.objects.count() >= 30
    assert "Loans per status" in output and "virtual cards" in output
    for status in REQUIRED:
        assert f"{status} " in output


def check_history_is_spread_over_the_past():
    first = Loan.objects.order_by("applied_at").first()
    assert (timezone.localdate() - first.applied_at.date()).days >= 100
    assert CobRun.objects.count() == 120
    signed = Loan.objects.filter(signed_on__isnull=False)
    assert signed.filter(signed_on__lt=timezone.localdate() - dt.timedelta(days=90)).exists()
    in_review = Loan.objects.filter(status=LoanStatus.IN_REVIEW)
    assert all(timezone.now() - loan.applied_at < dt.timedelta(hours=24) for loan in in_review)
    assert TransitionLog.objects.filter(actor__username="underwriter").exists()


def check_borrowers_and_payouts_look_real():
    for borrower in Borrower.objects.select_related("region"):
        borrower.full_clean()
        assert borrower.phone.startswith("+79") and len(borrower.phone) == 12
        assert borrower.time_zone == borrower.region.time_zone
        assert len(borrower.full_name.split()) == 3
    for payout in PayoutOrder.objects.all():
        if payout.method == "card":
            assert payout.card_token.startswith("tok_") and len(payout.card_last4) == 4
        else:
            validate_bank_account(account=payout.account_number, bik=payout.bik)
    assert PayoutOrder.objects.filter(status=PayoutStatus.SUCCEEDED).exists()
    assert not PayoutOrder.objects.filter(status__in=[PayoutStatus.SENT, PayoutStatus.PENDING])
    assert not OrmQ.objects.exists()  # nothing left queued for a worker


def check_the_bureaus_were_reported_to():
    from loans.models import BureauEvent, BureauSubmission

    statuses = set(BureauSubmission.objects.values_list("status", flat=True))
    assert {"acknowledged", "rejected", "superseded"} <= statuses, statuses
    assert BureauEvent.objects.filter(kind="correction").exists()
    assert BureauEvent.objects.filter(kind="issued").exists()
    cards = BureauSubmission.objects.filter(event__credit_line__isnull=False)
    assert {"acknowledged", "rejected"} <= set(cards.values_list("status", flat=True))


def check_once_changes_nothing(password_file):
    before = snapshot()
    output = run("seed_demo", "--once", borrowers=25)
    assert "nothing to do" in output
    assert snapshot() == before
    assert password_file.read_text().strip() == PASSWORD


def check_second_run_duplicates_nothing_and_can_reset_the_password(password_file):
    before = snapshot()
    output = run("seed_demo", borrowers=25)
    assert "skipped" in output
    assert "passwords unchanged" in output
    assert snapshot() == before
    assert User.objects.get(username="risk").check_password(PASSWORD)

    run("seed_demo", borrowers=25, password="another-pass-987")
    assert snapshot() == before
    assert User.objects.get(username="collector").check_password("another-pass-987")
    assert password_file.read_text().strip() == "another-pass-987"


def test_demo_accounts_without_a_saved_password_says_how_to_reset(db, password_file):
    run("seed_demo", "--once", borrowers=1, days=30)
    password_file.unlink()
    output = run("demo_accounts")
    assert "seed_demo --password" in output


def test_generated_password_is_printed_and_saved(db, password_file):
    output = run("seed_demo", borrowers=1, days=30)
    saved = password_file.read_text().strip()
    assert len(saved) >= 16
    assert saved in output
    assert User.objects.get(username="admin").check_password(saved)
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    "options",
    [{"borrowers": 0}, {"days": 5}, {"password": "short"}],
)
def test_bad_input_is_refused_and_changes_nothing(db, password_file, options):
    before = snapshot()
    with pytest.raises(CommandError):
        run("seed_demo", **options)
    assert snapshot() == before


def test_setup_schedules_is_idempotent(db):
    first = run("setup_schedules")
    assert "created close-of-business" in first
    again = run("setup_schedules")
    assert "up to date" in again
    assert Schedule.objects.count() == len(SCHEDULES)
    cob = Schedule.objects.get(name="close-of-business")
    assert cob.func == "zaymer.tasks.run_cob"
    assert cob.schedule_type == Schedule.DAILY
    local = cob.next_run.astimezone(ZoneInfo("Europe/Moscow"))
    assert (local.hour, local.minute) == (0, 5)
    assert cob.next_run > timezone.now()
    poll = Schedule.objects.get(name="poll-pending-payouts")
    assert poll.func == "loans.tasks.poll_pending_payouts"
    assert (poll.schedule_type, poll.minutes) == (Schedule.MINUTES, 5)
    outbox = Schedule.objects.get(name="deliver-borrower-messages")
    assert outbox.func == "loans.tasks.deliver_messages"
    assert (outbox.schedule_type, outbox.minutes, outbox.repeats) == (Schedule.MINUTES, 1, -1)

    poll.minutes = 60
    poll.save()
    assert "updated poll-pending-payouts" in run("setup_schedules")
    poll.refresh_from_db()
    assert poll.minutes == 5
    assert Schedule.objects.count() == len(SCHEDULES)
