"""One borrower's page: loans, card, payments, documents, messages, decisions, cases, contacts."""

import pytest
from django.utils import timezone

from collection.models import CollectionCase, ContactAttempt
from loans.business_date import current_business_date
from loans.models import BorrowerMessage, Loan
from scoring.models import ScoreResult
from tests.factories import BorrowerFactory, applied_loan, signed_loan


def page(borrower) -> str:
    return f"/desk/borrowers/{borrower.pk}/"


def history(borrower, *, loans: int, collector) -> list[Loan]:
    business_date = current_business_date()
    """`loans` loans (the first signed, with its documents; the law caps the signed ones with a
    high ПСК), each with a robot's decision, a message, a case and a contact."""
    made = []
    for n in range(loans):
        loan = signed_loan(borrower=borrower) if n == 0 else applied_loan(borrower=borrower)
        ScoreResult.objects.create(
            loan=loan,
            method="rules",
            segment="new",
            decision="approve",
            requested_amount_kop=loan.requested_amount_kop,
            approved_amount_kop=loan.requested_amount_kop,
            reasons=[],
            snapshot={},
            bureau_attributes=b"",
            policy={},
            latency_ms=1.0,
            business_date=business_date,
        )
        BorrowerMessage.objects.create(
            borrower=borrower, phone=borrower.phone, kind="code_sign", body="Код 870531"
        )
        case = CollectionCase.objects.create(
            loan=loan,
            borrower=borrower,
            opened_on=business_date,
            collector=collector,
            strategy="soft",
            recovery_probability=0.5,
            priority_kop=100,
            strategy_reason="test",
        )
        ContactAttempt.objects.create(
            borrower=borrower,
            case=case,
            channel="call",
            at=timezone.now(),
            local_at="12:00 MSK",
            outcome="no_answer",
            actor=collector,
            actor_label=collector.username,
        )
        made.append(loan)
    return made


@pytest.fixture
def borrower(db):
    return BorrowerFactory(full_name="Иванова Мария Петровна", phone="+79161234567")


def test_the_page_shows_the_borrowers_loans_with_amounts_in_roubles_and_contract_links(
    client, administrator, borrower, business_date
):
    (loan,) = history(borrower, loans=1, collector=administrator)
    client.force_login(administrator)
    body = client.get(page(borrower)).content.decode()
    assert f'data-loan="{loan.pk}"' in body
    assert "10\u00a0000,00\u00a0₽" in body
    assert f"/documents/loans/{loan.pk}/contract.pdf" in body
    assert loan.credit_uid in body


def test_the_page_shows_a_messages_kind_and_never_its_body(
    client, administrator, borrower, business_date
):
    history(borrower, loans=1, collector=administrator)
    client.force_login(administrator)
    body = client.get(page(borrower)).content.decode()
    assert "code_sign" in body
    assert "870531" not in body


def test_the_page_shows_the_cases_and_contacts_of_the_borrower(
    client, administrator, borrower, business_date
):
    history(borrower, loans=1, collector=administrator)
    client.force_login(administrator)
    response = client.get(page(borrower))
    assert len(response.context["p"].cases) == 1
    assert len(response.context["p"].contacts) == 1
    assert "No answer" in response.content.decode()


def test_a_collector_sees_the_borrower_masked_and_nothing_goes_on_record(
    client, collector, borrower, caplog
):
    client.force_login(collector)
    body = client.get(page(borrower)).content.decode()
    assert "Иванова М. П." in body
    assert "Мария Петровна" not in body and "+79161234567" not in body
    assert "+7••••••••67" in body
    assert not [r for r in caplog.records if r.getMessage() == "personal data shown"]


def test_an_administrator_sees_the_borrower_unmasked_and_the_showing_is_on_record(
    client, administrator, borrower, caplog
):
    client.force_login(administrator)
    body = client.get(page(borrower)).content.decode()
    assert "Иванова Мария Петровна" in body and "+79161234567" in body
    (shown,) = [r for r in caplog.records if r.getMessage() == "personal data shown"]
    assert shown.fields == {"user_id": administrator.pk, "borrower_id": borrower.pk}
    assert "+79161234567" not in caplog.text and "Мария" not in caplog.text


def test_a_collector_finds_a_borrower_by_phone_and_sees_the_result_masked(
    client, collector, borrower, caplog
):
    client.force_login(collector)
    body = client.post("/desk/", {"q": "+79161234567"}).content.decode()
    results = body[body.index('<table id="results">') :]
    assert f'data-borrower="{borrower.pk}"' in results
    assert "+79161234567" not in results and "Мария" not in results
    (searched,) = [r for r in caplog.records if r.getMessage() == "personal data searched"]
    assert searched.fields == {"user_id": collector.pk, "keys": ["phone"]}
    assert "+79161234567" not in caplog.text


def test_an_administrators_search_puts_each_unmasked_borrower_on_record(
    client, administrator, borrower, caplog
):
    client.force_login(administrator)
    body = client.post("/desk/", {"q": "иванова"}).content.decode()
    assert "Иванова Мария Петровна" in body
    (shown,) = [r for r in caplog.records if r.getMessage() == "personal data shown"]
    assert shown.fields == {"user_id": administrator.pk, "borrower_id": borrower.pk}


def test_a_user_without_a_staff_role_is_refused_the_desk(client, outsider, borrower):
    client.force_login(outsider)
    assert client.get(page(borrower)).status_code == 403
    assert client.post("/desk/", {"q": "иванова"}).status_code == 403


def test_an_unknown_borrower_is_not_found(client, administrator, db):
    client.force_login(administrator)
    assert client.get("/desk/borrowers/999999/").status_code == 404


def test_the_page_speaks_russian_by_default(client, collector, borrower):
    client.cookies.pop("django_language")
    client.force_login(collector)
    body = client.get(page(borrower)).content.decode()
    assert "Займы" in body and "Сообщения" in body


@pytest.mark.parametrize("loans", [1, 5])
def test_the_page_costs_the_same_queries_for_one_loan_and_for_five(
    client, administrator, borrower, business_date, django_assert_num_queries, loans
):
    history(borrower, loans=loans, collector=administrator)
    client.force_login(administrator)
    client.get(page(borrower))
    # The session, the user and its roles (3), the borrower and its nine lists (10), the two
    # permission reads of the unmasking rule, the session's save (3).
    with django_assert_num_queries(18):
        assert client.get(page(borrower)).status_code == 200


def test_an_underwriter_sees_the_borrower_masked(client, underwriter, borrower):
    client.force_login(underwriter)
    body = client.get(page(borrower)).content.decode()
    assert "Иванова М. П." in body and "+79161234567" not in body


def test_the_menu_offers_the_search_to_every_staff_role_and_the_trail_to_risk(
    client, collector, risk_manager
):
    client.force_login(collector)
    menu = client.get("/desk/").content.decode()
    assert 'href="/desk/"' in menu and 'href="/desk/audit/"' not in menu
    client.force_login(risk_manager)
    assert 'href="/desk/audit/"' in client.get("/desk/").content.decode()
