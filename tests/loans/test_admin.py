import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.urls import reverse

from loans import credit_lines, services
from loans.admin.display import rub
from loans.cob import run_cob_until
from loans.models import (
    Borrower,
    JournalEntry,
    Loan,
    LoanStatus,
    PayoutMethod,
    PayoutOrder,
    TransitionLog,
)
from tests.factories import (
    DEMO_BIK,
    BorrowerFactory,
    applied_loan,
    bureaus_answered,
    live_loan,
    valid_account,
)

LOAN_CHANGELIST = reverse("admin:loans_loan_changelist")


@pytest.fixture
def book(business_date, django_capture_on_commit_callbacks):
    """A small book: a live loan a few days old, a scored application, an overdue loan."""
    with django_capture_on_commit_callbacks(execute=True):
        live = live_loan(on=business_date, term_days=10)
        overdue = live_loan(on=business_date, term_days=5)
    # Due Saturday 11-07, so on Monday 11-09 (the next working day); overdue when it closes.
    run_cob_until(until=business_date + dt.timedelta(days=8))
    live.refresh_from_db()
    overdue.refresh_from_db()
    scored = services.loan_score(loan=applied_loan())
    assert live.status == LoanStatus.SERVICED
    assert overdue.status == LoanStatus.OVERDUE
    return {"live": live, "overdue": overdue, "scored": scored}


def loans_models():
    return [model for model in admin.site._registry if model._meta.app_label == "loans"]


def test_every_loans_model_has_an_admin():
    registered = {model.__name__ for model in loans_models()}
    assert registered >= {
        "Region",
        "Borrower",
        "Product",
        "Loan",
        "ScheduleItem",
        "TransitionLog",
        "JournalEntry",
        "JournalLine",
        "PayoutOrder",
        "IncomingPayment",
        "RegulationLimit",
        "MarketAveragePsk",
        "BusinessDate",
        "CobRun",
        "BorrowerMessage",
        "RestructuringRequest",
        "CreditLineTransfer",
    }


def test_every_changelist_and_change_page_renders(admin_client, book):
    for model in loans_models():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            response = admin_client.get(url)
            assert response.status_code == 200, url


