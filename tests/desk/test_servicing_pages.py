"""The servicing pages: a loan's servicing page, its forms, the queue awaiting approval, the
roles and the second factor in front of them, and the audit trail's record of both people."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from desk import services
from desk.models import ActionStatus, ServicingAction
from loans.business_date import current_business_date
from loans.models import IncomingPayment, LoanStatus
from loans.money import format_rub
from tests.collection.conftest import ISSUED, overdue_loan
from tests.loans.helpers import book, fresh, issued
from zaymer.models import SecurityPolicy


@pytest.fixture
def loan(business_date):
    return issued(on=ISSUED)


def page(loan) -> str:
    return f"/desk/servicing/loans/{loan.pk}/"


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def payment(**changes) -> dict:
    return {
        "amount_rub": "1000.00",
        "received_on": current_business_date().isoformat(),
        "bank_reference": "PP-9",
        "reason": "",
        **changes,
    }


def proposals(count: int, *, by) -> None:
    for _ in range(count):
        loan = issued(on=ISSUED)
        services.servicing_post_payment(
            loan=loan,
            amount_kop=6_000_000,
            received_on=current_business_date(),
            bank_reference=f"PP-{loan.pk}",
            actor=by,
        )


def test_a_collector_opens_a_loans_servicing_page(client, collector, loan):
    client.force_login(collector)
    response = client.get(page(loan))
    assert response.status_code == 200
    assert b'id="payment-form"' in response.content and b'id="write-off-form"' in response.content


def test_an_underwriter_may_not_open_the_servicing_page(client, underwriter, loan):
    client.force_login(underwriter)
    assert client.get(page(loan)).status_code == 403


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, loan):
    response = client.get(page(loan))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_loan_is_not_found(client, collector, db):
    client.force_login(collector)
    assert client.get("/desk/servicing/loans/999999/").status_code == 404


def test_the_borrowers_page_links_each_loan_to_its_servicing(client, collector, loan):
    client.force_login(collector)
    response = client.get(f"/desk/borrowers/{loan.borrower_id}/")
    assert page(loan).encode() in response.content


def test_a_payment_posted_on_the_page_is_booked_and_said_so(client, collector, loan):
    client.force_login(collector)
    response = client.post(f"{page(loan)}payment/", payment())

    assert response.status_code == 302 and response["Location"] == page(loan)
    assert said(response) == ["The payment is booked."]
    booked = IncomingPayment.objects.get(event_id="PP-9")
    assert booked.amount_kop == 100_000


def test_a_payment_above_the_threshold_is_said_to_wait(client, collector, loan):
    client.force_login(collector)
    response = client.post(f"{page(loan)}payment/", payment(amount_rub="50000.01"))
    assert "another person approves" in said(response)[0]
    assert not IncomingPayment.objects.filter(event_id="PP-9").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_rub": "abc"},
        {"amount_rub": "0"},
        {"amount_rub": "10.001"},
        {"received_on": "2026-13-01"},
        {"bank_reference": ""},
        {"bank_reference": "a b"},
    ],
)
def test_a_bad_payment_form_changes_nothing_and_says_why(client, collector, loan, changes):
    client.force_login(collector)
    before = book()
    response = client.post(f"{page(loan)}payment/", payment(**changes))
    assert response.status_code == 302
    assert said(response)
    assert book() == before
    assert not ServicingAction.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(collector, loan):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(collector)
    assert strict.post(f"{page(loan)}payment/", payment()).status_code == 403
    assert not ServicingAction.objects.exists()


def test_an_action_is_never_done_by_a_get(client, collector, loan):
    client.force_login(collector)
    assert client.get(f"{page(loan)}payment/", payment()).status_code == 405


def test_the_proposer_approving_on_the_page_is_refused(client, risk_manager, loan):
    client.force_login(risk_manager)
    client.post(f"{page(loan)}payment/", payment(amount_rub="60000"))
    action = ServicingAction.objects.get()

    response = client.post(f"/desk/servicing/{action.pk}/approve/", {"comment": ""})

    assert said(response)[-1] == "You proposed this: another person must approve or reject it."
    assert ServicingAction.objects.get().status == ActionStatus.PENDING


def test_a_checker_approves_on_the_queue(client, collector, risk_manager, loan):
    proposals(1, by=collector)
    action = ServicingAction.objects.get()
    client.force_login(risk_manager)

    response = client.post(f"/desk/servicing/{action.pk}/approve/", {"comment": "seen"})

    assert response["Location"] == "/desk/servicing/"
    assert said(response) == ["Approved and done."]
    assert ServicingAction.objects.get().status == ActionStatus.DONE


def test_a_collector_may_not_post_a_decision(client, collector, administrator, loan):
    proposals(1, by=administrator)
    client.force_login(collector)
    action = ServicingAction.objects.get()
    assert client.post(f"/desk/servicing/{action.pk}/approve/").status_code == 403


def test_a_write_off_proposed_and_approved_on_the_pages(
    client, collector, risk_manager, business_date
):
    loan = overdue_loan()
    client.force_login(collector)
    client.post(f"{page(loan)}write-off/", {"reason": "debtor deceased"})
    action = ServicingAction.objects.get()
    client.force_login(risk_manager)

    client.post(f"/desk/servicing/{action.pk}/approve/", {"back": "loan"})

    assert fresh(loan).status == LoanStatus.WRITTEN_OFF


def test_the_queue_shows_the_proposals_oldest_first(client, collector, risk_manager, db):
    proposals(2, by=collector)
    client.force_login(risk_manager)
    shown = client.get("/desk/servicing/").context["page"].object_list
    assert [a.pk for a in shown] == sorted(a.pk for a in ServicingAction.objects.all())


@pytest.mark.parametrize("count", [1, 8])
def test_the_queue_costs_the_same_queries_for_one_proposal_and_for_eight(
    client, collector, risk_manager, business_date, django_assert_num_queries, count
):
    proposals(count, by=collector)
    client.force_login(risk_manager)
    client.get("/desk/servicing/")
    # The session, the user and its roles (3), the second factor's policy (1), the count and
    # the page with their proposers (2), the menu's two permission reads, the session's save
    # (3).
    with django_assert_num_queries(11):
        assert client.get("/desk/servicing/").status_code == 200


def test_a_page_number_that_is_not_a_number_shows_the_first_page(client, risk_manager, db):
    client.force_login(risk_manager)
    assert client.get("/desk/servicing/", {"page": "x'--"}).context["page"].number == 1


def test_the_servicing_pages_ask_for_the_second_factor_when_the_policy_does(
    client, collector, loan
):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"require_admin_totp": True})
    client.force_login(collector)
    response = client.get(page(loan))
    assert response.status_code == 302 and "/accounts/second-factor/" in response["Location"]


def test_the_audit_trail_names_the_proposer_and_the_approver(
    client, collector, risk_manager, administrator, business_date
):
    loan = overdue_loan()
    proposal = services.servicing_propose_write_off(loan=loan, reason="hopeless", actor=collector)
    services.servicing_approve(action=proposal, actor=risk_manager, comment="agreed")
    client.force_login(administrator)

    rows = client.get("/desk/audit/", {"kind": "loan", "object_id": loan.pk}).context["page"].rows
    servicing = [(r.actor, r.action, r.detail) for r in rows if "servicing" in r.action]

    debt = format_rub(proposal.amount_kop)
    assert servicing == [
        ("risk1", f"servicing approved: write-off №{proposal.pk}, {debt}", "agreed"),
        ("col1", f"servicing proposed: write-off №{proposal.pk}, {debt}", "hopeless"),
    ]


def test_a_payment_done_at_once_is_on_the_trail_once(client, collector, administrator, loan):
    services.servicing_post_payment(
        loan=loan,
        amount_kop=100_000,
        received_on=current_business_date(),
        bank_reference="PP-1",
        actor=collector,
    )
    client.force_login(administrator)
    rows = client.get("/desk/audit/", {"kind": "loan", "object_id": loan.pk}).context["page"].rows
    number = ServicingAction.objects.get().pk
    assert [(r.actor, r.action) for r in rows if "servicing" in r.action] == [
        ("col1", f"servicing: payment by bank transfer №{number}, 1\u00a0000,00 ₽")
    ]


def test_the_servicing_pages_speak_russian_by_default(client, collector, loan):
    client.cookies.pop("django_language")
    client.force_login(collector)
    body = client.get(page(loan)).content.decode()
    assert "Обслуживание займа" in body and "Учесть платёж" in body
    assert "Ждут одобрения" in client.get("/desk/servicing/").content.decode()
