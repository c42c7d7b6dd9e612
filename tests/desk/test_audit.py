"""The audit trail: who did what to a loan, a card, a case or a model, and when, in one list."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from cards import services as card_services
from desk.audit import AuditFilter, audit_rows
from loans import services
from scoring.models import ModelStatus, ModelTransition
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import _isolated_scoring, constant_model, register  # noqa: F401

AUDIT = "/desk/audit/"


@pytest.fixture
def approved(business_date, underwriter):
    loan = services.loan_score(loan=applied_loan())
    services.loan_refer(loan=loan, reason="grey zone")
    return services.loan_approve(loan=loan, actor=underwriter)


@pytest.fixture
def promoted(db, risk_manager):
    model = register(constant_model(0.1))
    ModelTransition.objects.create(
        model_version=model,
        from_status=ModelStatus.CANDIDATE,
        to_status=ModelStatus.CHAMPION,
        actor=risk_manager,
        actor_label=risk_manager.username,
        reason="gates passed",
    )
    return model


def rows(client, **params) -> list:
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return response.context["page"].rows


def test_the_trail_shows_a_loans_approval_with_its_actor(client, risk_manager, approved):
    client.force_login(risk_manager)
    (row,) = [
        r for r in rows(client, kind="loan", object_id=approved.pk) if "Approval:" in r.action
    ]
    assert row.actor == "uw1"
    assert row.action == "Approval: In review → Approved"


def test_the_trail_shows_a_cards_freeze_with_its_actor(client, risk_manager, business_date):
    line = card_services.credit_line_open(
        borrower=BorrowerFactory(), limit_kop=1_000_000, daily_rate_ppm=8_000
    )
    card_services.credit_line_freeze(credit_line=line, actor=risk_manager)
    client.force_login(risk_manager)

    (row,) = [r for r in rows(client, kind="card", object_id=line.pk) if "Freeze:" in r.action]

    assert row.actor == "risk1"
    assert row.action.startswith("Freeze: Open →")


def test_the_trail_shows_a_models_promotion_with_its_actor(client, risk_manager, promoted):
    client.force_login(risk_manager)
    (row,) = rows(client, kind="model")
    assert (row.object_id, row.actor, row.detail) == (promoted.pk, "risk1", "gates passed")
    assert "Candidate → Champion" in row.action


def test_the_trail_is_newest_first_across_sources(client, administrator, approved, promoted):
    client.force_login(administrator)
    found = rows(client)
    assert {r.kind.value for r in found} >= {"loan", "model"}
    assert [r.at for r in found] == sorted((r.at for r in found), reverse=True)


def test_the_trail_filters_by_actor(client, risk_manager, approved, promoted):
    client.force_login(risk_manager)
    assert {r.actor for r in rows(client, actor="UW1")} == {"uw1"}


def test_the_trail_filters_by_date(client, risk_manager, approved):
    client.force_login(risk_manager)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert rows(client, since=tomorrow.isoformat()) == []


def test_a_number_without_a_kind_answers_a_clear_message(client, risk_manager, db):
    client.force_login(risk_manager)
    response = client.get(AUDIT, {"object_id": "5"})
    assert response.status_code == 200
    assert "Choose the kind of object the number belongs to." in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"object_id": "abc", "kind": "loan"},
        {"kind": "planet"},
        {"since": "2026-13-01"},
        {"page": "-1"},
    ],
)
def test_bad_filters_answer_a_clear_message_not_an_error(client, risk_manager, db, params):
    client.force_login(risk_manager)
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    assert 'class="msg-error"' in response.content.decode()


def test_an_end_before_the_start_is_refused(client, risk_manager, db):
    client.force_login(risk_manager)
    body = client.get(AUDIT, {"since": "2026-12-02", "until": "2026-12-01"}).content.decode()
    assert "The end of the period is before its start." in body


@pytest.mark.parametrize("username", ["col1", "uw1"])
def test_collectors_and_underwriters_are_refused_the_trail(
    client, collector, underwriter, username
):
    client.force_login(collector if username == "col1" else underwriter)
    assert client.get(AUDIT).status_code == 403
    assert client.get("/desk/audit.csv").status_code == 403


def test_the_trail_downloads_as_a_csv_for_a_russian_excel(client, risk_manager, approved):
    client.force_login(risk_manager)
    response = client.get("/desk/audit.csv", {"kind": "loan"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Approval: In review → Approved" in text and ";uw1;" in text


def test_the_trail_downloads_as_xlsx(client, risk_manager, promoted):
    client.force_login(risk_manager)
    response = client.get("/desk/audit.xlsx", {"kind": "model"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=4).value == "risk1"


def test_the_trail_is_paged(client, risk_manager, promoted):
    for _ in range(60):
        ModelTransition.objects.create(
            model_version=promoted, from_status="champion", to_status="retired", actor_label="x"
        )
    client.force_login(risk_manager)
    first = client.get(AUDIT, {"kind": "model"}).context["page"]
    second = client.get(AUDIT, {"kind": "model", "page": "2"}).context["page"]
    assert (len(first.rows), first.has_next, len(second.rows), second.has_next) == (
        50,
        True,
        11,
        False,
    )


def test_the_merge_keeps_the_newest_rows_of_every_source(approved, promoted):
    found = audit_rows(wanted=AuditFilter(), limit=3)
    assert len(found) == 3
    assert found[0].at >= found[-1].at


@pytest.mark.parametrize("extra", [0, 30])
def test_a_page_of_the_trail_costs_one_query_per_source_whatever_the_history(
    client, risk_manager, approved, promoted, django_assert_num_queries, extra
):
    for _ in range(extra):
        ModelTransition.objects.create(
            model_version=promoted, from_status="champion", to_status="retired", actor_label="x"
        )
    client.force_login(risk_manager)
    client.get(AUDIT)
    # The session, the user and its roles (3), ten sources (loan and card transitions; loan,
    # borrower, product and case records; contacts; model transitions; servicing made and
    # decided), the menu's two permission reads, the session's save (3).
    with django_assert_num_queries(18):
        client.get(AUDIT)


def test_a_borrowers_change_is_on_the_trail_by_number_without_personal_data(
    client, administrator, db
):
    borrower = BorrowerFactory(full_name="Иванова Мария Петровна", phone="+79161234567")
    borrower.phone = "+79167654321"
    borrower.save()
    client.force_login(administrator)
    response = client.get(AUDIT, {"kind": "borrower", "object_id": borrower.pk})
    assert [r.action for r in response.context["page"].rows] == ["changed", "created"]
    body = response.content.decode()
    assert "Иванова" not in body and "7654321" not in body and "1234567" not in body


def test_the_trail_speaks_russian_by_default(client, risk_manager, approved):
    client.cookies.pop("django_language")
    client.force_login(risk_manager)
    body = client.get(AUDIT).content.decode()
    assert "Журнал действий" in body and "Займ №" in body


def test_a_user_without_a_staff_role_is_refused_the_trail(client, outsider):
    client.force_login(outsider)
    assert client.get(AUDIT).status_code == 403
