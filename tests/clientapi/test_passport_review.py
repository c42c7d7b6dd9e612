"""A profile naming another borrower's passport does not say so: staff review it."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from clientapi.models import ClientAccount, PassportReview, PassportReviewStatus
from loans.models import Borrower
from tests.clientapi.conftest import PROFILE, apply, onboard, sign_in
from tests.factories import BorrowerFactory, RegionFactory


@pytest.fixture
def holder(db):
    RegionFactory()
    return BorrowerFactory(passport_series="4510", passport_number="654321")


def _put(api, number: str, **changes):
    body = {**PROFILE, "passport_number": number, **changes}
    return api.put("/api/v1/me/", body, format="json")


def _comparable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("phone", "created_at", "updated_at")}


def test_another_borrowers_passport_answers_like_a_free_one(holder, api):
    sign_in(api)
    taken = _put(api, "654321")
    other = type(api)()
    sign_in(other)
    free = _put(other, "654322")
    assert taken.status_code == free.status_code == 200
    expected = {**_comparable(free.json()), "passport_number": "654321"}
    assert _comparable(taken.json()) == expected
    assert set(taken.json()) == set(free.json())
    assert taken.json()["created_at"] and taken.json()["updated_at"]
    assert api.get("/api/v1/me/").json() == taken.json()


def test_the_duplicate_waits_for_staff_and_no_borrower_takes_it(holder, api):
    sign_in(api)
    _put(api, "654321")
    review = PassportReview.objects.get()
    assert review.holder == holder and review.status == PassportReviewStatus.PENDING
    assert review.account.borrower is None
    assert Borrower.objects.filter(passport_number="654321").get() == holder


def test_a_borrower_keeps_the_passport_on_file_while_the_new_one_is_reviewed(holder, api):
    sign_in(api)
    assert _put(api, "111222").status_code == 200
    answer = _put(api, "654321", full_name="Петров Пётр Иванович")
    assert answer.json()["passport_number"] == "654321"
    borrower = ClientAccount.objects.get(phone=api.phone).borrower
    assert borrower.passport_number == "111222"
    assert borrower.full_name == "Петров Пётр Иванович"


def test_an_account_under_review_cannot_apply(borrower_api, holder):
    assert _put(borrower_api, "654321").status_code == 200
    refused = apply(borrower_api)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "profile_under_review"


def test_a_passport_of_ones_own_closes_the_review(holder, api):
    sign_in(api)
    _put(api, "654321")
    assert _put(api, "333444").json()["passport_number"] == "333444"
    assert PassportReview.objects.get().status == PassportReviewStatus.CLOSED
    assert ClientAccount.objects.get(phone=api.phone).borrower.passport_number == "333444"


def test_profile_updates_are_throttled_per_account(holder, api, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "profile": "2/day"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    sign_in(api)
    answers = [_put(api, f"65432{n}").status_code for n in range(3)]
    assert answers == [200, 200, 429]
    assert api.get("/api/v1/me/").status_code == 200


def test_staff_see_the_review_and_closing_it_lets_the_account_apply(
    borrower_api, holder, admin_client
):
    _put(borrower_api, "654321")
    page = admin_client.get("/admin/clientapi/passportreview/").content.decode()
    assert "4510 654321" in page and f"#{holder.pk}" in page
    review = PassportReview.objects.get()
    closed = admin_client.post(
        "/admin/clientapi/passportreview/",
        {"action": "close_reviews", "_selected_action": [review.pk]},
    )
    assert closed.status_code == 302
    assert PassportReview.objects.get().status == PassportReviewStatus.CLOSED
    assert apply(borrower_api).status_code == 201


def test_staff_without_the_borrower_permission_see_the_passport_masked(db, holder, api, client):
    from django.contrib.auth.models import Permission, User

    sign_in(api)
    _put(api, "654321")
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_passportreview"))
    client.force_login(viewer)
    page = client.get("/admin/clientapi/passportreview/").content.decode()
    assert "654321" not in page and "45•• ••••21" in page


__all__ = ["onboard"]