def test_loan_change_page_shows_schedule_log_payouts_in_roubles(admin_client, book):
    loan = book["live"]
    response = admin_client.get(reverse("admin:loans_loan_change", args=[loan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "schedule (current version)" in page.lower()
    assert "transition log" in page.lower()
    assert "confirm_payout" in page
    assert "10\u00a0000,00 ₽" in page  # the principal, in roubles
    assert PayoutOrder.objects.filter(loan=loan).exists()
    assert 'name="_save"' not in page  # a loan is never edited in a form


@pytest.mark.parametrize(
    "query",
    ["q=Иванов", "q=42", "q=%2B79", "dpd=1-30", "dpd=90%2B", "principal=5-15k", "status=overdue"],
)
def test_loan_changelist_search_and_filters(admin_client, book, query):
    response = admin_client.get(f"{LOAN_CHANGELIST}?{query}")
    assert response.status_code == 200


def test_loan_list_shows_money_in_roubles(admin_client, book):
    page = admin_client.get(LOAN_CHANGELIST).content.decode()
    assert "10\u00a0000,00 ₽" in page


def run_action(client, action, *loans):
    return client.post(
        LOAN_CHANGELIST,
        {"action": action, "_selected_action": [loan.pk for loan in loans]},
        follow=True,
    )


def test_approve_action_goes_through_the_service(admin_client, book):
    scored = book["scored"]
    response = run_action(admin_client, "action_approve", scored)
    assert response.status_code == 200
    scored.refresh_from_db()
    assert scored.status == LoanStatus.APPROVED
    assert scored.principal_kop == scored.requested_amount_kop
    log = TransitionLog.objects.get(loan=scored, transition="approve")
    assert log.actor.username == "admin"
    assert log.reason == "by staff in admin"


def test_write_off_of_a_current_loan_is_refused_with_a_message(admin_client, book):
    live = book["live"]
    before = Loan.objects.get(pk=live.pk)
    entries = JournalEntry.objects.count()
    response = run_action(admin_client, "action_write_off", live)
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot write off" in t and "not allowed" in t for t in texts), texts
    after = Loan.objects.get(pk=live.pk)
    assert after.status == LoanStatus.SERVICED
    assert after.debt_kop == before.debt_kop
    assert JournalEntry.objects.count() == entries
    assert not TransitionLog.objects.filter(loan=live, transition="write_off").exists()


def test_actions_report_each_loan_separately(admin_client, book):
    live, overdue = book["live"], book["overdue"]
    response = run_action(admin_client, "action_write_off", live, overdue)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(f"Loan #{live.pk}: cannot write off" in t for t in texts), texts
    assert any("write off: 1 loan(s) done" in t for t in texts), texts
    overdue.refresh_from_db()
    assert overdue.status == LoanStatus.WRITTEN_OFF
    assert overdue.debt_kop == 0


def test_sign_and_cancel_actions(admin_client, book):
    scored = book["scored"]
    bureaus_answered(scored.borrower)  # the sandbox's answer for a factory passport may refuse
    run_action(admin_client, "action_approve", scored)
    run_action(admin_client, "action_sign", scored)
    scored.refresh_from_db()
    assert scored.signed_on is not None
    response = run_action(admin_client, "action_cancel", scored)
    assert response.status_code == 200
    scored.refresh_from_db()
    assert scored.status == LoanStatus.CANCELLED


def test_ledger_rows_are_read_only(admin_client, book):
    for name in ("journalentry", "journalline", "incomingpayment", "cobrun", "transitionlog"):
        assert admin_client.get(reverse(f"admin:loans_{name}_add")).status_code == 403
    entry = JournalEntry.objects.first()
    url = reverse("admin:loans_journalentry_change", args=[entry.pk])
    assert admin_client.post(url, {"key": "forged"}).status_code == 403
    delete = reverse("admin:loans_journalentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.key != "forged"


def test_a_loan_cannot_be_added_or_edited_in_a_form(admin_client, book):
    loan = book["live"]
    assert admin_client.get(reverse("admin:loans_loan_add")).status_code == 403
    url = reverse("admin:loans_loan_change", args=[loan.pk])
    response = admin_client.post(url, {"principal_out_kop": 1})
    assert response.status_code == 403
    loan.refresh_from_db()
    assert loan.principal_out_kop == 1_000_000


def test_roles_exist_with_their_permissions(db):
    def perms(name):
        group = Group.objects.get(name=name)
        return set(group.permissions.values_list("codename", flat=True))

    underwriter, collector = perms("underwriter"), perms("collector")
    risk, administrator = perms("risk_manager"), perms("administrator")
    for staff in (underwriter, collector):
        assert {"view_borrower", "view_loan", "view_scheduleitem", "view_incomingpayment"} <= staff
        assert not any(p.startswith(("add_", "change_", "delete_")) for p in staff)
    assert {"view_journalline", "view_cobrun", "view_loan", "view_historicalloan"} <= risk
    assert {"change_regulationlimit", "change_marketaveragepsk", "change_product"} <= risk
    assert "change_loan" not in risk and "delete_product" not in risk
    assert {"change_loan", "delete_borrower", "add_product", "view_journalentry"} <= administrator


def staff_in(group: str, username: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_collector_sees_personal_data_masked_and_cannot_act(client, book):
    borrower = BorrowerFactory(phone="+79161234567", full_name="Петров Пётр Петрович")
    client.force_login(staff_in("collector", "collector1"))
    page = client.get(reverse("admin:loans_borrower_changelist")).content.decode()
    assert "+79161234567" not in page
    assert "+7••••••••67" in page
    assert "Петров П. П." in page
    detail = client.get(reverse("admin:loans_borrower_change", args=[borrower.pk]))
    assert detail.status_code == 200
    assert borrower.passport_number not in detail.content.decode()
    loans_page = client.get(LOAN_CHANGELIST)
    assert loans_page.status_code == 200
    assert "action_approve" not in loans_page.content.decode()
    scored = book["scored"]
    run_action(client, "action_approve", scored)
    scored.refresh_from_db()
    assert scored.status == LoanStatus.SCORED
    assert client.get(reverse("admin:loans_region_add")).status_code == 403


def test_administrator_sees_personal_data(admin_client, db):
    BorrowerFactory(phone="+79161234567")
    page = admin_client.get(reverse("admin:loans_borrower_changelist")).content.decode()
    assert "+79161234567" in page


def test_risk_manager_edits_limits_but_not_loans(client, book):
    client.force_login(staff_in("risk_manager", "risk1"))
    assert client.get(reverse("admin:loans_regulationlimit_add")).status_code == 200
    assert client.get(reverse("admin:loans_journalline_changelist")).status_code == 200
    assert client.get(reverse("admin:loans_borrower_add")).status_code == 403
    assert "action_write_off" not in client.get(LOAN_CHANGELIST).content.decode()


def test_borrower_history_is_visible_to_admin(admin_client, db):
    borrower = BorrowerFactory()
    url = reverse("admin:loans_borrower_history", args=[borrower.pk])
    assert admin_client.get(url).status_code == 200
    assert Borrower.history.filter(id=borrower.pk).exists()


def test_a_card_transfer_shows_where_it_went_masked_and_what_the_gateway_said(
    admin_client, business_date
):
    line = credit_lines.credit_line_open(
        borrower=BorrowerFactory(), limit_kop=1_000_000, daily_rate_ppm=8_000
    )
    account = valid_account()
    credit_lines.credit_line_draw(
        credit_line=line,
        kind="transfer",
        amount_kop=250_000,
        idempotency_key="t-1",
        payout_reference="bank_account:1",
        payout_method=PayoutMethod.BANK_ACCOUNT,
        payout_destination={"account": account, "bik": DEMO_BIK},
    )

    page = admin_client.get(reverse("admin:loans_creditlinetransfer_changelist")).content.decode()

    assert f"account •••{account[-4:]}" in page
    assert account not in page
    assert rub(250_000) in page
