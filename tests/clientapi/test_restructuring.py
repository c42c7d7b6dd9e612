import datetime as dt

from loans import services
from loans.models import Loan, RestructuringRequest
from tests.clientapi.conftest import approved_application, live_loan
from tests.loans.helpers import open_day

OVERDUE_ON = dt.date(2026, 12, 6)  # the 30-day loan issued on 2026-11-02 fell due on 12-02


def _ask(api, loan_id, body=None):
    body = {"periods": 4, "period_days": 14} if body is None else body
    return api.post(f"/api/v1/loans/{loan_id}/restructuring-request/", body, format="json")


def test_an_overdue_loan_gets_its_request_and_the_plan_preview(borrower_api):
    loan_id = live_loan(borrower_api)
    open_day(OVERDUE_ON)
    loan = Loan.objects.get(pk=loan_id)
    assert loan.status == "overdue"
    items, shares = services.restructuring_preview(loan=loan, periods=4, period_days=14)

    answer = _ask(borrower_api, loan_id)

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    request = RestructuringRequest.objects.get(loan_id=loan_id)
    assert {k: body[k] for k in ("id", "loan", "status", "periods", "period_days")} == {
        "id": request.pk,
        "loan": loan_id,
        "status": "requested",
        "periods": 4,
        "period_days": 14,
    }
    assert body["schedule"] == [
        {
            "seq": item.seq,
            "due_date": item.due_date.isoformat(),
            "principal_kop": item.principal_kop,
            "interest_kop": item.interest_kop,
            "arrears_kop": share,
            "total_kop": item.total_kop + share,
        }
        for item, share in zip(items, shares, strict=True)
    ]
    assert body["schedule"][0]["due_date"] == "2026-12-21"  # Sunday 12-20 moves to Monday
    assert body["total_kop"] == sum(row["total_kop"] for row in body["schedule"])
    assert body["currency"] == "RUB"
    assert "+03:00" in body["created_at"]
    after = Loan.objects.get(pk=loan_id)
    assert (after.status, after.schedule_version) == ("overdue", loan.schedule_version)


def test_refusals_share_the_error_shape_and_write_nothing(borrower_api):
    loan_id = live_loan(borrower_api)
    current = _ask(borrower_api, loan_id)
    assert current.status_code == 409
    assert current.json()["error"]["code"] == "transition_not_allowed"

    open_day(OVERDUE_ON)
    for body, field in [
        ({"periods": 0}, "periods"),
        ({"periods": 25}, "periods"),
        ({"periods": 3, "period_days": 6}, "period_days"),
        ({"period_days": 14}, "periods"),
        ({"periods": "four"}, "periods"),
    ]:
        answer = _ask(borrower_api, loan_id, body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["field"] == field
    assert not RestructuringRequest.objects.exists()

    assert _ask(borrower_api, loan_id).status_code == 201
    again = borrower_api.post(
        f"/api/v1/loans/{loan_id}/restructuring-request/",
        {"periods": 6},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "restructuring_already_requested",
        "message": "A restructuring request for this loan is already open.",
        "field": None,
    }
    assert RestructuringRequest.objects.count() == 1


def test_another_borrowers_loan_and_an_unsigned_application_are_not_found(
    borrower_api, api_factory
):
    loan_id = live_loan(borrower_api)
    open_day(OVERDUE_ON)
    stranger = api_factory()
    answer = _ask(stranger, loan_id)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"

    application_id = approved_application(stranger)["id"]
    assert _ask(stranger, application_id).status_code == 404
    assert not RestructuringRequest.objects.exists()


def test_the_schema_describes_the_request(db, client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    operation = paths["/api/v1/loans/{id}/restructuring-request/"]["post"]
    assert {"201", "404", "409"} <= set(operation["responses"])


def _accept(api, loan_id, key="accept-1"):
    return api.post(
        f"/api/v1/loans/{loan_id}/restructuring-accept/", format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_the_borrower_accepts_the_restructuring_a_collector_offered(borrower_api):
    from django.contrib.auth.models import Group, User

    from collection import services as collection_services
    from collection.models import CaseStage, CollectionCase

    loan_id = live_loan(borrower_api)
    open_day(OVERDUE_ON)
    collector = User.objects.create_user("col-r", password="x" * 12)
    collector.groups.add(Group.objects.get_or_create(name="collector")[0])
    case = collection_services.case_open(debt=Loan.objects.get(pk=loan_id), on=OVERDUE_ON)
    noon = dt.datetime(2026, 12, 8, 12, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    collection_services.restructuring_offer(
        case=case, periods=4, period_days=14, actor=collector, at=noon
    )

    answer = _accept(borrower_api, loan_id)

    assert answer.status_code == 200, answer.json()
    loan = Loan.objects.get(pk=loan_id)
    assert loan.restructured and loan.status == "serviced"
    assert len(answer.json()["schedule"]) == 4
    assert CollectionCase.objects.get(pk=case.pk).stage == CaseStage.CLOSED
    assert _accept(borrower_api, loan_id).status_code == 200  # the same key: the first answer


def test_accepting_without_an_offer_is_refused(borrower_api):
    loan_id = live_loan(borrower_api)
    open_day(OVERDUE_ON)
    answer = _accept(borrower_api, loan_id)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_offer"
    assert not Loan.objects.get(pk=loan_id).restructured
